"""The evaluation report: keys, metadata, per-document predictions, Markdown/HTML files and the index."""

from __future__ import annotations

import json
import re

import pytest

from oracles_evaluation import build_report, gold_sha256
from viner.evaluation.index import collect, index_root
from viner.evaluation.markdown import report_markdown
from viner.evaluation.numbers import pct
from viner.evaluation.pages import report_html
from viner.evaluation.report import Report
from viner.evaluation.write import write_report
from viner.record import Example, Span

LABELS = ["PERSON", "ORG", "GPE", "EVENT"]

SENTENCES = [
    (
        "Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội.",
        [("Nguyễn Văn An", "PERSON"), ("Vinamilk", "ORG"), ("Hà Nội", "GPE")],
    ),
    ("Hội nghị APEC 2017 diễn ra tại Đà Nẵng.", [("APEC 2017", "EVENT"), ("Đà Nẵng", "GPE")]),
    (
        "Bộ Y tế cho biết Tổng thống Mỹ Donald Trump sẽ thăm Việt Nam.",
        [("Bộ Y tế", "ORG"), ("Mỹ", "GPE"), ("Donald Trump", "PERSON"), ("Việt Nam", "GPE")],
    ),
    (
        "Nga tuyên bố sẽ tham dự SEA Games 31 tổ chức tại Hà Nội.",
        [("Nga", "GPE"), ("SEA Games 31", "EVENT"), ("Hà Nội", "GPE")],
    ),
    (
        "Chủ tịch Tập đoàn Viettel Lê Đăng Dũng gặp đại diện Liên Hợp Quốc.",
        [("Tập đoàn Viettel", "ORG"), ("Lê Đăng Dũng", "PERSON"), ("Liên Hợp Quốc", "ORG")],
    ),
    (
        "Thủ tướng Phạm Minh Chính dự Diễn đàn Kinh tế Thế giới ở Thiên Tân, Trung Quốc.",
        [
            ("Phạm Minh Chính", "PERSON"),
            ("Diễn đàn Kinh tế Thế giới", "EVENT"),
            ("Thiên Tân", "GPE"),
            ("Trung Quốc", "GPE"),
        ],
    ),
    (
        "Đội tuyển Việt Nam thắng Thái Lan tại AFF Cup.",
        [("Việt Nam", "GPE"), ("Thái Lan", "GPE"), ("AFF Cup", "EVENT")],
    ),
    ("Ngân hàng Nhà nước Việt Nam giữ nguyên lãi suất.", [("Ngân hàng Nhà nước Việt Nam", "ORG")]),
]


def make_example(text: str, entities) -> Example:
    spans = []
    for surface, label in entities:
        start = text.index(surface)
        spans.append(Span(start, start + len(surface), label))
    return Example(text=text, spans=tuple(spans), meta={"source": "test"})


def gold_examples(n: int | None = None) -> list[Example]:
    return [make_example(t, e) for t, e in SENTENCES[:n]]


def weaker_predictions(gold: list[Example]) -> list[list[Span]]:
    """Misses every third entity, calls ORG 'GPE' in the first document, cuts the first PERSON short."""
    out = []
    k = 0
    for d, e in enumerate(gold):
        pred = []
        for s in e.spans:
            k += 1
            if k % 3 == 0:
                continue
            if d == 0 and s.label == "ORG":
                s = Span(s.start, s.end, "GPE")
            if d == 0 and s.label == "PERSON":
                s = Span(s.start, s.end - 3, "PERSON")
            pred.append(s)
        out.append(pred)
    return out


def make_report(name: str, predictions=None, gold=None, date: str | None = None, data_sha: str = "a" * 64) -> Report:
    gold = gold if gold is not None else gold_examples()
    predictions = predictions if predictions is not None else [list(e.spans) for e in gold]
    report = build_report(
        gold,
        predictions,
        labels=LABELS,
        model={
            "path": f"training/{name}",
            "name": f"vi_ner_{name}",
            "version": "0.1.0",
            "config_sha256": "c" * 64,
            "size_bytes": 1234567,
        },
        data={"path": "corpus/test.spacy", "sha256": data_sha},
        training_data={"path": "corpus/train.spacy", "sha256": "t" * 64, "reason": None},
        speed={"words": 200, "seconds": 0.05, "documents": len(gold)},
        name=name,
        resamples=2000,
    )
    if date:
        report.date = date
    return report


