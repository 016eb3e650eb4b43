"""`viner compare`: side by side, paired bootstrap, and reports on different test data flagged."""

from __future__ import annotations

import json

import pytest

from test_evaluation_report import EXTERNAL, gold_examples, make_report, weaker_predictions
from viner.errors import VinerError
from viner.evaluation.compare import compare, same_test_data
from viner.evaluation.index import collect
from viner.evaluation.markdown import comparison_markdown
from viner.evaluation.numbers import points
from viner.evaluation.pages import comparison_html
from viner.evaluation.report import Report
from viner.evaluation.write import write_comparison, write_report


@pytest.fixture
def pair():
    gold = gold_examples()
    return make_report("weak", weaker_predictions(gold)), make_report("strong")


def test_same_data_gives_paired_intervals(pair):
    weak, strong = pair
    c = compare([weak, strong], resamples=3000)
    assert c.all_comparable and not c.warnings and c.baseline == "weak"
    entry = c.comparisons[0]
    b = entry.bootstrap
    assert b.documents == len(gold_examples()) and b.resamples == 3000
    assert b.overall.f1_a == pytest.approx(weak.overall.f1)
    assert b.overall.f1_b == 1.0
    assert b.overall.ci[0] > 0 and b.overall.verdict == "strong better"
    for label in ("PERSON", "ORG", "GPE", "EVENT"):
        row = b.per_label[label]
        assert row.delta == pytest.approx(strong.per_label[label].f1 - weak.per_label[label].f1)
        assert row.ci[0] <= row.delta <= row.ci[1]
    assert entry.deltas["overall"] == pytest.approx(b.overall.delta)


def test_comparing_a_model_with_itself_shows_no_difference(pair):
    weak, _ = pair
    c = compare([weak, Report.from_dict(json.loads(json.dumps(weak.to_dict())))], resamples=1000)
    assert c.models[1].name == "weak #2"
    b = c.comparisons[0].bootstrap
    assert b.overall.ci == [0.0, 0.0] and b.overall.verdict == "no clear difference"


def test_different_test_data_is_flagged_and_shows_no_deltas(pair):
    weak, _ = pair
    other_gold = gold_examples(5)
    other = make_report("other-data", gold=other_gold, data_sha="b" * 64)
    ok, reason = same_test_data(weak, other)
    assert not ok and "different test data" in reason
    c = compare([weak, other])
    entry = c.comparisons[0]
    assert not c.all_comparable and not entry.comparable
    assert entry.bootstrap is None and entry.deltas is None
    assert any("NOT comparable" in w for w in c.warnings)
    html = comparison_html(c)
    assert "Not comparable." in html and 'id="delta-1"' not in html and 'role="alert"' in html
    md = comparison_markdown(c)
    assert "**Not comparable**" in md and "Δ" not in md.split("## other-data vs weak")[1]


def test_same_gold_in_another_file_is_comparable(pair):
    weak, strong = pair
    strong.data.sha256 = "f" * 64  # e.g. the .jsonl instead of the .spacy of the same gold
    ok, reason = same_test_data(weak, strong)
    assert ok and "different files" in reason


def test_old_reports_without_documents_get_deltas_without_intervals(pair):
    weak, strong = pair
    for r in (weak, strong):
        r.documents = None
        r.data.gold_sha256 = None
    c = compare([weak, strong])
    entry = c.comparisons[0]
    assert entry.comparable and entry.bootstrap is None and "older viner" in entry.note
    assert entry.deltas["overall"] == pytest.approx(strong.overall.f1 - weak.overall.f1)
    assert points(entry.deltas["overall"]) in comparison_html(c)


def test_documents_that_do_not_pair_up_are_an_error(pair):
    weak, strong = pair
    strong.documents[0]["text"] = "khác"
    with pytest.raises(VinerError, match="differs in text"):
        compare([weak, strong])


def test_one_report_is_not_a_comparison(pair):
    with pytest.raises(VinerError, match="at least two"):
        compare([pair[0]])


