"""The whole Doccano loop against a real Doccano 1.8.4 server started by `viner doccano serve`.

corpus units -> push (pre-annotations) -> two annotators work through the API -> pull
-> agree -> merge -> review round (push --review, adjudicate, pull, merge --adjudicated)
-> viner convert; plus idempotent re-push, the upload-encoding pitfall, ner.correct with a
model, a pull while the server is down, and a restart that keeps everything.

The server's environment is built on first use at $VINER_DOCCANO_ENV (default
~/.cache/viner/doccano-1.8.4, about a minute once); each test session starts servers on
free loopback ports with homes in pytest's temporary folder. Tests run in file order.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from viner.agreement import agreement
from viner.doccano.api.client import Session
from viner.doccano.guideline_text import unwrap
from viner.doccano.ledger import open_ledger
from viner.doccano.server import free_port, port_is_free
from viner.formats import doccano_jsonl
from viner.labels import load_scheme
from viner.record import Example, Span

pytestmark = [pytest.mark.doccano, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "viner-admin-Pw-2024"
ANNOTATOR_PASSWORD = "viner-annot-Pw-2024"
START_TIMEOUT = float(os.environ.get("VINER_DOCCANO_START_TIMEOUT", 900))  # includes the first environment build


def viner_command() -> list[str]:
    script = Path(sys.executable).with_name("viner")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from viner.cli import main; sys.exit(main())"]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCANO_")}
    env.update(extra)
    return env


class ServerProcess:
    """`viner doccano serve` as a user runs it, in its own process group."""

    def __init__(self, home: Path, port: int, env: dict[str, str]) -> None:
        self.home, self.port, self.env = home, port, env
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log: Path | None = None
        self.starts = 0
        self.start_seconds: float | None = None

    def start(self) -> str:
        self.starts += 1
        self.log = self.home.parent / f"{self.home.name}-serve-{self.starts}.log"
        out = self.log.open("w", encoding="utf-8")
        began = time.monotonic()
        self.proc = subprocess.Popen(
            [*viner_command(), "doccano", "serve", "--port", str(self.port), "--home", str(self.home)],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        while time.monotonic() - began < START_TIMEOUT:
            text = self.output()
            if "Doccano is ready" in text:
                self.start_seconds = time.monotonic() - began
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"viner doccano serve exited with {self.proc.returncode}:\n{text}")
            time.sleep(0.5)
        self.stop()
        raise AssertionError(f"Doccano did not start within {START_TIMEOUT} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log and self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def server_processes(port: int) -> list[int]:
    """PIDs of Doccano processes (gunicorn or worker) still serving this port's home."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if f"127.0.0.1:{port}" in cmdline and "gunicorn" in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def doccano(tmp_path_factory):
    root = tmp_path_factory.mktemp("doccano")
    port = free_port()
    env = base_env(DOCCANO_ADMIN_USER="admin", DOCCANO_ADMIN_PASSWORD=ADMIN_PASSWORD)
    server = ServerProcess(root / "home", port, env)
    server.start()
    server.cli_env = base_env(
        DOCCANO_URL=server.url,
        DOCCANO_ADMIN_USER="admin",
        DOCCANO_ADMIN_PASSWORD=ADMIN_PASSWORD,
        DOCCANO_ANNOTATOR_PASSWORD=ANNOTATOR_PASSWORD,
        VINER_DOCCANO_RETRIES="2",
    )
    server.work = root / "work"
    server.work.mkdir()
    yield server
    if server.proc and server.proc.poll() is None:
        server.stop()


