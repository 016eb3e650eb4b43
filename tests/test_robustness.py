"""Robustness beyond the catalogue (issue 7): unreadable files, killed runs, stale temporary
files, and which outputs may be replaced without --force."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from viner import io as vio
from viner.errors import VinerError
from viner.formats import doccano_jsonl

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "ner.cfg"
GOOD = {"text": "Ông Putin đến Hà Nội.", "label": [[4, 9, "PERSON"], [14, 20, "GPE"]]}


def viner() -> list[str]:
    script = Path(sys.executable).with_name("viner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "viner"]


def no_traceback(out: str) -> None:
    assert "Traceback" not in out and not any(line.startswith('  File "') for line in out.splitlines()), out


# --- unreadable files (tests run as root, so chmod 000 would not stop the read) -----------------


@pytest.fixture
def deny(monkeypatch):
    """Make reading the named files fail with PermissionError, as for a file without read permission."""
    denied: set[str] = set()
    real_open, real_read_bytes = Path.open, Path.read_bytes

    def check(path: Path) -> None:
        if path.name in denied:
            raise PermissionError(13, "Permission denied", str(path))

    def fake_open(self, mode="r", *args, **kwargs):
        if "r" in mode:
            check(self)
        return real_open(self, mode, *args, **kwargs)

    def fake_read_bytes(self):
        check(self)
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "open", fake_open)
    monkeypatch.setattr(Path, "read_bytes", fake_read_bytes)
    return denied.add


@pytest.mark.parametrize(
    "argv,name",
    [
        (["validate", "locked.jsonl"], "locked.jsonl"),
        (["convert", "locked.jsonl", "-o", "c", "-c", str(CONFIG)], "locked.jsonl"),
        (["agree", "locked.jsonl", "good.jsonl"], "locked.jsonl"),
        (["corpus", "build", "locked.txt", "-o", "u.jsonl"], "locked.txt"),  # read whole (read_bytes)
        (["corpus", "build", "locked.jsonl", "-o", "u.jsonl"], "locked.jsonl"),  # streamed (open)
        (["corpus", "build", "raw", "-o", "u.jsonl"], "locked.txt"),  # found in a folder
    ],
    ids=["validate", "convert", "agree", "corpus-txt", "corpus-jsonl", "corpus-folder"],
)
def test_unreadable_file_is_one_line_naming_it(argv, name, tmp_path, monkeypatch, run_cli, deny):
    monkeypatch.chdir(tmp_path)
    for file in ("locked.jsonl", "good.jsonl"):
        (tmp_path / file).write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "locked.txt").write_text("Ông Putin đến Hà Nội.\n", encoding="utf-8")
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "locked.txt").write_text("Ông Putin đến Hà Nội.\n", encoding="utf-8")
    deny(name)
    code, out = run_cli(*argv)
    assert code == 1, out
    no_traceback(out)
    first = [line for line in out.splitlines() if line.startswith("\u2718")][0]
    assert f"{name}: cannot read file: permission denied" in first, out
    assert not (tmp_path / "u.jsonl").exists() and not (tmp_path / "c").exists()


def test_jsonl_reader_reports_permission_denied(tmp_path, deny):
    path = tmp_path / "locked.jsonl"
    path.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    deny(path.name)
    with pytest.raises(VinerError, match=r"locked\.jsonl: cannot read file: permission denied"):
        list(doccano_jsonl.read(path))


# --- a killed run -------------------------------------------------------------------------------

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Võ Thị Hà"]
PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng"]


def units(n: int, articles: int) -> str:
    lines = []
    for i in range(n):
        name, place = NAMES[i % len(NAMES)], PLACES[(i // 5) % len(PLACES)]
        text = f"Ông {name} đến {place} ngày {i} để dự hội nghị số {i // 7}."
        start = text.index(name)
        where = text.index(place)
        label = [[start, start + len(name), "PERSON"], [where, where + len(place), "GPE"]]
        lines.append(
            json.dumps(
                {"text": text, "label": label, "meta": {"source": f"bai-{i % articles}.txt"}}, ensure_ascii=False
            )
        )
    return "\n".join(lines) + "\n"


def visible(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def big_units(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    path.write_text(units(20000, 400), encoding="utf-8")
    return path


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_convert_leaves_previous_outputs_intact(sig, big_units, tmp_path):
    """A run killed in the middle of a sharded conversion: earlier outputs byte-identical, nothing partial visible.

    SIGTERM (kill, timeout, a scheduler) is turned into a clean stop that removes the temporary
    files; SIGKILL cannot be caught, so its hidden temporary folder stays until the next run
    that writes the same outputs removes it.
    """
    from spacy.training.corpus import walk_corpus

    small, out = tmp_path / "small.jsonl", tmp_path / "corpus"
    small.write_text(units(60, 12), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    first = subprocess.run(
        [*viner(), "convert", str(small), "-o", str(out), "-c", str(CONFIG)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"train.spacy", "dev.spacy", "test.spacy", "convert-report.json"}

    run = subprocess.Popen(
        [*viner(), "convert", str(big_units), "-o", str(out), "-c", str(CONFIG)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.poll() is None:
            if list(out.glob(".train.spacy.*.tmp/00000.spacy")):  # the first shard of 16,000 train docs is on disk
                break
            time.sleep(0.01)
        assert run.poll() is None, "the conversion finished before it could be killed; make the input larger"
        os.kill(run.pid, sig)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()

    # the previous outputs are intact, byte for byte, and nothing new is visible
    assert visible(out) == set(before)
    assert {name: (out / name).read_bytes() for name in before} == before
    leftovers = [p for p in out.iterdir() if p.name.startswith(".")]
    if sig == signal.SIGTERM:
        assert run.returncode == 143, stderr
        no_traceback(stderr)
        assert "terminated; outputs are written atomically, so earlier files are intact" in stderr
        assert leftovers == []
        return
    assert run.returncode == -signal.SIGKILL
    assert leftovers, "a SIGKILL mid-write leaves the hidden temporary folder (nothing can remove it at that moment)"
    assert all(p.name.endswith(".tmp") for p in leftovers), leftovers
    # ... which neither viner's nor spaCy's folder readers see
    assert sorted(p.name for p in vio.find_files([out], (".spacy",))) == ["dev.spacy", "test.spacy", "train.spacy"]
    assert sorted(p.name for p in walk_corpus(out, ".spacy")) == ["dev.spacy", "test.spacy", "train.spacy"]

    # the next run that writes those outputs removes what the killed run left
    again = subprocess.run(
        [*viner(), "convert", str(small), "-o", str(out), "-c", str(CONFIG)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "convert-report.json"} == {
        k: v for k, v in before.items() if k != "convert-report.json"
    }


def test_stale_temporaries_of_dead_runs_only_are_removed(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    target = tmp_path / "docs.jsonl"
    stale_file = tmp_path / f".docs.jsonl.{dead_pid}.abcd1234.tmp"
    stale_dir = tmp_path / f".docs.jsonl.{dead_pid}.efgh5678.old"
    legacy = tmp_path / ".docs.jsonl.ijkl9012.tmp"  # written by a viner without process ids
    live = tmp_path / f".docs.jsonl.{os.getppid()}.mnop3456.tmp"  # a concurrent run that is still writing
    other = tmp_path / f".docs.jsonl.old.{dead_pid}.qrst7890.tmp"  # the temporary of another output
    mine = tmp_path / ".docs.jsonl.notes"  # not a temporary name
    for path in (stale_file, legacy, live, other, mine):
        path.write_text("partial")
    stale_dir.mkdir()
    (stale_dir / "00000.spacy").write_text("partial")
    old = time.time() - 3600
    for path in (stale_file, stale_dir, legacy, live, other, mine):
        os.utime(path, (old, old))
    fresh = tmp_path / f".docs.jsonl.{dead_pid}.uvwx1234.tmp"  # newer than this run: left alone
    fresh.write_text("partial")
    os.utime(fresh, (time.time() + 60, time.time() + 60))

    vio.write_lines(["{}"], target)
    remaining = {p.name for p in tmp_path.iterdir()}
    assert remaining == {"docs.jsonl", live.name, other.name, mine.name, fresh.name}


def test_a_process_id_read_from_a_file_is_alive_only_while_that_process_runs():
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    assert vio.pid_alive(os.getpid()) and vio.pid_alive(os.getppid())
    # os.kill(0, 0) and os.kill(-1, 0) succeed (they ask about a group), 2**80 overflows pid_t
    for not_running in (int(dead.stdout), 0, -1, 2**80, None, str(os.getpid()), True, 1.5):
        assert not vio.pid_alive(not_running), not_running


def test_an_error_inside_the_atomic_block_leaves_no_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError), vio.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_find_files_skips_hidden_folders(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / ".a.jsonl.123.abcdefgh.tmp").mkdir()
    (tmp_path / ".a.jsonl.123.abcdefgh.tmp" / "part.jsonl").write_text("{}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.jsonl").write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text("{}\n")
    assert [p.relative_to(tmp_path).as_posix() for p in vio.find_files([tmp_path], (".jsonl",))] == [
        "a.jsonl",
        "sub/b.jsonl",
    ]


# --- which outputs may be replaced without --force ---------------------------------------------


def test_corpus_build_replaces_units_but_not_annotations(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("Ông Putin đến Hà Nội.\n", encoding="utf-8")
    assert run_cli("corpus", "build", "a.txt", "-o", "docs.jsonl")[0] == 0
    Path("a.txt").write_text("Ông Putin đến Hà Nội.\nBà Merkel ở Berlin.\n", encoding="utf-8")
    code, out = run_cli("corpus", "build", "a.txt", "-o", "docs.jsonl")  # units without spans: derived data, replaced
    assert code == 0, out
    assert len(Path("docs.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    Path("gold.jsonl").write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    before = Path("gold.jsonl").read_bytes()
    code, out = run_cli("corpus", "build", "a.txt", "-o", "gold.jsonl")
    assert code == 1 and "gold.jsonl: already exists and holds annotations (2 span(s) in 1 unit(s))" in out
    assert Path("gold.jsonl").read_bytes() == before
    code, out = run_cli("corpus", "build", "a.txt", "-o", "gold.jsonl", "--force")
    assert code == 0, out
    assert all(not json.loads(line)["label"] for line in Path("gold.jsonl").read_text(encoding="utf-8").splitlines())


def test_predict_needs_force_to_replace_spans(tmp_path, monkeypatch, run_cli):
    import spacy

    nlp = spacy.blank("vi")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "GPE", "pattern": "Hà Nội"}])
    nlp.to_disk(tmp_path / "model")
    monkeypatch.chdir(tmp_path)
    Path("units.jsonl").write_text(
        json.dumps({"text": "Ông Putin đến Hà Nội."}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    assert run_cli("predict", "model", "units.jsonl", "-o", "pred.jsonl")[0] == 0
    code, out = run_cli("predict", "model", "units.jsonl", "-o", "pred.jsonl")
    assert code == 1 and "pred.jsonl: already exists and holds annotations (1 span(s) in 1 unit(s))" in out
    code, out = run_cli("predict", "model", "units.jsonl", "-o", "pred.jsonl", "--force")
    assert code == 0, out


def test_merge_with_only_conflicts_writes_no_empty_gold(tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    Path("snap").mkdir()
    text = GOOD["text"]
    Path("snap/alice.jsonl").write_text(
        json.dumps({"text": text, "label": [[4, 9, "PERSON"]]}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    Path("snap/bob.jsonl").write_text(
        json.dumps({"text": text, "label": [[14, 20, "GPE"]]}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    code, out = run_cli("merge", "snap", "-o", "gold/batch.jsonl")
    assert code == 1, out  # no gold: the next step (convert) has nothing new, so a script must stop here
    assert "1 conflict(s) -> review file review/batch.jsonl" in out
    assert "no gold written: no unit is agreed or adjudicated yet (gold/batch.jsonl was not created)" in out
    assert not Path("gold/batch.jsonl").exists()
    assert len(Path("review/batch.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    # a second merge must not replace the review file silently
    code, out = run_cli("merge", "snap", "-o", "gold/batch.jsonl")
    assert code == 1 and "review/batch.jsonl: already exists and holds a review file" in out
    # the annotators now agree: no conflict left, and the earlier review file is not left behind to be pushed again
    Path("snap/bob.jsonl").write_text(Path("snap/alice.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run_cli("merge", "snap", "-o", "gold/batch.jsonl")
    assert code == 0 and "review/batch.jsonl is from an earlier merge: do not push it again (--force removes it)" in out
    code, out = run_cli("merge", "snap", "-o", "gold/batch.jsonl", "--force")
    assert code == 0 and "removed the review file of an earlier merge, review/batch.jsonl" in out
    assert not Path("review/batch.jsonl").exists() and Path("gold/batch.jsonl").exists()


def test_push_reads_the_file_before_contacting_the_server(tmp_path, monkeypatch, run_cli):
    from viner.doccano import connection

    def no_server(*args, **kwargs):
        raise AssertionError("push contacted the server before checking its input")

    monkeypatch.setattr(connection, "Session", no_server)
    monkeypatch.chdir(tmp_path)
    Path("empty.jsonl").write_text("")
    code, out = run_cli("doccano", "push", "empty.jsonl", "--project", "p")
    assert code == 1 and "empty.jsonl: empty file: no units to push" in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (["predict", "model", "units.jsonl", "-o", "p.jsonl", "-n", "0"], "--n-process 0: give a number from 1 to"),
        (
            ["predict", "model", "units.jsonl", "-o", "p.jsonl", "-n", "100000"],
            "--n-process 100000: give a number from 1 to",
        ),
        (["predict", "model", "units.jsonl", "-o", "p.jsonl", "-b", "0"], "--batch-size 0: give at least 1"),
        (["predict", "model", "units.jsonl", "-o", "units.jsonl/p.jsonl"], "is a file, so the folder cannot be made"),
        (["corpus", "build", "units.jsonl", "-o", "units.jsonl/docs.jsonl"], "is a file, so the folder cannot be made"),
        (["merge", "units.jsonl", "-o", "units.jsonl/gold.jsonl"], "is a file, so the folder cannot be made"),
    ],
    ids=[
        "n-process-0",
        "n-process-large",
        "batch-size-0",
        "predict-under-file",
        "corpus-under-file",
        "merge-under-file",
    ],
)
def test_more_bad_options(argv, message, tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    Path("units.jsonl").write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    Path("model").mkdir()
    code, out = run_cli(*argv)
    assert code == 1 and message in out, out
    no_traceback(out)


def test_line_reader_names_a_bad_byte_far_into_the_file_and_keeps_line_endings_as_before(tmp_path):
    """iter_lines decodes UTF-8 as a stream (fast path) yet still names the line of a bad byte,
    and treats BOMs, CRLF and lone CR as the line-by-line decoder does."""
    good = [f'{{"text": "Dòng {i} ở Hà Nội."}}' for i in range(3000)]  # ~100 KB: the bad byte is many read-chunks in
    data = (
        ("\ufeff" + "\n".join(good[:2500])).encode("utf-8")
        + b"\n"
        + b'{"text": "bad \xff"}\n'
        + "\n".join(good[2500:]).encode("utf-8")
    )
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data)
    seen = []
    with pytest.raises(VinerError, match=r"bad.jsonl:2501: not valid utf-8"):
        for number, line in vio.iter_lines(path):
            seen.append((number, line))
    assert seen == [(i + 1, text) for i, text in enumerate(good[:2500])]
    endings = tmp_path / "endings.txt"
    endings.write_bytes("\ufeffa\r\nb\rc\n\ufeffd\r\r\n\ne".encode("utf-8"))
    expected = [(1, "a"), (2, "b\nc"), (3, "d"), (4, ""), (5, "e")]
    assert list(vio.iter_lines(endings)) == expected
    assert list(vio.iter_lines(endings, encoding="utf-8-sig")) == expected  # the line-by-line decoder