def test_three_models_against_the_baseline(pair):
    weak, strong = pair
    gold = gold_examples()
    half = make_report("half", [list(e.spans)[: len(e.spans) // 2] for e in gold])
    c = compare([weak, strong, half], resamples=1000)
    assert [(e.a_name, e.b_name) for e in c.comparisons] == [("weak", "strong"), ("weak", "half")]
    html = comparison_html(c)
    assert 'id="delta-1"' in html and 'id="delta-2"' in html and not EXTERNAL.search(html)


def test_cli_compare_writes_html_md_json_and_the_index(tmp_path, run_cli, pair):
    weak, strong = pair
    other = make_report("other-data", gold=gold_examples(4), data_sha="b" * 64)
    reports = tmp_path / "evaluate" / "reports"
    for r in (weak, strong, other):
        write_report(r, reports / f"{r.name}.json")
    out = tmp_path / "evaluate" / "compare-weak-strong.html"
    code, text = run_cli(
        "compare",
        reports / "weak.json",
        reports / "strong.json",
        reports / "other-data.json",
        "-o",
        out,
        "--resamples",
        "2000",
    )
    assert code == 0, text
    assert "strong better" in text and "NOT comparable" in text and "different test data" in text
    for suffix in (".html", ".md", ".json"):
        assert out.with_suffix(suffix).is_file()
    saved = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert saved["comparisons"][0]["bootstrap"]["resamples"] == 2000
    entries = collect(tmp_path / "evaluate")
    assert (
        entries["comparisons"][0]["name"] == "compare-weak-strong" and not entries["comparisons"][0]["all_comparable"]
    )
    assert entries["test_sets"] == 2
    html = out.read_text("utf-8")
    assert 'href="reports/weak.html"' in html


def test_cli_compare_errors_are_one_line(tmp_path, run_cli):
    code, text = run_cli("compare", tmp_path / "missing.json", tmp_path / "missing2.json")
    assert code == 1 and "no such file" in text and "Traceback" not in text
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}', "utf-8")
    code, text = run_cli("compare", bad, bad)
    assert code == 1 and "not a viner evaluation report" in text


def test_write_comparison_markdown_names_the_winner(tmp_path, pair):
    c = compare(list(pair), resamples=1000)
    paths = write_comparison(c, tmp_path / "compare-x.html")
    md = paths["md"].read_text("utf-8")
    assert "strong better" in md and "Paired bootstrap over 8 documents" in md


def test_runs_of_one_version_are_pooled(pair):
    """Two seeds of each version: scores of the summed counts, the bootstrap over documents with the runs' counts summed."""
    weak, strong = pair
    gold = gold_examples()
    half = make_report("half", [list(e.spans)[: len(e.spans) // 2] for e in gold])
    c = compare([[weak, half], [strong, strong]], resamples=2000)
    base, other = c.models
    assert base.name == "weak + half" and [r.name for r in base.runs] == ["weak", "half"]
    assert [r.f1 for r in base.runs] == [weak.overall.f1, half.overall.f1]
    tp, fp, fn = (
        weak.overall.tp + half.overall.tp,
        weak.overall.fp + half.overall.fp,
        weak.overall.fn + half.overall.fn,
    )
    assert base.overall.f1 == pytest.approx(2 * tp / (2 * tp + fp + fn))
    assert base.overall.support == weak.overall.support  # the gold once, not once per run
    assert min(weak.overall.f1, half.overall.f1) < base.overall.f1 < max(weak.overall.f1, half.overall.f1)
    assert other.overall.f1 == 1.0 and other.name == "strong + strong #2"
    b = c.comparisons[0].bootstrap
    assert b.overall.f1_a == pytest.approx(base.overall.f1) and b.overall.support == weak.overall.support
    assert b.per_label["PERSON"].support == weak.per_label["PERSON"].support
    assert c.comparisons[0].deltas["overall"] == pytest.approx(1.0 - base.overall.f1)
    low, high = base.uncertainty.overall["f1"]  # the pooled runs' own interval, from their summed counts
    assert low <= base.overall.f1 <= high
    html, md = comparison_html(c), comparison_markdown(c)
    assert "2 runs pooled" in html and "2 runs pooled" in md and not EXTERNAL.search(html)


def test_a_run_pooled_with_a_copy_of_itself_compares_as_the_run_alone(pair):
    weak, strong = pair
    copy = Report.from_dict(json.loads(json.dumps(weak.to_dict())))
    alone = compare([weak, strong], resamples=1000).comparisons[0].bootstrap
    pooled = compare([[weak, copy], strong], resamples=1000).comparisons[0].bootstrap
    assert pooled.overall.f1_a == pytest.approx(alone.overall.f1_a)
    assert pooled.overall.ci == pytest.approx(alone.overall.ci)
    assert pooled.overall.support == alone.overall.support


def test_runs_of_one_version_on_other_test_data_are_an_error(pair):
    weak, strong = pair
    other = make_report("other-data", gold=gold_examples(5), data_sha="b" * 64)
    with pytest.raises(VinerError, match="runs of one version must be measured on the same test data"):
        compare([[weak, other], strong])


def test_cli_compare_pools_comma_joined_runs(tmp_path, run_cli, pair):
    weak, strong = pair
    half = make_report("half", [list(e.spans)[: len(e.spans) // 2] for e in gold_examples()])
    reports = tmp_path / "evaluate" / "reports"
    for r in (weak, strong, half):
        write_report(r, reports / f"{r.name}.json")
    out = tmp_path / "evaluate" / "compare-pooled.html"
    code, text = run_cli(
        "compare",
        f"{reports / 'weak.json'},{reports / 'half.json'}",
        reports / "strong.json",
        "-o",
        out,
        "--resamples",
        "1000",
    )
    assert code == 0, text
    assert "weak + half: 2 runs pooled" in text and "strong better" in text
    html = out.read_text("utf-8")
    assert 'href="reports/weak.html"' in html and 'href="reports/half.html"' in html
    saved = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert saved["models"][0]["html"] is None and saved["models"][1]["html"].endswith(
        "strong.html"
    )  # no one report for pooled runs
    code, text = run_cli("compare", f"{reports / 'weak.json'},{tmp_path / 'missing.json'}", reports / "strong.json")
    assert code == 1 and "missing.json: no such file" in text


def test_a_model_with_spacys_default_meta_is_named_by_its_folder(pair):
    # `spacy train` without [meta] writes "pipeline" 0.0.0 for every model: the pages name its folder instead
    weak, strong = pair
    for report in (weak, strong):
        report.model.name, report.model.version = "pipeline", "0.0.0"
    c = compare([weak, strong], resamples=500)
    page, markdown = comparison_html(c), comparison_markdown(c)
    assert "pipeline 0.0.0" not in page and "pipeline 0.0.0" not in markdown
    assert "training/weak" in markdown and "training/strong" in page
    named = make_report("named")
    assert named.model.title == "vi_ner_named 0.1.0"
