"""`viner evaluate` end to end on a rule-based pipeline (no training needed): output, files, metadata."""

from __future__ import annotations

import json

import pytest
import spacy

from test_evaluation_report import SENTENCES
from viner.evaluation.evaluate import evaluate, model_metadata
from viner.evaluation.report import TrainingData
from viner.identity import data_sha256, file_sha256

PATTERNS = [
    {"label": "GPE", "pattern": "Hà Nội"},
    {"label": "GPE", "pattern": "Việt Nam"},
    {"label": "ORG", "pattern": "Vinamilk"},
    {"label": "PERSON", "pattern": "Donald Trump"},
    {"label": "GPE", "pattern": "Nga"},
    {"label": "ORG", "pattern": "Thái Lan"},  # a wrong label on purpose
    {"label": "EVENT", "pattern": "AFF Cup"},
]


def save_ruler_model(folder):
    """A pipeline of one entity ruler with PATTERNS, saved in ``folder``/ruler-model."""
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(PATTERNS)
    nlp.meta["name"] = "ruler"
    nlp.meta["version"] = "0.0.1"
    path = folder / "ruler-model"
    nlp.to_disk(path)
    return path


def write_gold_jsonl(folder):
    """SENTENCES with their gold spans, as ``folder``/test.jsonl."""
    rows = []
    for text, entities in SENTENCES:
        spans = []
        for surface, label in entities:
            start = text.index(surface)
            spans.append([start, start + len(surface), label])
        rows.append(json.dumps({"text": text, "label": spans}, ensure_ascii=False))
    path = folder / "test.jsonl"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


@pytest.fixture
def ruler_model(tmp_path):
    return save_ruler_model(tmp_path)


@pytest.fixture
def gold_jsonl(tmp_path):
    return write_gold_jsonl(tmp_path)


def test_evaluate_a_rule_based_pipeline(ruler_model, gold_jsonl):
    report = evaluate(ruler_model, gold_jsonl, labels=["PERSON", "ORG", "GPE", "EVENT"], resamples=500).to_dict()
    assert report["model"]["name"] == "ruler" and report["model"]["version"] == "0.0.1"
    assert report["model"]["config_sha256"] == file_sha256(ruler_model / "config.cfg")
    assert report["model"]["size_bytes"] > 0
    assert report["training_data"]["sha256"] is None and "no paths.train" in report["training_data"]["reason"]
    assert report["data"]["sha256"] == file_sha256(gold_jsonl)
    assert report["errors"]["counts"]["wrong_label"] == 1  # Thái Lan called ORG
    wrong = [e for e in report["errors"]["examples"] if e["category"] == "wrong_label"]
    assert wrong[0]["gold"]["text"] == "Thái Lan" and wrong[0]["pred"]["label"] == "ORG"
    assert report["per_label"]["EVENT"]["tp"] == 1
    assert report["speed"]["words"] > 0 and report["speed"]["words_per_second"] > 0


def test_training_data_hash_from_the_config(tmp_path, ruler_model):
    nlp = spacy.load(ruler_model)
    train = tmp_path / "train.spacy"
    train.write_bytes(b"not really a DocBin")
    nlp.config["paths"]["train"] = str(train)
    _, training = model_metadata(ruler_model, nlp)
    assert training == TrainingData(path=str(train), sha256=file_sha256(train), reason=None)
    shards = tmp_path / "train-shards.spacy"  # what convert writes above 5,000 docs
    shards.mkdir()
    (shards / "part-0000.spacy").write_bytes(b"first shard")
    (shards / "part-0001.spacy").write_bytes(b"second shard")
    nlp.config["paths"]["train"] = str(shards)
    _, training = model_metadata(ruler_model, nlp)
    assert training == TrainingData(path=str(shards), sha256=data_sha256(shards), reason=None)
    (shards / "part-0001.spacy").write_bytes(b"changed shard")
    assert model_metadata(ruler_model, nlp)[1].sha256 != training.sha256
    nlp.config["paths"]["train"] = "corpus/gone.spacy"
    _, training = model_metadata(ruler_model, nlp)
    assert training.sha256 is None and "not found" in training.reason


