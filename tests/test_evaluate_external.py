"""Scoring another system's predictions file (`viner evaluate PREDICTIONS.jsonl GOLD`): matching, errors, figures."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from oracles_evaluation import build_report
from test_evaluation_report import LABELS, gold_examples, make_example, weaker_predictions
from viner.errors import InvalidInput, VinerError
from viner.evaluation.compare import compare
from viner.evaluation.comparison import Comparison
from viner.evaluation.external import evaluate_predictions
from viner.evaluation.markdown import comparison_markdown, report_markdown
from viner.evaluation.pages import comparison_html, report_html
from viner.evaluation.report import load_report
from viner.evaluation.write import write_report
from viner.formats import doccano_jsonl
from viner.identity import file_sha256
from viner.record import Example, Span


def write_gold(path: Path, examples: list[Example]) -> Path:
    doccano_jsonl.write(examples, path)
    return path


def prediction_rows(gold: list[Example], predicted: list[list[Span]], *, ids: bool = True) -> list[dict]:
    rows = []
    for example, spans in zip(gold, predicted):
        row: dict = {"text": example.text, "label": [s.as_list() for s in spans]}
        if ids:
            row["meta"] = {"unit_id": example.id}
        rows.append(row)
    return rows


def write_docbin(path: Path, examples: list[Example]) -> Path:
    """A gold DocBin as `viner convert` makes it (the config's tokenizer, the unit id in user_data)."""
    from spacy.tokens import DocBin

    from viner.formats.docbin import example_to_doc
    from viner.pipeline import tokenizer_from_config

    nlp = tokenizer_from_config(Path(__file__).resolve().parents[1] / "configs" / "ner.cfg")
    DocBin(store_user_data=True, docs=[example_to_doc(nlp, e) for e in examples]).to_disk(path)
    return path


def oracle(gold: list[Example], predicted: list[list[Span]]):
    """The report the Scorer makes of the same spans held in memory (no file, no matching)."""
    return build_report(gold, predicted, labels=LABELS, model={}, data={}, resamples=500)


def figures(report) -> dict:
    d = report.to_dict()
    return {key: d[key] for key in ("overall", "per_label", "schemas", "confusion", "uncertainty")} | {
        "errors": d["errors"]["counts"],
        "gold": d["data"]["gold_sha256"],
    }


def test_scores_equal_the_scorers_of_the_same_spans_matched_by_id_and_by_text(tmp_path, jsonl):
    gold = gold_examples()
    predicted = weaker_predictions(gold)
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    rows = prediction_rows(gold, predicted)
    for row in rows[::2]:
        del row["meta"]  # every other row carries no unit id: matched by its text
    rows.reverse()  # in another order than the gold
    preds = jsonl(tmp_path / "system.jsonl", rows)
    report = evaluate_predictions(preds, gold_file, labels=LABELS, resamples=500)
    assert figures(report) == figures(oracle(gold, predicted))
    x = report.external
    assert (x.rows, x.by_id, x.by_text, x.unused) == (len(gold), len(gold) // 2, len(gold) - len(gold) // 2, 0)
    assert x.sha256 == file_sha256(preds) and x.path == str(preds)
    assert report.name == report.model.name == "system"  # the file's name by default
    assert report.speed.words_per_second is None and not report.speed.given
    assert report.training_data.sha256 is None


def test_doccano_export_rows_and_a_docbin_gold(tmp_path, jsonl):
    """Doccano's export rows carry unit_id beside the text; a .spacy gold is read with any vocabulary."""
    gold = gold_examples()
    gold_file = write_docbin(tmp_path / "gold.spacy", gold)
    predicted = weaker_predictions(gold)
    rows = [
        {"id": 40 + i, "text": e.text, "label": [s.as_list() for s in p], "unit_id": e.id, "Comments": []}
        for i, (e, p) in enumerate(zip(gold, predicted))
    ]
    preds = jsonl(tmp_path / "export.jsonl", rows)
    report = evaluate_predictions(preds, gold_file, labels=LABELS, resamples=500)
    assert report.external.by_id == len(gold)
    assert figures(report)["overall"] == figures(oracle(gold, predicted))["overall"]


def test_default_labels_are_the_schemes_once_each_then_the_others_predicted(tmp_path, jsonl, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no label scheme file here: the built-in news labels
    gold = gold_examples()
    predicted = weaker_predictions(gold)
    predicted[0] = [*predicted[0], Span(0, 3, "TITLE")]
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold, predicted))
    report = evaluate_predictions(preds, write_gold(tmp_path / "gold.jsonl", gold), resamples=200)
    assert report.labels == [*LABELS, "TITLE"]


def test_a_gold_unit_without_prediction_is_an_error_naming_the_gold_line(tmp_path, jsonl):
    gold = gold_examples()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    rows = prediction_rows(gold, [list(e.spans) for e in gold])
    del rows[2], rows[4]
    preds = jsonl(tmp_path / "system.jsonl", rows)
    with pytest.raises(InvalidInput) as err:
        evaluate_predictions(preds, gold_file, sidecar=tmp_path / "out.predictions.jsonl")
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        f"{gold_file}:{line}: gold unit {gold[line - 1].id} has no prediction in {preds} (no row with its meta.unit_id nor with its text)"
        for line in (3, 6)
    ]
    assert list(tmp_path.glob("*out*")) == []  # nothing written, no temporary left