def test_report_keeps_the_first_version_keys_and_adds_the_rest():
    gold = gold_examples()
    report = make_report("weak", weaker_predictions(gold)).to_dict()
    for key in ("model", "data", "overall", "per_label", "labels", "speed", "date", "versions"):
        assert key in report
    assert len(report["data"]["sha256"]) == 64 and report["data"]["examples"] == len(gold)
    assert set(report["per_label"]["PERSON"]) >= {"precision", "recall", "f1", "support", "tp", "fp", "fn"}
    for key in ("schemas", "confusion", "errors", "uncertainty", "documents", "training_data"):
        assert key in report
    assert set(report["schemas"]["overall"]) == {"strict", "exact", "partial", "ent_type"}
    assert report["schemas"]["overall"]["strict"]["f1"] == pytest.approx(report["overall"]["f1"])
    assert report["versions"]["spacy"] and report["versions"]["nervaluate"].startswith("1.2")
    assert report["speed"]["words_per_second"] == pytest.approx(4000)
    doc = report["documents"][0]
    assert doc["text"] == gold[0].text and doc["id"] == gold[0].id
    assert doc["gold"] == [s.as_list() for s in gold[0].spans]
    assert [tuple(s) for s in doc["pred"]] == [tuple(s.as_list()) for s in sorted(weaker_predictions(gold)[0])]
    low, high = report["uncertainty"]["overall"]["f1"]
    assert low <= report["overall"]["f1"] <= high
    json.dumps(report)  # serialisable


def test_gold_hash_ignores_order_but_not_content():
    gold = gold_examples()
    assert gold_sha256(gold) == gold_sha256(list(reversed(gold)))
    changed = gold_examples()
    changed[0] = Example(changed[0].text, changed[0].spans[:-1], id=changed[0].id)
    assert gold_sha256(changed) != gold_sha256(gold)


def test_markdown_holds_the_tables(tmp_path):
    report = make_report("weak", weaker_predictions(gold_examples()))
    md = report_markdown(report)
    assert md.startswith("# Evaluation report: weak")
    for label, v in report.per_label.items():
        assert f"| {label} | {pct(v.precision)} | {pct(v.recall)} | {pct(v.f1)} |" in md
    assert "## Confusion matrix" in md and "wrong label" in md and "Nguyễn Văn" in md


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//|<link\b""", re.I)


def test_html_is_self_contained():
    html = report_html(make_report("weak", weaker_predictions(gold_examples())))
    assert not EXTERNAL.search(html)
    assert "<svg" in html and "<style>" in html and 'id="per-label"' in html and 'id="confusion"' in html
    assert "Nguyễn Văn An" in html  # UTF-8 text kept as is
    assert html.count("<li data-category=") == len(
        make_report("w", weaker_predictions(gold_examples())).errors.examples
    )


def test_html_escapes_text():
    gold = [make_example("Công ty <b>A&B</b> ở Hà Nội.", [("Hà Nội", "GPE")])]
    html = report_html(make_report("esc", [[]], gold=gold))
    assert "<b>A&B</b>" not in html and "&lt;b&gt;A&amp;B&lt;/b&gt;" in html


def test_write_report_writes_three_files_and_the_index_newest_first(tmp_path):
    gold = gold_examples()
    old = make_report("old", weaker_predictions(gold), date="2025-01-01T10:00:00+00:00")
    new = make_report("new", date="2025-02-01T10:00:00+00:00")
    reports = tmp_path / "evaluate" / "reports"
    write_report(old, reports / "old.json")
    path = write_report(new, reports / "new.json")
    assert path == reports / "new.json"
    for name in ("old", "new"):
        for suffix in (".json", ".md", ".html"):
            assert (reports / f"{name}{suffix}").is_file()
    root = tmp_path / "evaluate"
    assert index_root(path) == root
    assert (root / "index.html").is_file() and (root / "index.md").is_file()
    entries = collect(root)
    assert [r["name"] for r in entries["reports"]] == ["new", "old"]
    assert entries["reports"][0]["html"] == "reports/new.html" and entries["test_sets"] == 1
    md = (root / "index.md").read_text("utf-8")
    assert md.index("[new]") < md.index("[old]")
    html = (root / "index.html").read_text("utf-8")
    assert 'href="reports/new.html"' in html and not EXTERNAL.search(html)


def test_index_skips_foreign_json(tmp_path):
    root = tmp_path / "evaluate"
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "notes.json").write_text('{"hello": 1}', "utf-8")
    (root / "reports" / "broken.json").write_text("{", "utf-8")
    write_report(make_report("only"), root / "reports" / "only.json")
    assert [r["name"] for r in collect(root)["reports"]] == ["only"]


def test_report_outside_a_reports_folder_indexes_its_own_folder(tmp_path):
    path = write_report(make_report("loose"), tmp_path / "loose.json")
    assert index_root(path) == tmp_path and (tmp_path / "index.html").exists()
