"""The HTML reports in a real headless browser (Debian's chromium, driven by Playwright).

Each page must render without console errors or network requests, and its tables must
show the numbers of the JSON. Chromium is installed with apt-get when it is missing
(the CI runs as root); `playwright install` is never used (it downloads a browser).
Set VINER_SCREENSHOTS=DIR to keep a full-page PNG of every page.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from test_evaluation_report import gold_examples, make_report, weaker_predictions
from viner.evaluation.compare import compare
from viner.evaluation.numbers import count, interval, pct, points
from viner.evaluation.write import write_comparison, write_report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """Two reports on the same data, one on other data, three comparisons (one of pooled runs) and the index."""
    root = tmp_path_factory.mktemp("site") / "evaluate"
    gold = gold_examples()
    reports = {
        "weak": make_report("weak", weaker_predictions(gold), date="2025-03-01T09:00:00+00:00"),
        "strong": make_report("strong", date="2025-03-02T09:00:00+00:00"),
        "other-data": make_report(
            "other-data", gold=gold_examples(5), data_sha="b" * 64, date="2025-03-03T09:00:00+00:00"
        ),
    }
    for name, report in reports.items():
        write_report(report, root / "reports" / f"{name}.json")
    same = compare(
        [reports["weak"], reports["strong"]],
        [root / "reports" / "weak.json", root / "reports" / "strong.json"],
        resamples=2000,
    )
    write_comparison(same, root / "compare-weak-strong.html")
    mixed = compare(
        [reports["weak"], reports["other-data"]],
        [root / "reports" / "weak.json", root / "reports" / "other-data.json"],
        resamples=2000,
    )
    write_comparison(mixed, root / "compare-weak-other.html")
    runs = [root / "reports" / "weak.json", root / "reports" / "strong.json"]
    pooled = compare([[reports["weak"], reports["strong"]], reports["strong"]], [runs, runs[1]], resamples=2000)
    write_comparison(pooled, root / "compare-pooled.html")
    return root


class Page:
    """A loaded page with its console errors and network requests recorded."""

    def __init__(self, context, path: Path):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector).strip()

    def texts(self, selector: str) -> list[str]:
        return [t.strip() for t in self.page.eval_on_selector_all(selector, "els => els.map(e => e.innerText)")]

    def check_clean(self, name: str) -> None:
        shots = os.environ.get("VINER_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)
        assert self.errors == [], f"console errors on {name}: {self.errors}"
        external = [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]
        assert external == [], f"{name} fetched from the network: {external}"
        self.page.close()


def test_report_page_shows_the_json_numbers(browser, site):
    report = json.loads((site / "reports" / "weak.json").read_text("utf-8"))
    p = Page(browser, site / "reports" / "weak.html")
    assert p.page.title().startswith("weak")
    assert p.text("#headline [data-metric=f1]") == pct(report["overall"]["f1"])
    rows = {**report["per_label"], "overall": report["overall"]}
    for label, values in rows.items():
        row = f'#per-label tr[data-label="{label}"]'
        for metric in ("precision", "recall", "f1"):
            assert p.text(f"{row} [data-metric={metric}]") == pct(values[metric]), (label, metric)
        for metric in ("support", "tp", "fp", "fn"):
            assert p.text(f"{row} [data-metric={metric}]") == count(values[metric]), (label, metric)
    u = report["uncertainty"]
    assert p.text('#per-label tr[data-label="overall"] td.ci') == interval(u["overall"]["f1"])
    for schema, values in report["schemas"]["overall"].items():
        row = f'#schemas tr[data-schema="{schema}"]'
        for metric in ("correct", "incorrect", "partial", "missed", "spurious"):
            assert p.text(f"{row} [data-metric={metric}]") == count(values[metric])
        assert p.text(f"{row} [data-metric=f1]") == pct(values["f1"])
    for label, per in report["schemas"]["per_label"].items():
        cells = p.texts(f'#schemas-per-label tr[data-label="{label}"] td[data-schema]')
        assert cells == [pct(per[s]["f1"]) for s in ("strict", "exact", "partial", "ent_type")]
    confusion = report["confusion"]
    for i, gold in enumerate(confusion["rows"]):
        cells = p.texts(f'#confusion tr[data-gold="{gold}"] td')
        expected = [
            "" if gold == "NONE" and col == "NONE" else str(confusion["counts"][i][j])
            for j, col in enumerate(confusion["columns"])
        ]
        assert cells == expected, gold
    errors = report["errors"]
    for cat, n in errors["counts"].items():
        assert p.text(f'#error-counts tr[data-label="all"] td[data-category="{cat}"]') == count(n)
    # the error browser: all errors listed; a category button filters them
    assert len(p.texts("#error-list > li")) == len(errors["examples"])
    assert p.text("#error-shown") == f"showing {len(errors['examples'])} of {len(errors['examples'])}"
    p.page.click('#error-filters button[data-category="false_negative"]')
    visible = p.page.eval_on_selector_all("#error-list > li", "els => els.filter(e => e.offsetParent !== null).length")
    assert visible == errors["counts"]["false_negative"] > 0
    p.page.fill("#error-search", "Nguyễn")
    p.page.click('#error-filters button[data-category=""]')
    visible = p.page.eval_on_selector_all("#error-list > li", "els => els.filter(e => e.offsetParent !== null).length")
    # the search looks at the entities and their context (whole short sentences here)
    assert visible == sum(1 for e in errors["examples"] if "Nguyễn" in e["context"]["text"]) > 0
    p.check_clean("report-weak")


def test_perfect_report_renders(browser, site):
    report = json.loads((site / "reports" / "strong.json").read_text("utf-8"))
    p = Page(browser, site / "reports" / "strong.html")
    assert p.text('#per-label tr[data-label="overall"] [data-metric=f1]') == pct(report["overall"]["f1"]) == "100.0"
    assert "No errors" in p.text("#errors-section")
    p.check_clean("report-strong")


def test_comparison_page_shows_deltas_and_intervals(browser, site):
    c = json.loads((site / "compare-weak-strong.json").read_text("utf-8"))
    p = Page(browser, site / "compare-weak-strong.html")
    for label in c["labels"] + ["overall"]:
        cells = p.texts(f'#side-by-side tr[data-label="{label}"] td[data-model]')
        expected = [pct((m["overall"] if label == "overall" else m["per_label"][label])["f1"]) for m in c["models"]]
        assert cells == expected, label
    b = c["comparisons"][0]["bootstrap"]
    for label in c["labels"] + ["overall"]:
        v = b["overall"] if label == "overall" else b["per_label"][label]
        row = f'#delta-1 tr[data-label="{label}"]'
        assert p.text(f"{row} [data-metric=f1_a]") == pct(v["f1_a"])
        assert p.text(f"{row} [data-metric=f1_b]") == pct(v["f1_b"])
        assert p.text(f"{row} [data-metric=delta]") == points(v["delta"])
        assert p.text(f"{row} [data-metric=ci]") == interval(v["ci"], signed=True)
        assert p.text(f"{row} [data-metric=support]") == count(v["support"])
    assert "strong better" in p.text('#delta-1 tr[data-label="overall"]')
    assert p.page.query_selector(".warning") is None
    p.page.click('#models a:text("weak")')  # links to the reports work offline
    assert p.page.url.endswith("/reports/weak.html")
    p.check_clean("compare-weak-strong")


def test_comparison_on_other_data_is_flagged_without_deltas(browser, site):
    p = Page(browser, site / "compare-weak-other.html")
    warning = p.text(".warning")
    assert "NOT comparable" in warning and "different test data" in warning
    section = p.text("#comparison-1")
    assert "Not comparable." in section
    assert p.page.query_selector("#delta-1") is None and p.page.query_selector("#comparison-1 svg") is None
    p.check_clean("compare-weak-other")


def test_pooled_runs_show_each_run_under_the_pooled_figures(browser, site):
    c = json.loads((site / "compare-pooled.json").read_text("utf-8"))
    p = Page(browser, site / "compare-pooled.html")
    base = c["models"][0]
    assert base["name"] == "weak + strong" and len(base["runs"]) == 2
    runs = p.text('#models tr[data-model="weak + strong"] .runs')
    assert runs == f"2 runs pooled: weak {pct(base['runs'][0]['f1'])}, strong {pct(base['runs'][1]['f1'])}"
    cells = p.texts('#side-by-side tr[data-label="overall"] td[data-model]')
    assert cells == [pct(m["overall"]["f1"]) for m in c["models"]]
    assert p.text('#delta-1 tr[data-label="overall"] [data-metric=support]') == count(base["overall"]["support"])
    p.page.click('#models .runs a:text("strong")')
    assert p.page.url.endswith("/reports/strong.html")
    p.check_clean("compare-pooled")


def test_index_lists_every_report_newest_first(browser, site):
    p = Page(browser, site / "index.html")
    rows = p.page.eval_on_selector_all("#reports tbody tr", "els => els.map(e => e.dataset.report)")
    assert rows == ["reports/other-data.json", "reports/strong.json", "reports/weak.json"]
    for rel in rows:
        report = json.loads((site / rel).read_text("utf-8"))
        row = f'#reports tr[data-report="{rel}"]'
        assert p.text(f"{row} [data-metric=f1]") == pct(report["overall"]["f1"])
        for label, v in report["per_label"].items():
            assert p.text(f'{row} td[data-label="{label}"]') == pct(v["f1"])
    tags = p.texts("#reports tbody tr td:nth-child(4)")  # the test set column
    assert tags[1] == tags[2] != tags[0]  # same test set letter for weak and strong only
    comparisons = p.texts("#comparisons tbody tr")
    assert len(comparisons) == 3 and any("different test data" in t for t in comparisons)
    p.check_clean("index")


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
WORDS = [
    "BN91",
    "Nguyễn Văn An",
    "43 tuổi",
    "nam",
    "phi công",
    "Hà Nội",
    "Bệnh viện Bạch Mai",
    "ho sốt",
    "chuyến bay VN17",
    "ngày 3/12",
]


@pytest.fixture(scope="session")
def ten_labels(tmp_path_factory):
    """A report and the index with a team's ten labels, long names included (issue 16)."""
    from oracles_evaluation import build_report
    from viner.record import Example, Span

    root = tmp_path_factory.mktemp("ten-labels") / "evaluate"
    gold, predictions = [], []
    for n in range(30):
        label, word = HEALTH[n % 10], WORDS[n % 10]
        text = f"Ghi nhận {n}: {word} trong bản tin ."
        start = text.index(word)
        gold.append(Example(text, (Span(start, start + len(word), label),)))
        wrong = HEALTH[(n + 1) % 10]
        predictions.append([] if n % 7 == 3 else [Span(start, start + len(word), wrong if n % 5 == 2 else label)])
    report = build_report(
        gold,
        predictions,
        labels=HEALTH,
        name="health",
        model={
            "path": "training/health",
            "name": "vi_health",
            "version": "0.1.0",
            "config_sha256": "c" * 64,
            "size_bytes": 1,
        },
        data={"path": "corpus/test.spacy", "sha256": "d" * 64},
        training_data={"path": "corpus/train.spacy", "sha256": "t" * 64, "reason": None},
        speed={"words": 300, "seconds": 0.1, "documents": len(gold)},
        resamples=500,
    )
    write_report(report, root / "reports" / "health.json")
    return root