def run(doccano, *args, expect: int | None = 0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*viner_command(), *map(str, args)],
        env=doccano.cli_env,
        cwd=doccano.work,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    if expect is not None:
        assert result.returncode == expect, (
            f"viner {' '.join(map(str, args))} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


def admin(doccano) -> Session:
    return Session(doccano.url, "admin", ADMIN_PASSWORD, retries=2)


def as_user(doccano, name: str) -> Session:
    return Session(doccano.url, name, ANNOTATOR_PASSWORD, retries=2)


def sp(text: str, part: str, label: str) -> Span:
    start = text.index(part)
    return Span(start, start + len(part), label)


# --- the corpus: Vietnamese units from two articles -------------------------------------------

T1 = "Thủ tướng Phạm Minh Chính tiếp Đại sứ Nhật Bản tại Hà Nội."
T2 = "Việt Nam"  # short: the text Doccano's encoding guess turns into mojibake
T3 = "Liên Hợp Quốc tổ chức Hội nghị thượng đỉnh về khí hậu ở Geneva."
T4 = "Ông Nguyễn Văn Ánh và bà Lê Thị Hồng Nhung đến Thành phố Hồ Chí Minh hôm qua."
T5 = "Đội tuyển Việt Nam thắng Thái Lan ở SEA Games 32."
T6 = "Trời hôm nay mưa to, gió giật mạnh."
T7 = "Bộ Ngoại giao Hoa Kỳ ra thông báo."

# pre-annotations of T1 (as from a model), including a wrong one the annotators delete
SUGGESTED_T1 = (
    sp(T1, "Phạm Minh Chính", "PERSON"),
    sp(T1, "Đại sứ", "ORG"),
    sp(T1, "Nhật Bản", "GPE"),
    sp(T1, "Hà Nội", "GPE"),
)
FINAL = {
    "alice": {
        T1: {sp(T1, "Phạm Minh Chính", "PERSON"), sp(T1, "Nhật Bản", "GPE"), sp(T1, "Hà Nội", "GPE")},
        T2: {sp(T2, "Việt Nam", "GPE")},
        T3: {
            sp(T3, "Liên Hợp Quốc", "ORG"),
            sp(T3, "Hội nghị thượng đỉnh về khí hậu", "EVENT"),
            sp(T3, "Geneva", "GPE"),
        },
        T4: {
            sp(T4, "Nguyễn Văn Ánh", "PERSON"),
            sp(T4, "Lê Thị Hồng Nhung", "PERSON"),
            sp(T4, "Thành phố Hồ Chí Minh", "GPE"),
        },
        T5: {sp(T5, "Đội tuyển Việt Nam", "ORG"), sp(T5, "Thái Lan", "GPE"), sp(T5, "SEA Games 32", "EVENT")},
        T6: set(),
    },
    "bob": {
        T1: {sp(T1, "Phạm Minh Chính", "PERSON"), sp(T1, "Nhật Bản", "GPE"), sp(T1, "Hà Nội", "GPE")},
        T2: {sp(T2, "Việt Nam", "GPE")},
        T3: {sp(T3, "Liên Hợp Quốc", "ORG"), sp(T3, "Hội nghị thượng đỉnh", "EVENT"), sp(T3, "Geneva", "GPE")},
        T4: {sp(T4, "Nguyễn Văn Ánh", "PERSON"), sp(T4, "Lê Thị Hồng Nhung", "PERSON"), sp(T4, "Hồ Chí Minh", "GPE")},
        T5: {sp(T5, "Đội tuyển Việt Nam", "ORG"), sp(T5, "Thái Lan", "GPE"), sp(T5, "SEA Games 32", "EVENT")},
        T6: set(),
    },
}
ADJUDICATED = {
    T3: {sp(T3, "Liên Hợp Quốc", "ORG"), sp(T3, "Hội nghị thượng đỉnh về khí hậu", "EVENT"), sp(T3, "Geneva", "GPE")},
    T4: {
        sp(T4, "Nguyễn Văn Ánh", "PERSON"),
        sp(T4, "Lê Thị Hồng Nhung", "PERSON"),
        sp(T4, "Thành phố Hồ Chí Minh", "GPE"),
    },
}


def units(*texts: str) -> list[Example]:
    out = []
    for n, text in enumerate(texts):
        source = "bai-1.txt" if text in (T1, T2, T3) else "bai-2.txt"
        spans = SUGGESTED_T1 if text == T1 else ()
        out.append(Example(text, spans, meta={"source": source, "position": n}))
    return out


def by_text(session: Session, pid: int) -> dict[str, dict]:
    return {e["text"]: e for e in session.examples(pid)}


def recorded(lead: Session, pid: int) -> dict[str, set[str]]:
    """Per unit text: the annotators the push ledger names (units nobody is named on left out)."""
    examples = by_text(lead, pid)
    ledger = open_ledger(lead, pid)
    try:
        given = ledger.given(e["id"] for e in examples.values())
    finally:
        ledger.close()
    return {text: given[e["id"]] for text, e in examples.items() if e["id"] in given}


def spans_of(session: Session, pid: int, example_id: int, names: dict[int, str]) -> set[Span]:
    return {Span(s["start_offset"], s["end_offset"], names[s["label"]]) for s in session.spans(pid, example_id)}


def label_names(session: Session, pid: int) -> dict[int, str]:
    return {v: k for k, v in session.span_types(pid).items()}


def check_unit(session: Session, pid: int, example_id: int) -> None:
    """What an annotator's "checked" button does: toggle the unit's state for the logged-in user."""
    session.client.update_example_state(pid, example_id)


def annotate(session: Session, pid: int, text_to_spans: dict[str, set[Span]], confirm: bool = True) -> None:
    """What an annotator does in the browser: delete wrong suggestions, add spans, mark as checked."""
    types = session.span_types(pid)
    examples = by_text(session, pid)
    for text, wanted in text_to_spans.items():
        example = examples[text]
        for span in session.spans(pid, example["id"]):
            current = Span(span["start_offset"], span["end_offset"], {v: k for k, v in types.items()}[span["label"]])
            if current not in wanted:
                session.client.delete_span(pid, example["id"], span["id"])
        have = spans_of(session, pid, example["id"], {v: k for k, v in types.items()})
        for span in sorted(wanted - have):
            session.create_span(pid, example["id"], span.start, span.end, types[span.label])
        if confirm and not example["is_confirmed"]:
            check_unit(session, pid, example["id"])


def snapshots(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")) if folder.exists() else []


# --- tests ----------------------------------------------------------------------------------------


def test_serve_is_loopback_only(doccano):
    assert "Doccano is ready at http://127.0.0.1:" in doccano.output()
    assert ADMIN_PASSWORD not in doccano.output()
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    ours = [
        line.split()
        for line in listening
        if line.split()[1].endswith(f":{doccano.port:04X}") and line.split()[3] == "0A"
    ]
    assert ours and all(fields[1].startswith("0100007F:") for fields in ours)  # 127.0.0.1 only


def test_push_units_with_preannotations(doccano):
    path = doccano.work / "units.jsonl"
    doccano_jsonl.write(units(T1, T2, T3, T4, T5, T6), path)
    result = run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        "tin-tuc",
        "--annotators",
        "alice,bob",
        "--guidelines",
        ROOT / "annotations" / "GUIDELINES.md",
    )
    assert "6 unit(s) uploaded" in result.stdout
    lead = admin(doccano)
    project = lead.find_project("tin-tuc")
    pid = project["id"]
    detail = lead.get(f"projects/{pid}", "reading the project")
    assert detail["collaborative_annotation"] is False and detail["allow_overlapping"] is False
    guidelines = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8").strip()
    assert detail["guideline"].strip() == unwrap(guidelines)  # paragraphs on one line (test_doccano_round: why)
    assert len(detail["description"]) < 200 and "\n" not in detail["description"]  # one line in the Projects list
    types = lead.get(f"projects/{pid}/span-types", "labels")
    scheme = load_scheme(ROOT / "annotations" / "labels.json")
    assert {t["text"]: (t["background_color"].lower(), t["suffix_key"]) for t in types} == {
        label.name: (label.colour, label.key) for label in scheme.labels
    }
    assert lead.members(pid) == {"admin": "project_admin", "alice": "annotator", "bob": "annotator"}
    stored = by_text(lead, pid)
    originals = units(T1, T2, T3, T4, T5, T6)
    # byte for byte, diacritics included, each with its unit id
    assert sorted(t.encode("utf-8") for t in stored) == sorted(e.text.encode("utf-8") for e in originals)
    for example in originals:
        assert stored[example.text]["meta"]["unit_id"] == example.id
    # every annotator sees the file's spans as their own suggestions; the admin has none
    for name in ("alice", "bob"):
        session = as_user(doccano, name)
        names = label_names(session, pid)
        mine = by_text(session, pid)
        assert spans_of(session, pid, mine[T1]["id"], names) == set(SUGGESTED_T1)
        assert spans_of(session, pid, mine[T2]["id"], names) == set()
    assert lead.spans(pid, stored[T1]["id"]) == []


def test_encoding_pitfall_is_real_and_push_avoids_it(doccano):
    """doccano-client's plain upload lets the server guess the encoding: "Việt Nam" becomes mojibake."""
    lead = admin(doccano)
    scratch = lead.create_project("encoding-pitfall", "scratch", "scratch")
    path = doccano.work / "plain.jsonl"
    path.write_text(json.dumps({"text": T2, "label": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    lead.client.upload(scratch["id"], [str(path)], "SequenceLabeling", "JSONL")
    plain = [e["text"] for e in lead.examples(scratch["id"])]
    assert plain and plain[0] != T2  # stored wrongly, e.g. 'Viá»‡t Nam'
    lead.client.delete_project(scratch["id"])
    ours = by_text(lead, lead.find_project("tin-tuc")["id"])
    assert T2 in ours and ours[T2]["text"].encode("utf-8") == T2.encode("utf-8")


def test_repush_adds_nothing_and_new_units_only(doccano):
    lead = admin(doccano)
    pid = lead.find_project("tin-tuc")["id"]
    before = {
        name: sum(len(as_user(doccano, name).spans(pid, e["id"])) for e in lead.examples(pid))
        for name in ("alice", "bob")
    }
    result = run(
        doccano, "doccano", "push", doccano.work / "units.jsonl", "--project", "tin-tuc", "--annotators", "alice,bob"
    )
    assert "0 unit(s) uploaded, 6 already there" in result.stdout
    # nobody has annotated yet: the units hold the first push's suggestions, which is not "worked on"
    assert (
        "alice: 0 suggested span(s) on 0 unit(s); " in result.stdout
        and "0 unit(s) the annotator worked on left alone" in result.stdout
    )
    assert "already had these suggestions" in result.stdout
    assert len(lead.examples(pid)) == 6
    after = {
        name: sum(len(as_user(doccano, name).spans(pid, e["id"])) for e in lead.examples(pid))
        for name in ("alice", "bob")
    }
    assert after == before
    bigger = doccano.work / "units-more.jsonl"
    doccano_jsonl.write(units(T1, T2, T3, T4, T5, T6, T7), bigger)
    result = run(doccano, "doccano", "push", bigger, "--project", "tin-tuc")
    assert "1 unit(s) uploaded, 6 already there" in result.stdout
    assert "no guidelines file found" in result.stderr  # run where no label scheme names one: said, not silent
    assert len(lead.examples(pid)) == 7
    # --guidelines on an existing project replaces its guideline, and says so
    revised = doccano.work / "GUIDELINES-v2.md"
    revised.write_text("# Hướng dẫn v2\n\nGPE: quốc gia, tỉnh, thành phố.\n", encoding="utf-8")
    result = run(doccano, "doccano", "push", bigger, "--project", "tin-tuc", "--guidelines", revised)
    assert f"Updated the guidelines of 'tin-tuc' from {revised}" in result.stdout
    assert (
        lead.get(f"projects/{pid}", "reading the project")["guideline"].strip()
        == revised.read_text(encoding="utf-8").strip()
    )


def test_annotate_pull_agree_merge_review_convert(doccano):
    lead = admin(doccano)
    pid = lead.find_project("tin-tuc")["id"]
    for name in ("alice", "bob"):
        annotate(as_user(doccano, name), pid, FINAL[name])  # T7 stays untouched and unchecked
    exports = doccano.work / "annotations" / "exports"
    # a re-push now counts as worked on exactly the units with suggestions that the annotators checked (T1 only)
    result = run(
        doccano, "doccano", "push", doccano.work / "units.jsonl", "--project", "tin-tuc", "--annotators", "alice,bob"
    )
    assert (
        "alice: 0 suggested span(s) on 0 unit(s); 0 unit(s) already had these suggestions; 1 unit(s) the annotator worked on"
        in result.stdout
    )

    # pull: one file per annotator, every span at the same offsets with the same text
    result = run(doccano, "doccano", "pull", "--project", "tin-tuc", "-o", exports)
    assert "alice (annotator): 6/7 units done" in result.stdout and "bob (annotator): 6/7 units done" in result.stdout
    [snapshot] = snapshots(exports)
    assert sorted(p.name for p in snapshot.iterdir()) == ["alice.jsonl", "bob.jsonl", "manifest.json", "raw"]
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["total_units"] == 7 and manifest["annotators"]["alice"]["confirmed"] == 6
    originals = {e.text: e for e in units(T1, T2, T3, T4, T5, T6, T7)}
    for name in ("alice", "bob"):
        pulled = {e.text: e for e in doccano_jsonl.read(snapshot / f"{name}.jsonl")}
        assert set(pulled) == set(originals)
        for text, example in pulled.items():
            assert example.id == originals[text].id and example.meta["source"] == originals[text].meta["source"]
            assert example.meta["position"] == originals[text].meta["position"]
            assert example.meta["doccano_confirmed"] is (text != T7)
            assert set(example.spans) == FINAL[name].get(text, set())
            wanted_texts = sorted(s.text_in(text) for s in FINAL[name].get(text, set()))
            assert sorted(s.text_in(example.text) for s in example.spans) == wanted_texts

    # agree: strict span F1 by hand: 13 spans each, 11 agreed -> 22/26; EVENT 1 of 2, GPE 5 of 6
    report_path = doccano.work / "iaa.json"
    run(doccano, "agree", snapshot, "-o", report_path)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["units_compared"] == 6
    assert report["overall"]["f1"] == pytest.approx(22 / 26)
    assert report["per_label"]["PERSON"]["f1"] == pytest.approx(1.0)
    assert report["per_label"]["ORG"]["f1"] == pytest.approx(1.0)
    assert report["per_label"]["GPE"]["f1"] == pytest.approx(5 / 6)
    assert report["per_label"]["EVENT"]["f1"] == pytest.approx(0.5)
    assert sorted(d["text"] for d in report["disagreements"]) == sorted([T3, T4])
    expected = agreement(
        {
            n: {originals[t].id: Example(t, tuple(sorted(s)), originals[t].id) for t, s in FINAL[n].items()}
            for n in FINAL
        }
    )
    assert report["pairs"][0]["kappa"] == pytest.approx(expected.pairs[0].kappa)

    # merge: agreed units to gold, T3/T4 to review, T7 pending
    gold = doccano.work / "annotations" / "gold" / "tin-tuc.jsonl"
    result = run(doccano, "merge", snapshot, "-o", gold)
    review = doccano.work / "annotations" / "review" / "tin-tuc.jsonl"
    assert sorted(e.text for e in doccano_jsonl.read(gold)) == sorted([T1, T2, T5, T6])
    assert sorted(e.text for e in doccano_jsonl.read(review)) == sorted([T3, T4])
    assert "1 unit(s) pending" in result.stdout + result.stderr

    # review round: the lead (admin) adjudicates in a review project
    run(doccano, "doccano", "push", review, "--review", "--project", "tin-tuc-review", "--create")
    rid = lead.find_project("tin-tuc-review")["id"]
    names = label_names(lead, rid)
    shown = by_text(lead, rid)
    assert set(shown) == {T3, T4}
    assert (
        spans_of(lead, rid, shown[T3]["id"], names) == FINAL["alice"][T3] & FINAL["bob"][T3]
    )  # agreed spans pre-filled
    assert "Hội nghị thượng đỉnh về khí hậu (EVENT)" in shown[T3]["meta"]["version: alice"]
    assert "Hội nghị thượng đỉnh (EVENT)" in shown[T3]["meta"]["version: bob"]
    annotate(lead, rid, ADJUDICATED)
    review_exports = doccano.work / "annotations" / "exports-review"
    run(doccano, "doccano", "pull", "--project", "tin-tuc-review", "-o", review_exports)
    [adjudication] = snapshots(review_exports)
    run(doccano, "merge", snapshot, "-o", gold, "--adjudicated", adjudication, "--force")
    merged = {e.text: e for e in doccano_jsonl.read(gold)}
    assert set(merged) == {T1, T2, T3, T4, T5, T6}
    assert set(merged[T3].spans) == ADJUDICATED[T3] and merged[T3].meta["merge"] == "adjudicated"
    assert set(merged[T1].spans) == FINAL["alice"][T1] and merged[T1].meta["merge"] == "agreed"

    # the gold file trains: viner convert
    corpus = doccano.work / "corpus"
    run(doccano, "convert", gold, "-o", corpus, "--config", ROOT / "configs" / "ner.cfg", "--split", "1,0,0")
    assert (corpus / "train.spacy").stat().st_size > 0


def test_preannotate_with_a_model_is_ner_correct(doccano):
    import spacy

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "ORG", "pattern": "Bộ Y tế"},
            {"label": "GPE", "pattern": "Hà Nội"},
            {"label": "NORP", "pattern": "người"},
        ]
    )
    model = doccano.work / "ruler-model"
    nlp.to_disk(model)
    text = "Bộ Y tế và người dân Hà Nội chuẩn bị"
    path = doccano.work / "raw-units.jsonl"
    doccano_jsonl.write([Example(text, (), meta={"source": "bai-3.txt"})], path)
    result = run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        "correct",
        "--create",
        "--annotators",
        "alice",
        "--preannotate",
        model,
    )
    assert "NORP x1" in result.stdout + result.stderr  # not a project label: reported, not pushed
    alice = as_user(doccano, "alice")
    pid = alice.find_project("correct")["id"]
    example = by_text(alice, pid)[text]
    assert spans_of(alice, pid, example["id"], label_names(alice, pid)) == {
        sp(text, "Bộ Y tế", "ORG"),
        sp(text, "Hà Nội", "GPE"),
    }