def test_a_prediction_whose_text_differs_from_its_unit_is_an_error_naming_both(tmp_path, jsonl):
    gold = gold_examples()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    rows = prediction_rows(gold, [list(e.spans) for e in gold])
    rows[1]["text"] = rows[1]["text"].replace("diễn ra", "diễn_ra")  # the system changed the text
    preds = jsonl(tmp_path / "system.jsonl", rows)
    with pytest.raises(InvalidInput) as err:
        evaluate_predictions(preds, gold_file)
    (problem,) = err.value.problems
    assert (problem.path, problem.line, problem.field) == (str(preds), 2, "text")
    assert f"gold unit {gold[1].id} ({gold_file}:2)" in problem.message
    assert problem.message.endswith(
        "at character 23: ' APEC 2017 diễn_ra tại Đà Nẵng' where the gold has ' APEC 2017 diễn ra tại Đà Nẵng'"
    )


def test_a_docbin_gold_unit_without_prediction_names_its_doc(tmp_path, jsonl):
    gold = gold_examples(3)
    gold_file = write_docbin(tmp_path / "gold.spacy", gold)
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold[:2], [list(e.spans) for e in gold[:2]]))
    with pytest.raises(InvalidInput) as err:
        evaluate_predictions(preds, gold_file)
    (problem,) = err.value.problems
    assert (problem.path, problem.line, problem.field) == (str(gold_file), None, "doc 3")
    assert str(problem).startswith(f"{gold_file}: doc 3: gold unit {gold[2].id} has no prediction")


def test_bad_rows_are_errors_with_line_and_field(tmp_path, jsonl):
    gold = gold_examples(3)
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    rows = prediction_rows(gold, [list(e.spans) for e in gold])
    text = gold[0].text
    rows[0]["label"].append([text.index(" Vinamilk"), text.index(" Vinamilk") + 9, "ORG"])  # leading space + overlap
    rows[1]["label"] = [[0, 999, "GPE"]]
    preds = jsonl(tmp_path / "system.jsonl", rows, raw_lines=["{not json"])
    with pytest.raises(InvalidInput) as err:
        evaluate_predictions(preds, gold_file)
    where = [(p.line, p.field) for p in err.value.problems]
    assert (1, "label[3]") in where and (2, "label[0]") in where and (4, None) in where
    assert all(p.path == str(preds) for p in err.value.problems)


def test_rows_matching_no_gold_unit_are_counted_not_scored(tmp_path, jsonl):
    gold = gold_examples()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold[:5])
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold, [list(e.spans) for e in gold]))
    report = evaluate_predictions(preds, gold_file)
    assert (report.external.rows, report.external.by_id, report.external.unused) == (len(gold), 5, len(gold) - 5)
    assert report.data.examples == 5 and report.overall.f1 == 1.0


def test_a_repeated_gold_text_takes_each_row_in_turn_or_the_last(tmp_path, jsonl):
    first, second = gold_examples(2)
    gold_file = write_gold(tmp_path / "gold.jsonl", [first, second, first, first])
    right, wrong = list(first.spans), [Span(s.start, s.end, "EVENT") for s in first.spans]
    rows = prediction_rows([first, second, first], [right, list(second.spans), wrong])
    preds = jsonl(tmp_path / "system.jsonl", rows)
    report = evaluate_predictions(preds, gold_file)
    n = len(first.spans)
    assert (report.overall.tp, report.overall.fp) == (n + len(second.spans), 2 * n)  # right, then wrong twice
    assert report.external.unused == 0 and report.data.examples == 4


def test_spans_off_the_gold_tokens_are_scored_strictly_on_characters(tmp_path, jsonl):
    gold = [make_example("Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội.", [("Vinamilk", "ORG")])]
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    start = gold[0].text.index("Vinamilk")
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold, [[Span(start, start + 4, "ORG")]]))
    report = evaluate_predictions(preds, gold_file)
    assert (report.overall.tp, report.overall.fp, report.overall.fn) == (0, 1, 1)
    assert report.errors.counts["wrong_boundary"] == 1
    assert report.schemas.overall["partial"].partial == 1


