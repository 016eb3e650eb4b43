"""An external system's report, and a comparison of it beside a model's pooled runs, in a real headless browser."""

from __future__ import annotations

import json

import pytest

from test_evaluate_external import prediction_rows, write_gold
from test_evaluation_report import gold_examples, make_report, weaker_predictions
from test_reports_browser import Page
from viner.evaluation.compare import compare
from viner.evaluation.external import evaluate_predictions
from viner.evaluation.numbers import count, interval, pct, points
from viner.evaluation.report import load_report
from viner.evaluation.write import write_comparison, write_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A model's report (two runs pooled), an external system's predictions scored on the same gold, and
    their comparison, with the external version first and then as the challenger."""
    tmp = tmp_path_factory.mktemp("external-site")
    root = tmp / "evaluate"
    reports = root / "reports"
    reports.mkdir(parents=True)
    gold = gold_examples()
    gold_file = write_gold(tmp / "gold.jsonl", gold)
    rows = prediction_rows(gold, weaker_predictions(gold))
    (tmp / "underthesea-crf.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    crf = evaluate_predictions(
        tmp / "underthesea-crf.jsonl", gold_file, resamples=2000, sidecar=reports / "crf.predictions.jsonl"
    )
    write_report(crf, reports / "crf.json")
    fast = evaluate_predictions(
        tmp / "underthesea-crf.jsonl",
        gold_file,
        name="crf-given",
        words_per_second=2934,
        resamples=2000,
        sidecar=reports / "crf-given.predictions.jsonl",
    )
    write_report(fast, reports / "crf-given.json")
    for seed in (0, 1):
        write_report(make_report(f"ner-s{seed}"), reports / f"ner-s{seed}.json")
    runs = [reports / "ner-s0.json", reports / "ner-s1.json"]
    mixed = compare(
        [[load_report(p) for p in runs], load_report(reports / "crf.json"), load_report(reports / "crf-given.json")],
        [runs, reports / "crf.json", reports / "crf-given.json"],
        resamples=2000,
    )
    write_comparison(mixed, root / "compare-ner-crf.html")
    return root


def test_external_report_page_is_marked_and_has_no_speed(browser, site):
    report = json.loads((site / "reports" / "crf.json").read_text("utf-8"))
    p = Page(browser, site / "reports" / "crf.html")
    assert "external" in p.text("header .sub") and "underthesea-crf.jsonl" in p.text("header .sub")
    assert p.text("#headline [data-metric=f1]") == pct(report["overall"]["f1"])
    assert p.text("#speed-card .v") == "–" and "not measured" in p.text("#speed-card .s")
    assert p.text("#external-card .v") == count(report["external"]["rows"])
    assert report["external"]["sha256"] in p.text("#external-meta")
    for label, values in report["per_label"].items():
        assert p.text(f'#per-label tr[data-label="{label}"] [data-metric=f1]') == pct(values["f1"])
    p.check_clean("report-external")


def test_given_speed_reads_as_given(browser, site):
    p = Page(browser, site / "reports" / "crf-given.html")
    assert p.text("#speed-card .v") == "2,934" and "given" in p.text("#speed-card .s")
    p.check_clean("report-external-given")


def test_compare_page_puts_the_external_system_beside_the_models_pooled_runs(browser, site):
    c = json.loads((site / "compare-ner-crf.json").read_text("utf-8"))
    p = Page(browser, site / "compare-ner-crf.html")
    pooled, crf, given = c["models"]
    assert pooled["name"] == "ner-s0 + ner-s1" and crf["external"] and given["external"]
    row = f'#models tr[data-model="{crf["name"]}"]'
    assert "external" in p.text(f"{row} td.name") and "underthesea-crf.jsonl" in p.text(row)
    assert p.text(f"{row} [data-metric=wps]") == "not measured"
    assert p.text('#models tr[data-model="crf-given"] [data-metric=wps]') == "2,934 given"
    assert p.text(f'#models tr[data-model="{pooled["name"]}"] [data-metric=wps]') == "4,000"
    assert "external" not in p.text(f'#models tr[data-model="{pooled["name"]}"] td.name')
    headers = p.texts("#side-by-side thead th")
    assert headers[2].split() == [crf["name"], "external"] == ["underthesea-crf", "external"]
    for label in c["labels"] + ["overall"]:
        cells = p.texts(f'#side-by-side tr[data-label="{label}"] td[data-model]')
        assert cells == [
            pct((m["overall"] if label == "overall" else m["per_label"][label])["f1"]) for m in c["models"]
        ]
    b = c["comparisons"][0]["bootstrap"]
    overall = '#delta-1 tr[data-label="overall"]'
    assert p.text(f"{overall} [data-metric=delta]") == points(b["overall"]["delta"]) and b["overall"]["delta"] < 0
    assert p.text(f"{overall} [data-metric=ci]") == interval(b["overall"]["ci"], signed=True)
    assert "ner-s0 + ner-s1 better" in p.text(overall)
    assert p.page.query_selector(".warning") is None
    p.page.click(f'#models a:text("{crf["name"]}")')  # the external report is linked like any other
    assert p.page.url.endswith("/reports/crf.html")
    p.check_clean("compare-external")


@pytest.fixture(scope="module")
def long_names(tmp_path_factory):
    """underthesea against ner.cfg's two seeds pooled, named as a lead names reports: model and test set."""
    tmp = tmp_path_factory.mktemp("long-names")
    root = tmp / "evaluate"
    reports = root / "reports"
    reports.mkdir(parents=True)
    gold = gold_examples()
    rows = prediction_rows(gold, weaker_predictions(gold))
    preds = tmp / "underthesea-vlsp-dev.jsonl"
    preds.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    crf = evaluate_predictions(
        preds,
        write_gold(tmp / "gold.jsonl", gold),
        name="underthesea-crf",
        words_per_second=2039,
        resamples=500,
        sidecar=reports / "underthesea-vlsp-dev.predictions.jsonl",
    )
    write_report(crf, reports / "underthesea-vlsp-dev.json")
    runs = [reports / f"base-s{seed}-vlsp-dev.json" for seed in (0, 1)]
    for path in runs:
        write_report(make_report(path.stem), path)
    both = compare(
        [load_report(reports / "underthesea-vlsp-dev.json"), [load_report(p) for p in runs]],
        [reports / "underthesea-vlsp-dev.json", runs],
        resamples=500,
    )
    write_comparison(both, root / "compare-underthesea-vlsp-dev.html")
    return root