def test_push_select_sends_the_next_batch_never_a_unit_twice(doccano):
    from helpers import NAMES, PLACES, person_place, tiny_ner
    from viner.confidence import score_texts

    nlp = tiny_ner()
    model = doccano.work / "tiny-ner"
    nlp.to_disk(model)
    odd = [
        "Sáng nay , Bình Huế Long và An Cường ký kết hợp đồng với công ty Phòng Trang .",
        "Hội nghị Đà Nẵng Long Hà diễn ra tại Trần Bình .",
        "Cường Huế Thơ Đức gặp nhau .",
    ]
    texts = [person_place(n, p)[0] for n, p in zip(NAMES, reversed(PLACES))][:5] + odd
    path = doccano.work / "pool.jsonl"
    doccano_jsonl.write([Example(t, (), meta={"source": "pool.txt", "position": i}) for i, t in enumerate(texts)], path)
    uncertainty = {doc.text: s.uncertainty for doc, s in score_texts(nlp, texts)}
    push = [
        "doccano",
        "push",
        path,
        "--project",
        "active",
        "--create",
        "--annotators",
        "alice,bob",
        "--preannotate",
        model,
    ]
    result = run(doccano, *push, "--select", "uncertain", "--limit", "3")
    # the units said once, consistently: what was selected of what, what the project had, what is left
    assert (
        "3 unit(s) uploaded (3 selected of the 8 not in the project yet; 0 of the file's 8 already there; "
        "5 left for later batches)" in result.stdout
    )
    assert (
        "Selected" not in result.stdout and "already there)" not in result.stdout.split("Uploading")[1].split("\n")[0]
    )
    lead = admin(doccano)
    pid = lead.find_project("active")["id"]
    first = set(by_text(lead, pid))
    assert first == set(sorted(texts, key=lambda t: -uncertainty[t])[:3]) == set(odd)
    for name in ("alice", "bob"):  # each annotator has the model's entities as suggestions on every unit of the batch
        session = as_user(doccano, name)
        names = label_names(session, pid)
        for text, example in by_text(session, pid).items():
            expected = {Span(e.start_char, e.end_char, e.label_) for e in nlp(text).ents}
            assert spans_of(session, pid, example["id"], names) == expected
    result = run(doccano, *push, "--select", "uncertain", "--limit", "3")
    second = set(by_text(lead, pid)) - first
    assert (
        len(second) == 3
        and "3 unit(s) uploaded (3 selected of the 5 not in the project yet; 3 of the file's 8" in result.stdout
    )
    result = run(doccano, *push, "--select", "random", "--limit", "10", "--seed", "3")
    assert "2 unit(s) uploaded" in result.stdout  # only what is left
    assert sorted(by_text(lead, pid)) == sorted(texts) and len(lead.examples(pid)) == len(texts)  # each unit once
    result = run(doccano, *push, "--select", "random", "--limit", "1", expect=1)
    assert "nothing left to select" in result.stdout + result.stderr


