"""corpus -> convert -> vectors -> a short `spacy train` of configs/ner.cfg (run where corpus/ is) -> evaluate, on the seed gold."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_corpus_convert_train_evaluate(tmp_path, root, run_cli):
    code, out = run_cli("corpus", "build", root / "corpus" / "raw", "-o", tmp_path / "docs.jsonl")
    assert code == 0, out
    code, out = run_cli(
        "convert", root / "annotations" / "gold", "-o", tmp_path / "corpus", "-c", root / "configs" / "ner.cfg"
    )
    assert code == 0, out
    # configs/ner.cfg reads its vectors from corpus/vectors, as `make demo` writes them
    code, out = run_cli(
        "vectors",
        root / "corpus" / "raw",
        "-o",
        tmp_path / "corpus" / "vectors",
        "--dim",
        "50",
        "--epochs",
        "3",
        "--bucket",
        "5000",
    )
    assert code == 0, out
    train = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(root / "configs" / "ner.cfg"),
            "--output",
            str(tmp_path / "training"),
            "--paths.train",
            str(tmp_path / "corpus" / "train.spacy"),
            "--paths.dev",
            str(tmp_path / "corpus" / "dev.spacy"),
            "--training.max_steps",
            "60",
            "--training.eval_frequency",
            "20",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert train.returncode == 0, train.stderr[-3000:]
    model = tmp_path / "training" / "model-best"
    report_path = tmp_path / "reports" / "e2e.json"
    code, out = run_cli("evaluate", model, tmp_path / "corpus" / "test.spacy", "-o", report_path)
    assert code == 0, out
    report = json.loads(report_path.read_text("utf-8"))
    assert set(report["per_label"]) >= {"PERSON", "ORG", "GPE", "EVENT"}
    assert report["data"]["examples"] > 0 and len(report["data"]["sha256"]) == 64
    for label in ("PERSON", "ORG", "GPE", "EVENT"):
        assert label in out
    assert 0.0 <= report["overall"]["f1"] <= 1.0
