"""Two tiny models trained with different settings on the seed gold, evaluated and compared end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from test_evaluation_report import SENTENCES
from viner.identity import file_sha256

pytestmark = pytest.mark.slow


def gold_folder(root, tmp_path):
    """The seed gold (annotations/gold) when it is there, else a small Vietnamese gold made here."""
    gold = root / "annotations" / "gold"
    if gold.is_dir() and any(gold.glob("*.jsonl")):
        return gold
    folder = tmp_path / "gold"
    folder.mkdir()
    rows = []
    for i, (text, entities) in enumerate(SENTENCES * 3):
        spans = []
        for surface, label in entities:
            start = text.index(surface)
            spans.append([start, start + len(surface), label])
        rows.append(json.dumps({"text": text, "label": spans, "meta": {"source": f"article-{i}"}}, ensure_ascii=False))
    (folder / "gold.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    return folder


def train(root, tmp_path, vectors, name, *overrides):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(root / "configs" / "ner.cfg"),
            "--output",
            str(tmp_path / name),
            "--paths.train",
            str(tmp_path / "corpus" / "train.spacy"),
            "--paths.dev",
            str(tmp_path / "corpus" / "dev.spacy"),
            "--paths.vectors",
            str(vectors),
            *overrides,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp_path / name / "model-best"


def test_train_two_models_evaluate_and_compare(tmp_path, root, run_cli, seed_vectors):
    code, out = run_cli(
        "convert", gold_folder(root, tmp_path), "-o", tmp_path / "corpus", "-c", root / "configs" / "ner.cfg"
    )
    assert code == 0, out
    wide = train(root, tmp_path, seed_vectors, "wide", "--training.max_steps", "40", "--training.eval_frequency", "20")
    narrow = train(
        root,
        tmp_path,
        seed_vectors,
        "narrow",
        "--training.max_steps",
        "12",
        "--training.eval_frequency",
        "6",
        "--components.ner.model.hidden_width",
        "16",
    )
    reports = tmp_path / "evaluate" / "reports"
    test = tmp_path / "corpus" / "test.spacy"
    for name, model in (("narrow", narrow), ("wide", wide)):
        code, out = run_cli("evaluate", model, test, "-o", reports / f"{name}.json", "--resamples", "2000")
        assert code == 0, out
        assert "F1 95% interval" in out and "words/s" in out
    report = json.loads((reports / "wide.json").read_text("utf-8"))
    assert report["name"] == "wide"
    assert report["model"]["config_sha256"] == file_sha256(wide / "config.cfg")
    assert report["model"]["size_bytes"] > 100_000
    assert report["training_data"]["sha256"] == file_sha256(tmp_path / "corpus" / "train.spacy")
    assert report["data"]["sha256"] == file_sha256(test)
    assert report["speed"]["words_per_second"] > 0
    sidecar = reports / report["predictions"]["file"]  # the per-document predictions, beside the report
    assert "documents" not in report and sidecar.name == "wide.predictions.jsonl"
    assert (
        len(sidecar.read_text("utf-8").splitlines())
        == report["predictions"]["documents"]
        == report["data"]["examples"]
        > 0
    )
    assert list(report["per_label"])[:4] == ["PERSON", "ORG", "GPE", "EVENT"]

    output = tmp_path / "evaluate" / "compare-narrow-wide.html"
    code, out = run_cli("compare", reports / "narrow.json", reports / "wide.json", "-o", output)
    assert code == 0, out
    comparison = json.loads(output.with_suffix(".json").read_text("utf-8"))
    b = comparison["comparisons"][0]["bootstrap"]
    assert b["resamples"] == 10_000 and b["documents"] == report["data"]["examples"]
    for label in ("PERSON", "ORG", "GPE", "EVENT"):
        row = b["per_label"][label]
        assert row["ci"][0] <= row["delta"] <= row["ci"][1]
        verdicts = ("narrow better", "wide better", "no clear difference", "neither predicts it (F1 0 for both)")
        assert row["verdict"] in verdicts or row["verdict"].startswith("not measured")
        if row["verdict"].startswith("neither"):
            assert row["f1_a"] == row["f1_b"] == 0 and row["support"] > 0
        assert label in out
    assert "paired bootstrap" in out and "NOT comparable" not in out

    # the same model on other test data: flagged, no deltas
    code, out = run_cli(
        "evaluate", wide, tmp_path / "corpus" / "dev.spacy", "-o", reports / "wide-dev.json", "--resamples", "500"
    )
    assert code == 0, out
    code, out = run_cli(
        "compare",
        reports / "wide.json",
        reports / "wide-dev.json",
        "-o",
        tmp_path / "evaluate" / "compare-test-dev.html",
    )
    assert code == 0 and "NOT comparable" in out and "different test data" in out
    flagged = json.loads((tmp_path / "evaluate" / "compare-test-dev.json").read_text("utf-8"))
    assert not flagged["all_comparable"] and flagged["comparisons"][0]["bootstrap"] is None

    index = (tmp_path / "evaluate" / "index.md").read_text("utf-8")
    assert index.index("[wide-dev]") < index.index("[wide]") and "compare-narrow-wide" in index