def test_status_figures_equal_what_was_done_through_the_api(doccano):
    from datetime import datetime

    from viner.agreement import agreement
    from viner.doccano.status import active_rate

    lead = admin(doccano)
    pid = lead.find_project("tin-tuc")["id"]
    result = run(doccano, "doccano", "status", "--project", "tin-tuc", "--json")
    status = json.loads(result.stdout)
    by_name = {a["name"]: a for a in status["annotators"]}
    assert status["total_units"] == len(lead.examples(pid)) and set(by_name) >= {"alice", "bob"}
    work = {}
    for name in ("alice", "bob"):
        session = as_user(doccano, name)
        names = label_names(session, pid)
        examples = session.examples(pid)
        checked = [e for e in examples if e["is_confirmed"]]
        spans = {e["id"]: spans_of(session, pid, e["id"], names) for e in examples}
        times = [
            datetime.fromisoformat(s["confirmed_at"].replace("Z", "+00:00"))
            for e in checked
            for s in session.paged(f"projects/{pid}/examples/{e['id']}/states", "states")
        ]
        rate, _ = active_rate(times)
        assert by_name[name]["checked"] == len(checked) > 0
        assert by_name[name]["spans"] == sum(len(v) for v in spans.values())
        assert by_name[name]["units_per_hour"] == pytest.approx(rate)
        work[name] = {
            e["meta"]["unit_id"]: Example(
                e["text"], tuple(sorted(spans[e["id"]])), id=e["meta"]["unit_id"], meta={"doccano_confirmed": True}
            )
            for e in checked
        }
    expected = agreement(work)
    assert status["agreement"]["units_compared"] == expected.units_compared > 0
    assert status["agreement"]["f1"] == pytest.approx(expected.overall.f1)
    table = run(doccano, "doccano", "status", "--project", "tin-tuc").stdout
    assert "units/hour" in table and "Agreement so far on" in table


