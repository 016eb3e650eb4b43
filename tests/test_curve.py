import json

import pytest

from viner.convert import convert
from viner.curve import Curve, CurvePoint, parse_fractions, subsets
from viner.errors import VinerError


def point(fraction, f1):
    return CurvePoint(
        fraction, int(fraction * 100), 10, 1.0, {"f1": f1, "precision": f1, "recall": f1}, {"GPE": {"f1": f1}}
    )


def test_verdict_reads_the_last_segment():
    curve = Curve("c", "t", "d", 0, [point(0.5, 0.60), point(1.0, 0.70)])
    assert "likely to help" in curve.verdict()
    curve.points[-1] = point(1.0, 0.605)
    assert "a little" in curve.verdict()
    curve.points[-1] = point(1.0, 0.59)
    assert "unlikely" in curve.verdict()
    assert "| 50% | 50 | 10 | 60.0% |" in curve.markdown()


def test_parse_fractions():
    assert parse_fractions("1,0.25,0.5") == [0.25, 0.5, 1.0]
    for bad in ("0,1", "1.5", "x"):
        with pytest.raises(VinerError):
            parse_fractions(bad)


@pytest.mark.slow
def test_subsets_grow_from_one_seeded_shuffle():
    docs = list(range(50))  # any sequence: subsets only picks
    parts = dict(subsets(docs, [0.1, 0.5, 1.0], seed=0))
    assert [len(p) for p in parts.values()] == [5, 25, 50]
    assert parts[0.5][:5] == parts[0.1] and sorted(parts[1.0]) == docs
    assert parts[0.5] != docs[:25]  # shuffled, and the same shuffle for the same seed only
    assert dict(subsets(docs, [0.5], seed=0))[0.5] == parts[0.5] != dict(subsets(docs, [0.5], seed=1))[0.5]


def test_curve_on_seed_gold_makes_table_and_plot(tmp_path, root, run_cli, seed_vectors):
    convert([root / "annotations" / "gold"], tmp_path / "corpus", config=root / "configs" / "ner.cfg")
    code, out = run_cli(
        "curve",
        root / "configs" / "ner.cfg",
        "--train",
        tmp_path / "corpus" / "train.spacy",
        "--dev",
        tmp_path / "corpus" / "dev.spacy",
        "--output",
        tmp_path / "curve",
        "--fractions",
        "0.5,1",
        "--training.max_steps",
        "30",
        "--training.eval_frequency",
        "10",
        "--paths.vectors",
        seed_vectors,
    )
    assert code == 0, out
    data = json.loads((tmp_path / "curve" / "curve.json").read_text("utf-8"))
    assert [p["fraction"] for p in data["points"]] == [0.5, 1.0]
    assert data["points"][0]["train_docs"] < data["points"][1]["train_docs"]
    assert set(data["points"][0]["per_label"]) >= {"PERSON", "ORG", "GPE", "EVENT"}
    assert (tmp_path / "curve" / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 50% |" in (tmp_path / "curve" / "curve.md").read_text("utf-8")
    assert "Learning curve" in out


def test_curve_reads_a_folder_of_shards(tmp_path, root, seed_vectors):
    from viner.curve import learning_curve

    convert(
        [root / "annotations" / "gold"],
        tmp_path / "corpus",
        config=root / "configs" / "ner.cfg",
        ratios=(1, 0, 0),
        shard_size=10,
    )
    assert (tmp_path / "corpus" / "train.spacy").is_dir()
    with pytest.raises(VinerError, match="too few"):  # read fine: 75 docs, but 100 fractions
        learning_curve(
            root / "configs" / "ner.cfg",
            tmp_path / "corpus" / "train.spacy",
            tmp_path / "corpus" / "train.spacy",
            fractions=[i / 100 for i in range(1, 101)],
            overrides={"paths.vectors": str(seed_vectors)},
        )


def test_curve_says_how_to_make_missing_vectors(tmp_path, root, seed_corpus, run_cli):
    code, out = run_cli(
        "curve",
        root / "configs" / "ner.cfg",
        "--train",
        seed_corpus / "train.spacy",
        "--dev",
        seed_corpus / "dev.spacy",
        "--output",
        tmp_path / "curve",
        "--paths.vectors",
        tmp_path / "no-vectors",
    )
    assert code == 1 and "viner vectors" in out and "no-vectors" in out
    assert not (tmp_path / "curve").exists()