def test_ten_long_labels_fit_at_1400_px(browser, ten_labels):
    """Nothing a reader needs hides behind a sideways scroll or is clipped, with ten labels and long names."""
    for page_name, table in (("reports/health.html", "#confusion"), ("index.html", "#reports")):
        p = Page(browser, ten_labels / page_name)
        p.page.set_viewport_size({"width": 1400, "height": 900})
        scroll = p.page.eval_on_selector(
            table, "t => { const s = t.closest('.table-scroll'); return [s.scrollWidth, s.clientWidth]; }"
        )
        assert scroll[0] <= scroll[1], f"{page_name} {table} scrolls sideways: {scroll}"
        headers = p.texts(f"{table} thead th")
        assert "SYMPTOM_AND_DISEASE" in [h.replace("\n", "") for h in headers]
        if table == "#confusion":
            assert headers[-1] == "NONE"  # the column the caption explains, in view
            bars = p.page.eval_on_selector_all(
                "svg.chart text.label", "els => els.map(e => [e.textContent, e.getBBox().x])"
            )
            assert len(bars) >= 10 and all(x >= 0 for _, x in bars), [
                b for b in bars if b[1] < 0
            ]  # no label cut at the chart's left edge
        p.check_clean(f"ten-labels-{page_name.replace('/', '-')}")