def test_push_patterns_alone_is_a_cold_start(doccano):
    patterns = doccano.work / "patterns.jsonl"
    patterns.write_text(
        '{"label": "GPE", "pattern": "Hà Nội"}\n{"label": "ORG", "pattern": "Bộ Y tế"}\n', encoding="utf-8"
    )
    text = "Bộ Y tế họp ở Hà Nội hôm nay"
    path = doccano.work / "cold.jsonl"
    doccano_jsonl.write([Example(text, (), meta={"source": "bai-4.txt"})], path)
    run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        "cold",
        "--create",
        "--annotators",
        "alice,bob",
        "--patterns",
        patterns,
    )
    for name in ("alice", "bob"):
        session = as_user(doccano, name)
        pid = session.find_project("cold")["id"]
        example = by_text(session, pid)[text]
        assert spans_of(session, pid, example["id"], label_names(session, pid)) == {
            sp(text, "Bộ Y tế", "ORG"),
            sp(text, "Hà Nội", "GPE"),
        }


def test_push_into_the_local_home_gives_what_the_api_gives(doccano):
    """viner's own server: suggestions go straight into its database (viner.doccano.local_suggestions), with the API path's rules."""
    path = doccano.work / "bulk-units.jsonl"
    doccano_jsonl.write(units(T1, T2, T3, T4, T5, T6), path)
    result = run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        "bulk",
        "--create",
        "--annotators",
        "alice,bob",
        "--home",
        doccano.home,
    )
    assert f"Writing the suggestions straight in the database of {doccano.home}" in result.stdout
    assert (
        "alice: 4 suggested span(s) on 1 unit(s)" in result.stdout
        and "bob: 4 suggested span(s) on 1 unit(s)" in result.stdout
    )
    lead = admin(doccano)
    pid = lead.find_project("bulk")["id"]
    for name in ("alice", "bob"):
        session = as_user(doccano, name)
        mine = by_text(session, pid)
        assert spans_of(session, pid, mine[T1]["id"], label_names(session, pid)) == set(SUGGESTED_T1)
        assert spans_of(session, pid, mine[T2]["id"], label_names(session, pid)) == set()
    assert lead.spans(pid, by_text(lead, pid)[T1]["id"]) == []
    # alice corrects T1 without checking it, bob checks it as it is: a re-push leaves both alone, and says so
    alice, bob = as_user(doccano, "alice"), as_user(doccano, "bob")
    annotate(alice, pid, {T1: FINAL["alice"][T1]}, confirm=False)
    check_unit(bob, pid, by_text(bob, pid)[T1]["id"])
    result = run(
        doccano, "doccano", "push", path, "--project", "bulk", "--annotators", "alice,bob", "--home", doccano.home
    )
    for name in ("alice", "bob"):
        assert (
            f"{name}: 0 suggested span(s) on 0 unit(s); 0 unit(s) already had these suggestions; 1 unit(s) the annotator worked on left alone"
            in result.stdout
        )
    assert spans_of(alice, pid, by_text(alice, pid)[T1]["id"], label_names(alice, pid)) == FINAL["alice"][T1]
    assert spans_of(bob, pid, by_text(bob, pid)[T1]["id"], label_names(bob, pid)) == set(SUGGESTED_T1)
    # a home that is not serving this URL is an error before anything is written
    result = run(doccano, "doccano", "push", path, "--project", "bulk", "--home", doccano.work, expect=1)
    assert (
        f"--home {doccano.work}: no `viner doccano serve` is serving {doccano.url} from this folder now"
        in result.stdout + result.stderr
    )