def test_cli_evaluate_writes_report_files_and_index(tmp_path, run_cli, ruler_model, gold_jsonl):
    out = tmp_path / "evaluate" / "reports" / "ruler-v1.json"
    code, text = run_cli(
        "evaluate", ruler_model, gold_jsonl, "-o", out, "--labels", "PERSON,ORG,GPE,EVENT", "--resamples", "500"
    )
    assert code == 0, text
    for label in ("PERSON", "ORG", "GPE", "EVENT", "ALL (micro)"):
        assert label in text
    assert "F1 95% interval" in text and "1 wrong label" in text
    report = json.loads(out.read_text("utf-8"))
    assert report["name"] == "ruler-v1" and report["uncertainty"]["resamples"] == 500
    assert out.with_suffix(".md").is_file() and out.with_suffix(".html").is_file()
    index = (tmp_path / "evaluate" / "index.md").read_text("utf-8")
    assert "[ruler-v1](reports/ruler-v1.md)" in index


def test_cli_evaluate_errors_are_one_line(tmp_path, run_cli, gold_jsonl):
    code, text = run_cli("evaluate", tmp_path / "no-model", gold_jsonl)
    assert code == 1 and "Traceback" not in text and len(text.strip().splitlines()) == 1


SCORES = ("overall", "per_label", "schemas", "confusion", "uncertainty")


def test_cli_a_models_own_predictions_file_scores_exactly_as_the_model(tmp_path, run_cli, ruler_model, gold_jsonl):
    """`viner predict` writes the model's entities; `viner evaluate` of that file gives the model's report's figures."""
    reports = tmp_path / "evaluate" / "reports"
    code, text = run_cli("evaluate", ruler_model, gold_jsonl, "-o", reports / "ruler.json", "--resamples", "500")
    assert code == 0, text
    predictions = tmp_path / "ruler-predictions.jsonl"
    code, text = run_cli("predict", ruler_model, gold_jsonl, "-o", predictions)
    assert code == 0, text
    code, text = run_cli(
        "evaluate", predictions, gold_jsonl, "-o", reports / "ruler-file.json", "--resamples", "500", "--name", "rules"
    )
    assert code == 0, text
    assert f"external system rules: {len(SENTENCES)} prediction rows, {len(SENTENCES)} matched by unit id" in text
    assert "no speed (an external system's: give --words-per-second)" in text
    model = json.loads((reports / "ruler.json").read_text("utf-8"))
    external = json.loads((reports / "ruler-file.json").read_text("utf-8"))
    for key in SCORES:
        assert external[key] == model[key], key
    assert external["errors"]["counts"] == model["errors"]["counts"] and external["data"] == model["data"]
    assert external["name"] == external["model"]["name"] == "rules"
    assert external["external"]["sha256"] == file_sha256(predictions) and external["speed"]["words_per_second"] is None
    assert (reports / "ruler-file.predictions.jsonl").read_text("utf-8") == (
        reports / "ruler.predictions.jsonl"
    ).read_text("utf-8")

    code, text = run_cli(
        "compare", reports / "ruler-file.json", reports / "ruler.json", "-o", tmp_path / "evaluate" / "compare-x.html"
    )
    assert code == 0, text
    assert "rules: external system, scored from" in text and "(no speed)" in text
    comparison = json.loads((tmp_path / "evaluate" / "compare-x.json").read_text("utf-8"))
    assert comparison["comparisons"][0]["bootstrap"]["overall"]["delta"] == 0
    index = (tmp_path / "evaluate" / "index.md").read_text("utf-8")
    assert "rules (external)" in index


def test_cli_words_per_second_is_given_to_an_external_report(tmp_path, run_cli, gold_jsonl):
    code, text = run_cli("evaluate", gold_jsonl, gold_jsonl, "--words-per-second", "2934")
    assert code == 0, text
    assert "2,934 words/s (given)" in text and "external system test:" in text
