"""Silver training docs from raw text (viner.silver), with real models trained in the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Corpus, Example

from helpers import NAMES, PLACES, person_place, tiny_ner
from viner.confidence import score_texts
from viner.errors import VinerError
from viner.pipeline import load_pipeline
from viner.silver import SilverOptions, make_silver

LINES = [
    person_place("Trần Thị Bình", "Huế")[0],
    "Sáng nay , Bình Huế Long và An Cường ký kết hợp đồng với công ty Phòng Trang .",
    "",
    "không có tên nào ở đây cả",
    person_place("Lê Văn Cường", "Cần Thơ")[0],
    "Bà Vũ Đức Long gặp Hoàng Thu Hà ở Nha Trang .",
    "Đoàn đại biểu của Phạm Minh Đức làm việc tại Hải Phòng và Đà Nẵng .",
    person_place("Trần Thị Bình", "Huế")[0],  # a duplicate: left out
]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> list[Path]:
    """Two real NER models (different training lengths: an ensemble that sometimes disagrees)."""
    folder = tmp_path_factory.mktemp("silver-models")
    paths = []
    for name, iterations in (("a", 30), ("b", 12)):
        tiny_ner(iterations).to_disk(folder / name)
        paths.append(folder / name)
    return paths


@pytest.fixture
def raw(tmp_path) -> Path:
    path = tmp_path / "raw.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def silver_docs(folder: Path) -> list:
    vocab = spacy.blank("vi").vocab
    return [doc for shard in sorted(folder.glob("shard-*.spacy")) for doc in DocBin().from_disk(shard).get_docs(vocab)]


def beams(models: list[Path], texts: list[str]):
    """Each model's beam scores of each text (the oracle: viner.confidence, as `viner predict --scores`)."""
    per_model = [[s for _, s in score_texts(load_pipeline(m), texts)] for m in models]
    return list(zip(*per_model))