@pytest.mark.parametrize("way", ["api", "local"])
def test_a_unit_an_annotator_emptied_of_suggestions_is_never_suggested_again(doccano, way):
    """Deleting every suggestion without checking the unit is the annotator's "no entities here": a re-push keeps it."""
    path = doccano.work / f"emptied-{way}.jsonl"
    doccano_jsonl.write(units(T1, T2), path)
    project = f"emptied-{way}"
    where = ["--home", doccano.home] if way == "local" else []
    run(doccano, "doccano", "push", path, "--project", project, "--create", "--annotators", "alice,bob", *where)
    lead = admin(doccano)
    pid = lead.find_project(project)["id"]
    assert recorded(lead, pid) == {T1: {"alice", "bob"}}  # in the lead's ledger; nothing suggested on T2
    assert not any("viner_suggested" in e["meta"] for e in by_text(lead, pid).values())  # not where annotators look
    alice = as_user(doccano, "alice")
    annotate(alice, pid, {T1: set()}, confirm=False)
    result = run(doccano, "doccano", "push", path, "--project", project, "--annotators", "alice,bob", *where)
    assert (
        "alice: 0 suggested span(s) on 0 unit(s); 0 unit(s) already had these suggestions; 1 unit(s) the annotator worked on left alone"
        in result.stdout
    )
    assert "bob: 0 suggested span(s) on 0 unit(s); 1 unit(s) already had these suggestions; 0 unit(s)" in result.stdout
    assert spans_of(alice, pid, by_text(alice, pid)[T1]["id"], label_names(alice, pid)) == set()
    bob = as_user(doccano, "bob")
    assert spans_of(bob, pid, by_text(bob, pid)[T1]["id"], label_names(bob, pid)) == set(SUGGESTED_T1)
    # pull leaves the record out of the units' metadata
    exports = doccano.work / f"emptied-{way}-exports"
    run(doccano, "doccano", "pull", "--project", project, "-o", exports)
    [snapshot] = snapshots(exports)
    for example in doccano_jsonl.read(snapshot / "alice.jsonl"):
        assert "viner_suggested" not in example.meta and example.meta["source"] == "bai-1.txt"


@pytest.mark.parametrize("way", ["api", "local"])
def test_records_an_older_push_left_in_the_metadata_move_into_the_ledger(doccano, way):
    """A project pushed before the ledger holds its records in the units' metadata, where annotators see them: the
    next push reads them (the rule behaves as before), moves them into the ledger and removes them from the
    metadata; a dry run reads them and moves nothing."""
    path = doccano.work / f"older-{way}.jsonl"
    doccano_jsonl.write(units(T1, T2), path)
    project = f"older-{way}"
    where = ["--home", doccano.home] if way == "local" else []
    run(doccano, "doccano", "push", path, "--project", project, "--create", "--annotators", "alice,bob", *where)
    lead = admin(doccano)
    pid = lead.find_project(project)["id"]
    example = by_text(lead, pid)[T1]  # as an older push left it: named in the metadata, not in the ledger
    lead.update_meta(pid, example["id"], {**example["meta"], "viner_suggested": "alice, bob"})
    ledger = open_ledger(lead, pid)
    ledger.unrecord([(example["id"], "alice"), (example["id"], "bob")])
    ledger.close()
    assert recorded(lead, pid) == {}
    alice = as_user(doccano, "alice")
    annotate(alice, pid, {T1: set()}, confirm=False)  # "no entities here": only the old record tells it apart
    dry = run(doccano, "doccano", "push", path, "--project", project, "--annotators", "alice,bob", "--dry-run", *where)
    assert "Moving whom earlier pushes" not in dry.stdout
    assert by_text(lead, pid)[T1]["meta"]["viner_suggested"] == "alice, bob" and recorded(lead, pid) == {}
    result = run(doccano, "doccano", "push", path, "--project", project, "--annotators", "alice,bob", *where)
    assert "Moving whom earlier pushes gave suggestions (viner_suggested) out of 1 unit(s)' metadata" in result.stdout
    assert (
        "alice: 0 suggested span(s) on 0 unit(s); 0 unit(s) already had these suggestions; 1 unit(s) the annotator worked on left alone"
        in result.stdout
    )
    assert "bob: 0 suggested span(s) on 0 unit(s); 1 unit(s) already had these suggestions; 0 unit(s)" in result.stdout
    assert recorded(lead, pid) == {T1: {"alice", "bob"}}
    assert not any("viner_suggested" in e["meta"] for e in by_text(lead, pid).values())
    assert spans_of(alice, pid, by_text(alice, pid)[T1]["id"], label_names(alice, pid)) == set()
    again = run(doccano, "doccano", "push", path, "--project", project, "--annotators", "alice,bob", *where)
    assert "Moving whom earlier pushes" not in again.stdout and "1 unit(s) the annotator worked on" in again.stdout