@pytest.mark.parametrize("width", [1366, 1920])
def test_compare_page_with_long_names_fits_and_shows_the_predictions_hash(browser, long_names, width):
    c = json.loads((long_names / "compare-underthesea-vlsp-dev.json").read_text("utf-8"))
    crf, pooled = c["models"]
    p = Page(browser, long_names / "compare-underthesea-vlsp-dev.html")
    p.page.set_viewport_size({"width": width, "height": 900})
    for table in ("#models", "#side-by-side", "#delta-1"):
        scroll = p.page.eval_on_selector(
            table, "t => { const s = t.closest('.table-scroll'); return [s.scrollWidth, s.clientWidth]; }"
        )
        assert scroll[0] <= scroll[1], f"{table} scrolls sideways at {width} px: {scroll}"
    row = p.text(f'#models tr[data-model="{crf["name"]}"]')
    assert crf["external"]["sha256"][:12] in row and "underthesea-vlsp-dev.jsonl" in row
    assert p.text(f'#models tr[data-model="{crf["name"]}"] [data-metric=wps]') == "2,039 given"
    verdict = p.text('#delta-1 tr[data-label="overall"] td:last-child')
    assert verdict == c["comparisons"][0]["bootstrap"]["overall"]["verdict"]
    assert verdict.startswith(pooled["name"]) and pooled["name"] == "base-s0-vlsp-dev + base-s1-vlsp-dev"
    p.check_clean(f"compare-long-names-{width}")