def test_empty_or_missing_predictions_file(tmp_path):
    gold_file = write_gold(tmp_path / "gold.jsonl", gold_examples(2))
    with pytest.raises(VinerError, match="no such predictions file"):
        evaluate_predictions(tmp_path / "none.jsonl", gold_file)
    (tmp_path / "empty.jsonl").write_text("\n", "utf-8")
    with pytest.raises(VinerError, match="holds no predictions"):
        evaluate_predictions(tmp_path / "empty.jsonl", gold_file)
    with pytest.raises(VinerError, match="words-per-second"):
        evaluate_predictions(gold_file, gold_file, words_per_second=0)


def test_report_round_trips_and_renders_the_external_mark(tmp_path, jsonl):
    gold = gold_examples()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold, weaker_predictions(gold)))
    report = evaluate_predictions(
        preds, gold_file, name="crf", words_per_second=2934, sidecar=tmp_path / "crf.predictions.jsonl"
    )
    path = write_report(report, tmp_path / "reports" / "crf.json")
    loaded = load_report(path)
    assert loaded.external == report.external and loaded.speed.given and loaded.speed.words_per_second == 2934
    assert loaded.predictions.documents == len(gold)
    md = report_markdown(loaded)
    assert md.startswith("# Evaluation report: crf (external system)")
    assert f"external: crf, predictions {preds} (sha256 {file_sha256(preds)})" in md
    assert "2,934 words/s, given" in md
    html = report_html(loaded)
    assert 'class="badge external"' in html and "words/s, given" in html and "model size" not in html.lower()
    loaded.speed.words_per_second, loaded.speed.given = None, False
    assert "not measured (an external system" in report_markdown(loaded)
    assert "not measured: an external system" in report_html(loaded)


def test_compare_mixes_external_and_model_reports_pooled_or_not(tmp_path, jsonl):
    from test_evaluation_report import make_report

    gold = gold_examples()
    gold_file = write_gold(tmp_path / "gold.jsonl", gold)
    preds = jsonl(tmp_path / "system.jsonl", prediction_rows(gold, weaker_predictions(gold)))
    reports = tmp_path / "reports"
    reports.mkdir()
    external = evaluate_predictions(
        preds, gold_file, name="crf", resamples=500, sidecar=reports / "crf.predictions.jsonl"
    )
    ext_path = write_report(external, reports / "crf.json")
    model = make_report("strong", gold=gold)
    model.data = external.data  # the same gold: make_report's data block is a stand-in
    model_path = write_report(model, reports / "strong.json")
    runs = [load_report(model_path), load_report(model_path)]
    c = compare([load_report(ext_path), runs], [ext_path, [model_path, model_path]], resamples=500)
    ext, pooled = c.models
    assert ext.external.sha256 == file_sha256(preds) and pooled.external is None
    assert ext.speed.words_per_second is None and pooled.speed.words_per_second == pytest.approx(4000)
    pair = c.comparisons[0]
    assert pair.comparable and pair.bootstrap.overall.delta > 0
    assert c.to_dict()["models"][0]["external"] == asdict(external.external)  # in the JSON, and read back
    assert Comparison.from_dict(c.to_dict()).models[0].external == external.external
    md = comparison_markdown(c)
    assert f"| crf | external: predictions {preds}" in md and "| not measured |" in md and "| 4,000 |" in md
    html = comparison_html(c, tmp_path)
    assert html.count('class="badge external"') >= 2 and "not measured" in html


@pytest.mark.slow
def test_a_trained_models_predictions_file_scores_exactly_as_the_model(tmp_path, run_cli, tiny_model, root):
    """A real trained pipeline (beam NER): its `viner predict` output scored as a file equals its own report."""
    gold = tmp_path / "seed-gold.jsonl"
    gold.write_text("".join(p.read_text("utf-8") for p in sorted((root / "annotations" / "gold").glob("*.jsonl"))))
    reports = tmp_path / "reports"
    assert run_cli("evaluate", tiny_model, gold, "-o", reports / "model.json", "--resamples", "500")[0] == 0
    assert run_cli("predict", tiny_model, gold, "-o", tmp_path / "predicted.jsonl")[0] == 0
    code, out = run_cli(
        "evaluate", tmp_path / "predicted.jsonl", gold, "-o", reports / "file.json", "--resamples", "500"
    )
    assert code == 0, out
    model, external = (load_report(reports / f"{name}.json").to_dict() for name in ("model", "file"))
    assert model["overall"]["tp"] > 0  # the tiny model finds entities: the comparison is not of two empty reports
    for key in ("overall", "per_label", "schemas", "confusion", "uncertainty", "data"):
        assert external[key] == model[key], key
    assert external["errors"]["counts"] == model["errors"]["counts"]
    assert external["external"]["by_id"] == model["data"]["examples"]