def test_push_killed_midway_then_run_again_leaves_every_suggestion_once(doccano):
    import sqlite3

    texts = [f"Ông Trần Văn Số{n} đến Hà Nội hôm thứ {n}." for n in range(1500)]
    rows = [
        Example(t, (sp(t, f"Trần Văn Số{n}", "PERSON"), sp(t, "Hà Nội", "GPE")), meta={"source": f"bai-{n // 15}.txt"})
        for n, t in enumerate(texts)
    ]
    path = doccano.work / "many.jsonl"
    doccano_jsonl.write(rows, path)
    args = [
        *viner_command(),
        "doccano",
        "push",
        str(path),
        "--project",
        "many",
        "--create",
        "--annotators",
        "alice,bob",
        "--home",
        str(doccano.home),
    ]
    push = subprocess.Popen(
        args, env=doccano.cli_env, cwd=doccano.work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen = []
    for line in push.stdout:
        seen.append(line)
        if "alice: 500/1500 unit(s)" in line:
            push.kill()  # SIGKILL: no clean-up in viner; the batch being written is rolled back with its writer
            break
    push.wait(60)
    assert any("alice: 500/1500" in line for line in seen), "".join(seen)
    database = sqlite3.connect(doccano.home / "db.sqlite3")
    query = (
        "SELECT u.username, COUNT(*) FROM labels_span s JOIN auth_user u ON u.id = s.user_id JOIN examples_example e "
        "ON e.id = s.example_id JOIN projects_project p ON p.id = e.project_id WHERE p.name = 'many' GROUP BY u.username"
    )
    time.sleep(2)  # the writer got SIGTERM when viner died
    partial = dict(database.execute(query).fetchall())
    assert partial.get("alice", 0) >= 1000 and sum(partial.values()) < 6000  # killed after a batch, before the end
    assert all(n % 1000 == 0 for n in partial.values())  # whole batches of 500 units (2 spans each), never part of one
    result = run(
        doccano, "doccano", "push", path, "--project", "many", "--annotators", "alice,bob", "--home", doccano.home
    )
    for name in ("alice", "bob"):
        done = partial.get(name, 0) // 2
        assert (
            f"{name}: {3000 - 2 * done} suggested span(s) on {1500 - done} unit(s); {done} unit(s) already had these suggestions"
            in result.stdout
        )
    assert dict(database.execute(query).fetchall()) == {"alice": 3000, "bob": 3000}
    twice = database.execute(
        "SELECT COUNT(*) FROM (SELECT s.example_id, s.user_id, s.start_offset FROM labels_span s JOIN examples_example e ON e.id = s.example_id "
        "JOIN projects_project p ON p.id = e.project_id WHERE p.name = 'many' GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert twice == 0
    bob = as_user(doccano, "bob")
    pid = bob.find_project("many")["id"]
    example = by_text(bob, pid)[texts[1234]]
    assert spans_of(bob, pid, example["id"], label_names(bob, pid)) == set(rows[1234].spans)


HEALTH = [
    "PATIENT_ID",
    "NAME",
    "AGE",
    "GENDER",
    "JOB",
    "LOCATION",
    "ORGANIZATION",
    "SYMPTOM_AND_DISEASE",
    "TRANSPORTATION",
    "DATE",
]


def health_sentence(n: int) -> list[tuple[str, str]]:
    """A CoNLL sentence of a health-news corpus where all ten labels occur."""
    tagged = [
        ("Bệnh nhân", "PATIENT_ID"),
        (str(100 + n), "PATIENT_ID"),
        ("là", None),
        ("ông", None),
        (["Trần Văn Hùng", "Lê Thị Mai", "Phạm Minh Đức"][n % 3], "NAME"),
        (",", None),
        (str(20 + n), "AGE"),
        ("tuổi", None),
        (",", None),
        ("nam" if n % 2 else "nữ", "GENDER"),
        (",", None),
        (["phi công", "giáo viên", "kỹ sư"][n % 3], "JOB"),
        (",", None),
        ("ở", None),
        (["Hà Nội", "Đà Nẵng", "Cần Thơ"][n % 3], "LOCATION"),
        (",", None),
        ("làm việc tại", None),
        (["Bệnh viện Bạch Mai", "Công ty Vinamilk"][n % 2], "ORGANIZATION"),
        (",", None),
        ("bị", None),
        (["sốt", "ho khan", "viêm phổi"][n % 3], "SYMPTOM_AND_DISEASE"),
        ("sau khi đi", None),
        (["chuyến bay VN0054", "xe buýt số 16"][n % 2], "TRANSPORTATION"),
        ("ngày", None),
        (f"{n % 28 + 1}/3", "DATE"),
        (".", None),
    ]
    lines = []
    for words, label in tagged:
        for i, word in enumerate(words.split()):
            lines.append((word, "O" if label is None else ("B-" if i == 0 else "I-") + label))
    return lines


def test_a_ten_label_workspace_goes_from_conll_to_doccano_with_the_labels_named_once(doccano, seed_vectors):
    """import-conll -> validate -> convert -> train -> evaluate -> push, no --labels anywhere: the scheme names them."""
    workspace = doccano.work / "health"
    (workspace / "annotations").mkdir(parents=True)
    (workspace / "annotations" / "labels.json").write_text(
        json.dumps({"labels": [{"name": name} for name in HEALTH]}), encoding="utf-8"
    )
    conll = workspace / "health.conll"
    conll.write_text(
        "\n\n".join("\n".join(f"{w}\t{t}" for w, t in health_sentence(n)) for n in range(60)) + "\n", encoding="utf-8"
    )

    def viner(*args: object) -> str:
        result = subprocess.run(
            [*viner_command(), *map(str, args)],
            env=doccano.cli_env,
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, f"viner {' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr

    viner("import-conll", conll, "-o", "gold.jsonl")
    viner("validate", "gold.jsonl")
    assert "SYMPTOM_AND_DISEASE" in viner("convert", "gold.jsonl", "-o", "corpus", "-c", ROOT / "configs" / "ner.cfg")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            ROOT / "configs" / "ner.cfg",
            "--output",
            "training",
            "--paths.train",
            "corpus/train.spacy",
            "--paths.dev",
            "corpus/dev.spacy",
            "--paths.vectors",
            seed_vectors,
            "--training.max_steps",
            "60",
            "--training.eval_frequency",
            "30",
        ],
        cwd=workspace,
        check=True,
        capture_output=True,
    )
    report = viner("evaluate", "training/model-last", "corpus/dev.spacy", "-o", "report.json")
    assert all(name in report for name in HEALTH), report  # every label of the scheme has its row
    viner(
        "doccano",
        "push",
        "gold.jsonl",
        "--project",
        "health",
        "--create",
        "--annotators",
        "alice",
        "--preannotate",
        "training/model-last",
    )
    lead = admin(doccano)
    pid = lead.find_project("health")["id"]
    types = lead.get(f"projects/{pid}/span-types", "labels")
    scheme = load_scheme(workspace / "annotations" / "labels.json")
    assert [t["text"] for t in sorted(types, key=lambda t: t["id"])] == HEALTH
    assert {t["text"]: t["background_color"].lower() for t in types} == {
        label.name: label.colour for label in scheme.labels
    }
    assert len(lead.examples(pid)) == 60


CLOSE_ICON = "M19,6.41L17.59,5"  # the toolbar's ✗ (mdi-close): the unit is not checked
CHECK_ICON = "M21,7L9,19"  # its ✓ (mdi-check): checked


@pytest.mark.browser
def test_an_annotator_in_the_browser_sees_readable_metadata_guidelines_and_the_check_button(doccano, browser):
    """Chromium, as an annotator: the Metadata panel lists readable fields (nothing cut at 1,920 px), the
    toolbar's guideline button opens the guidelines, and the ✗ button checks the unit (✓) as the docs say."""
    path = doccano.work / "browse-units.jsonl"
    doccano_jsonl.write(
        [
            Example(
                T4,
                (),
                meta={
                    "source": "bai-viet-so-2.txt",
                    "position": 0,
                    "source_url": "https://example.vn/tin-tuc/bai-viet-so-2.html",
                },
            )
        ],
        path,
    )
    run(
        doccano,
        "doccano",
        "push",
        path,
        "--project",
        "browse",
        "--create",
        "--annotators",
        "alice",
        "--guidelines",
        ROOT / "annotations" / "GUIDELINES.md",
    )
    pid = admin(doccano).find_project("browse")["id"]
    page = browser.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    try:
        page.goto(f"{doccano.url}/auth")
        page.locator("input").nth(0).fill("alice")
        page.locator("input").nth(1).fill(ANNOTATOR_PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/projects/?$"))
        page.goto(f"{doccano.url}/projects/{pid}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(
            1500
        )  # docs/doccano.md: clicking before the project page has loaded opens ".../undefined"
        page.get_by_text("Start Annotation").click()
        page.wait_for_url(re.compile(r".*/sequence-labeling.*"))
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('table td')).some(td => td.innerText === 'position')"
        )
        rows = page.evaluate(
            "() => Array.from(document.querySelectorAll('table tr')).map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText))"
        )
        fields = {cells[0]: cells[1] for cells in rows if len(cells) == 2}
        fields = {k.replace("\u200b", "").replace("\u2060", ""): v.replace("\u200b", "") for k, v in fields.items()}
        assert "viner_meta" not in fields and fields["source"] == "bai-viet-so-2.txt" and fields["position"] == "0"
        assert fields["source_address"] == "https://example.vn/tin-tuc/bai-viet-so-2.html"  # too long for a link
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth"
        )  # no value cut off at the edge
        unchecked = page.locator(f'button:has(path[d^="{CLOSE_ICON}"])')
        assert unchecked.count() == 1  # ✗ while not checked
        unchecked.click()
        page.locator(f'button:has(path[d^="{CHECK_ICON}"])').wait_for()  # ✓ once checked
        page.wait_for_timeout(500)
        alice = as_user(doccano, "alice")
        assert by_text(alice, pid)[T4]["is_confirmed"] is True
        buttons = page.locator("button.v-btn--icon")
        for i in range(buttons.count()):
            page.mouse.move(960, 1000)  # away from the toolbar: the last tooltip fades before the next one shows
            page.wait_for_timeout(400)
            buttons.nth(i).hover()
            page.wait_for_timeout(600)
            tooltip = page.locator(".v-tooltip__content:visible")
            if tooltip.count() and "Guideline" in tooltip.first.inner_text():
                buttons.nth(i).click()
                break
        else:
            pytest.fail("no toolbar button shows the tooltip 'Show Guideline'")
        page.get_by_text("Annotation guidelines: PERSON, ORG, GPE, EVENT").first.wait_for()
    finally:
        page.close()