def check_silver(doc, scores, threshold: float, doubt: float) -> tuple[int, int]:
    """Check one silver doc against the beams' scores; returns (entities kept, tokens missing)."""
    best = [{(s, e, label) for s, e, label, _ in model.entities} for model in scores]
    mean = {span: sum(m.confidence(*span) for m in scores) / len(scores) for span in set().union(*best)}
    sure = {span for span in best[0].intersection(*best[1:]) if mean[span] >= threshold}
    ents = {(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents}
    assert ents == sure  # every entity kept is sure; every sure one is kept
    doubtful = {span for m in scores for span, p in m.spans.items() if p >= doubt} | set().union(*best)
    doubtful -= sure
    covered = {i for s, e, _ in doubtful for i in range(len(doc)) if doc[i].idx < e and doc[i].idx + len(doc[i]) > s}
    for token in doc:
        if token.ent_iob_ == "":
            assert token.i in covered  # missing only where some beam had a doubtful span
        elif token.ent_iob_ == "O":
            assert token.i not in covered  # never "O" where a doubtful span was
    return len(ents), sum(token.ent_iob_ == "" for token in doc)


def test_sure_entities_are_kept_and_doubtful_tokens_are_missing(models, raw, tmp_path):
    out = tmp_path / "silver"
    summary = make_silver(models[:1], [raw], out, SilverOptions(threshold=0.9, doubt=0.05, shard_size=3))
    docs = silver_docs(out)
    texts = [line for line in dict.fromkeys(LINES) if line]
    assert [doc.text for doc in docs] == texts and summary.raw.duplicates == 1 and summary.units_read == len(texts)
    kept = missing = 0
    for doc, scores in zip(docs, beams(models[:1], texts)):
        k, m = check_silver(doc, scores, 0.9, 0.05)
        kept, missing = kept + k, missing + m
    assert kept > 0 and missing > 0  # both cases happen on these lines
    assert summary.counts.tokens_missing == missing and sum(summary.counts.entities_kept.values()) == kept
    assert json.loads((out / "summary.json").read_text())["tokens_missing"] == missing
    assert summary.shards == 2 and sorted(p.name for p in out.glob("*.spacy")) == [
        "shard-00000.spacy",
        "shard-00001.spacy",
    ]


def test_spacy_reads_missing_tokens_as_missing_and_the_folder_beside_gold(models, raw, tmp_path):
    out = tmp_path / "silver"
    make_silver(models[:1], [raw], out, SilverOptions(shard_size=4))
    nlp = load_pipeline(models[0])
    docs = silver_docs(out)
    for doc in docs:
        tags = Example(nlp.make_doc(doc.text), doc).get_aligned_ner()
        assert [tag is None for tag in tags] == [token.ent_iob_ == "" for token in doc]
    train = tmp_path / "train"
    train.mkdir()
    gold = DocBin(docs=[nlp.make_doc("Ông Nguyễn Văn An đã đến Huế .")])
    gold.to_disk(train / "train.spacy")
    (train / "silver").symlink_to(out, target_is_directory=True)
    assert len(list(Corpus(train)(nlp))) == 1 + len(docs)  # spaCy's reader takes both, through the link


def test_an_ensemble_keeps_only_what_every_model_parses_and_is_sure_of(models, raw, tmp_path):
    out = tmp_path / "silver"
    make_silver(models, [raw], out, SilverOptions(threshold=0.8, doubt=0.02))
    texts = [line for line in dict.fromkeys(LINES) if line]
    scored = beams(models, texts)
    disagree = 0
    for doc, scores in zip(silver_docs(out), scored):
        check_silver(doc, scores, 0.8, 0.02)
        disagree += len(
            {(s, e, lab) for s, e, lab, _ in scores[0].entities} ^ {(s, e, lab) for s, e, lab, _ in scores[1].entities}
        )
    assert disagree > 0  # the two models do disagree somewhere, so the rule was exercised


def test_uncertain_units_are_left_out_and_counted(models, raw, tmp_path):
    texts = [line for line in dict.fromkeys(LINES) if line]
    uncertainties = [scores[0].uncertainty for scores in beams(models[:1], texts)]
    bound = sorted(uncertainties)[len(uncertainties) // 2]
    summary = make_silver(models[:1], [raw], tmp_path / "silver", SilverOptions(max_uncertainty=bound))
    kept = [doc.text for doc in silver_docs(tmp_path / "silver")]
    assert kept == [t for t, u in zip(texts, uncertainties) if u <= bound]
    assert summary.counts.units_uncertain == sum(u > bound for u in uncertainties) > 0


def test_an_interrupted_run_resumes_from_its_finished_shards_with_identical_output(models, raw, tmp_path):
    options = SilverOptions(shard_size=2, batch_size=1)
    whole = tmp_path / "whole"
    make_silver(models[:1], [raw], whole, options)

    class Stop(Exception):
        pass

    def stop_after_two(summary, shards_done):
        if shards_done == 2:
            raise Stop

    out = tmp_path / "resumed"
    with pytest.raises(Stop):
        make_silver(models[:1], [raw], out, options, progress=stop_after_two)
    assert sorted(p.name for p in out.glob("*.spacy")) == ["shard-00000.spacy", "shard-00001.spacy"]
    assert not (out / "summary.json").exists() and not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*")}
    summary = make_silver(models[:1], [raw], out, options)
    assert summary.shards_resumed == 2 and summary.shards == 3
    assert all(out.joinpath(name).stat().st_mtime_ns == mtime for name, mtime in before.items())  # not rewritten
    for shard in sorted(whole.glob("shard-*")):
        assert (out / shard.name).read_bytes() == shard.read_bytes()
    assert (out / "summary.json").read_bytes() == (whole / "summary.json").read_bytes()  # weasel sees no change
    again = make_silver(models[:1], [raw], out, options)  # all finished: nothing labelled
    assert again.shards_resumed == 3 and again.units_labelled == 0


def test_other_options_models_or_text_are_refused_on_an_existing_output(models, raw, tmp_path):
    out = tmp_path / "silver"
    make_silver(models[:1], [raw], out, SilverOptions(threshold=0.9, max_units=3))
    shards = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(VinerError, match=r"other options \(threshold\)"):
        make_silver(models[:1], [raw], out, SilverOptions(threshold=0.8, max_units=3))
    with pytest.raises(VinerError, match="other models"):
        make_silver(models[1:], [raw], out, SilverOptions(threshold=0.9, max_units=3))
    raw.write_text(raw.read_text(encoding="utf-8") + "Một dòng mới .\n", encoding="utf-8")
    with pytest.raises(VinerError, match="other inputs"):
        make_silver(models[:1], [raw], out, SilverOptions(threshold=0.9, max_units=3))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == shards  # nothing touched
    replaced = make_silver(models[:1], [raw], out, SilverOptions(threshold=0.8), force=True)
    assert replaced.shards_resumed == 0 and replaced.units_read == len(
        {line for line in raw.read_text().splitlines() if line}
    )
    assert json.loads((out / "manifest.json").read_text())["options"]["threshold"] == 0.8
    foreign = tmp_path / "annotations"
    foreign.mkdir()
    (foreign / "gold.jsonl").write_text('{"text": "x", "label": [[0, 1, "PERSON"]]}\n', encoding="utf-8")
    with pytest.raises(VinerError, match="not viner silver output"):
        make_silver(models[:1], [raw], foreign, SilverOptions(), force=True)
    assert [p.name for p in foreign.iterdir()] == ["gold.jsonl"]


def test_bad_lines_are_skipped_and_reported_with_file_and_line(models, tmp_path, run_cli):
    text = tmp_path / "raw.txt"
    text.write_bytes("Ông Trần Thị Bình đã đến Huế hôm qua .\n\n".encode() + b"bad \xff byte\n" + "Hà Nội .\n".encode())
    units = tmp_path / "units.jsonl"
    units.write_text(
        '{"text": "Bà Hoàng Thu Hà ở Nha Trang .", "label": [[0, 2, "PERSON"]]}\n{"text": \n{"label": []}\n[1, 2]\n',
        encoding="utf-8",
    )
    out = tmp_path / "silver"
    code, output = run_cli("silver", str(models[0]), str(text), str(units), "-o", str(out), "--shard-size", "2")
    assert code == 0, output
    for where in (f"{text}:3", f"{units}:2", f"{units}:3: text: missing", f"{units}:4"):
        assert where in output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lines_skipped"] == 4 and summary["units_read"] == 3 and len(silver_docs(out)) <= 3
    assert "units kept" in output and "tokens marked missing" in output


def test_bad_options_and_no_text_write_nothing(models, tmp_path, run_cli):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code, output = run_cli("silver", str(models[0]), str(empty), "-o", str(tmp_path / "out"))
    assert code == 1 and "no text to label" in output and not (tmp_path / "out").exists()
    for option, value in (("--threshold", "1.5"), ("--doubt", "0.95"), ("--shard-size", "0")):
        code, output = run_cli("silver", str(models[0]), str(empty), "-o", str(tmp_path / "out"), option, value)
        assert code == 1 and option in output
    code, output = run_cli("silver", f"{models[0]},", str(empty), "-o", str(tmp_path / "out"), "--max-units", "0")
    assert code == 1 and "--max-units" in output


@pytest.mark.slow
def test_silver_from_the_config_pipeline_trains_beside_the_gold_as_typed(
    tiny_model, seed_corpus, seed_vectors, root, tmp_path, run_cli
):
    """configs/ner.cfg's own pipeline (viner_words) labels the seed articles; spaCy trains on gold + silver."""
    import subprocess
    import sys

    out = tmp_path / "silver"
    code, output = run_cli("silver", str(tiny_model), str(root / "corpus" / "raw"), "-o", str(out), "--max-units", "40")
    assert code == 0, output
    docs = silver_docs(out)
    assert 0 < len(docs) <= 40 and all(doc.has_annotation("ENT_IOB") for doc in docs)
    train = tmp_path / "train"
    train.mkdir()
    (train / "train.spacy").symlink_to(seed_corpus / "train.spacy")
    (train / "silver").symlink_to(out, target_is_directory=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(root / "configs" / "ner.cfg"),
            "--output",
            str(tmp_path / "model"),
            "--paths.train",
            str(train),
            "--paths.dev",
            str(seed_corpus / "dev.spacy"),
            "--paths.vectors",
            str(seed_vectors),
            "--training.max_steps",
            "10",
            "--training.eval_frequency",
            "5",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    nlp = load_pipeline(tmp_path / "model" / "model-last")
    assert nlp("Ông Nguyễn Văn An đến Hà Nội .").has_annotation("ENT_IOB")


def test_a_sample_is_spread_over_the_text_and_the_same_whatever_the_order(models, tmp_path):
    lines = [f"Ông {name} gặp bà {other} ở {place} lần thứ {i} ." for i, (name, other, place) in enumerate(
        (n, o, p) for n in NAMES for o in NAMES for p in PLACES[:3]
    )]  # fmt: skip
    forward, backward = tmp_path / "forward.txt", tmp_path / "backward.txt"
    forward.write_text("\n".join(lines) + "\n", encoding="utf-8")
    backward.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    first = make_silver(models[:1], [forward], tmp_path / "a", SilverOptions(sample=0.5))
    second = make_silver(models[:1], [backward], tmp_path / "b", SilverOptions(sample=0.5))
    chosen = {doc.text for doc in silver_docs(tmp_path / "a")}
    assert chosen == {doc.text for doc in silver_docs(tmp_path / "b")} and chosen < set(lines)
    assert first.units_read + first.raw.not_sampled == len(lines) == second.units_read + second.raw.not_sampled
    assert 0.3 * len(lines) < first.units_read < 0.7 * len(lines)
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["not_sampled"] == first.raw.not_sampled
    with pytest.raises(VinerError, match=r"other options \(sample\)"):
        make_silver(models[:1], [forward], tmp_path / "a", SilverOptions(sample=0.4))


def test_a_manifest_written_before_an_option_existed_resumes_with_its_default(models, raw, tmp_path):
    make_silver(models[:1], [raw], tmp_path / "silver", SilverOptions(shard_size=3))
    manifest = tmp_path / "silver" / "manifest.json"
    older = json.loads(manifest.read_text())
    del older["options"]["sample"]  # the first version of viner silver had no --sample
    manifest.write_text(json.dumps(older))
    assert make_silver(models[:1], [raw], tmp_path / "silver", SilverOptions(shard_size=3)).shards_resumed == 2