def test_pull_while_down_then_restart_keeps_everything(doccano):
    exports = doccano.work / "annotations" / "exports"
    before = snapshots(exports)
    assert doccano.stop(signal.SIGTERM) == 0
    assert "Doccano stopped" in doccano.output()
    deadline = time.monotonic() + 20
    while server_processes(doccano.port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert server_processes(doccano.port) == [] and port_is_free(doccano.port)
    worker_log = (doccano.home / "logs" / "worker.log").read_text(encoding="utf-8", errors="replace")
    assert "exited with signal" not in worker_log  # a normal stop is celery's warm shutdown, not a killed pool

    result = run(doccano, "doccano", "pull", "--project", "tin-tuc", "-o", exports, expect=None)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach Doccano" in lines[0] and "viner doccano serve" in lines[0]
    assert snapshots(exports) == before and not any(p.name.startswith(".pull-") for p in exports.iterdir())

    doccano.start()  # same home: nothing lost, no password reset
    assert "Created the admin" not in doccano.output()
    lead = admin(doccano)
    pid = lead.find_project("tin-tuc")["id"]
    assert len(lead.examples(pid)) == 7
    alice = as_user(doccano, "alice")
    mine = by_text(alice, pid)
    assert spans_of(alice, pid, mine[T3]["id"], label_names(alice, pid)) == FINAL["alice"][T3]
    assert mine[T3]["is_confirmed"] is True
    run(doccano, "doccano", "pull", "--project", "tin-tuc", "-o", exports, "--approved-only")
    assert len(snapshots(exports)) == len(before) + 1  # a new snapshot; the earlier one untouched
    newest = [p for p in snapshots(exports) if p not in before][0]
    assert len(list(doccano_jsonl.read(newest / "alice.jsonl"))) == 6  # only the checked units


def test_wrong_password_and_failed_task_are_one_clear_line(doccano):
    env = dict(doccano.cli_env, DOCCANO_ADMIN_PASSWORD="not-the-password")
    result = subprocess.run(
        [*viner_command(), "doccano", "pull", "--project", "tin-tuc", "-o", doccano.work / "x"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 1 and len(lines) == 1 and "wrong user name or password" in lines[0]
    assert not (doccano.work / "x").exists()
    # an import that fails inside Doccano's worker (rows with different keys make its pandas
    # reader write NaN into the JSON column): reported as a failed task, not as success
    lead = admin(doccano)
    scratch = lead.create_project("failing-import", "scratch", "scratch")
    bad = doccano.work / "mixed-keys.jsonl"
    bad.write_text(
        json.dumps({"text": "một", "label": [], "a": 1}) + "\n" + json.dumps({"text": "hai", "label": []}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="import task failed"):
        lead.import_jsonl(scratch["id"], bad)
    lead.client.delete_project(scratch["id"])


def test_generated_admin_password_is_shown_once_and_stored_nowhere(tmp_path: Path):
    home = tmp_path / "fresh"
    server = ServerProcess(home, free_port(), base_env())
    try:
        output = server.start()
        match = re.search(r"Created the admin 'admin' with the password: (\S+)", output)
        assert match, output
        password = match.group(1)
        Session(server.url, "admin", password, retries=1)  # it works
        with pytest.raises(Exception, match="wrong user name or password"):
            Session(server.url, "admin", password + "x", retries=1)
    finally:
        assert server.stop(signal.SIGINT) == 0  # Ctrl-C stops both processes
    assert not server_processes(server.port)
    for path in home.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), f"password found in {path}"
