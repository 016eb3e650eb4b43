"""`viner evaluate` and `viner compare` at scale: streamed counts equal the all-in-memory ones,
the predictions sidecar, a bounded sample of errors, and reports of schema 2 still read."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import no_overlaps
from oracles_evaluation import build_report, document_counts, gold_sha256, strict_counts
from test_evaluation_cli import save_ruler_model, write_gold_jsonl
from test_evaluation_report import LABELS, gold_examples, make_report, weaker_predictions
from viner.errors import VinerError
from viner.evaluation.compare import compare, compare_files
from viner.evaluation.evaluate import evaluate
from viner.evaluation.markdown import report_markdown
from viner.evaluation.metrics import DocumentCounter
from viner.evaluation.pages import report_html
from viner.evaluation.report import Report, report_paths
from viner.evaluation.schemas import SCHEMAS, SchemaCounter
from viner.evaluation.scoring import GoldHasher
from viner.evaluation.write import write_report
from viner.record import Example, Span


@pytest.fixture
def ruler_model(tmp_path):
    return save_ruler_model(tmp_path)


@pytest.fixture
def gold_jsonl(tmp_path):
    return write_gold_jsonl(tmp_path)


spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 6), st.sampled_from(LABELS + ["MISC"])).map(
        lambda t: Span(t[0], t[0] + t[1], t[2])
    ),
    max_size=5,
).map(no_overlaps)
documents = st.lists(st.tuples(spans, spans), min_size=1, max_size=12)


def _nervaluate_once(gold, pred, tags):
    """One nervaluate call over every document: the reference the chunked counts must equal."""
    from nervaluate import Evaluator

    from viner.evaluation.schemas import _as_dict, _empty, _entities

    result = Evaluator(_entities(gold), _entities(pred), tags=tags, loader="dict").evaluate()
    overall = {s: _as_dict(result["overall"][s]) for s in SCHEMAS}
    per_label = {
        t: {s: _as_dict(result["entities"][t][s]) if t in result["entities"] else _empty() for s in SCHEMAS}
        for t in tags
    }
    return {"overall": overall, "per_label": per_label}


@settings(max_examples=150, deadline=None)
@given(documents, st.integers(1, 4))
def test_nervaluate_summed_over_chunks_equals_one_call(docs, chunk):
    gold, pred = [g for g, _ in docs], [p for _, p in docs]
    for tags, grow in ((LABELS, False), (LABELS + ["MISC"], False), (LABELS, True)):
        counter = SchemaCounter(tags, chunk=chunk, grow=grow)
        for g, p in docs:
            counter.add(g, p)
        every = list(tags) + (["MISC"] if grow and "MISC" in counter.labels else [])
        assert counter.result(every) == _nervaluate_once(gold, pred, every)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_document_counter_equals_strict_and_document_counts(docs):
    gold, pred = [g for g, _ in docs], [p for _, p in docs]
    counter = DocumentCounter(LABELS)
    for g, p in docs:
        counter.add(g, p)
    overall, per_label = strict_counts(zip(gold, pred), LABELS)
    assert list(counter.per_label) == list(per_label) and counter.per_label == per_label
    assert counter.overall() == overall
    assert np.array_equal(counter.array(), document_counts(gold, pred, list(per_label)))
    fixed = DocumentCounter(LABELS, fixed=True)
    for i, (g, p) in reversed(list(enumerate(docs))):  # rows given out of order, as compare fills them
        fixed.add(g, p, row=i)
    assert np.array_equal(fixed.array(len(docs)), document_counts(gold, pred, LABELS))


def test_gold_hash_spilled_to_sorted_runs_is_the_same():
    gold = gold_examples() * 3
    reference = hashlib.sha256()
    for row in sorted(
        json.dumps([e.id, e.text, [s.as_list() for s in sorted(e.spans)]], ensure_ascii=False) for e in gold
    ):
        reference.update(row.encode("utf-8") + b"\n")
    hasher = GoldHasher(run=2)  # many runs merged
    for example in reversed(gold):
        hasher.add(example)
    assert hasher.hexdigest() == reference.hexdigest() == gold_sha256(gold)


def test_errors_are_a_bounded_sample_with_complete_counts():
    gold = gold_examples()
    full = make_report("w", weaker_predictions(gold))
    small = build_report(
        gold,
        weaker_predictions(gold),
        labels=LABELS,
        model={"name": "w"},
        data={"path": "x", "sha256": "a" * 64},
        resamples=100,
        max_errors=1,
    )
    assert small.errors.counts == full.errors.counts
    per_category = {}
    for e in small.errors.examples:
        per_category[e.category] = per_category.get(e.category, 0) + 1
    assert max(per_category.values()) == 1 and set(per_category) == {e.category for e in full.errors.examples}
    assert small.errors.examples_total == len(full.errors.examples) > small.errors.examples_kept
    html = report_html(small)
    assert 'id="errors-sample"' in html and f"of {small.errors.examples_total} errors" in html
    assert f"of {small.errors.examples_total:,} errors" in report_markdown(small)
    assert 'id="errors-sample"' not in report_html(full)


def test_error_context_renders_as_the_whole_document_did():
    report = make_report("w", weaker_predictions(gold_examples()))
    old = json.loads(json.dumps(report.to_dict()))
    for e in old["errors"]["examples"]:
        del e["context"]  # a schema-2 report: the snippet comes from its documents
    assert report_html(report) == report_html(Report.from_dict(old))


def test_write_report_moves_documents_to_the_sidecar_and_compare_reads_it(tmp_path):
    gold = gold_examples()
    weak, strong = make_report("weak", weaker_predictions(gold)), make_report("strong")
    in_memory = compare([weak, strong], resamples=500)
    for r in (weak, strong):
        write_report(r, tmp_path / "reports" / f"{r.name}.json")
    saved = json.loads((tmp_path / "reports" / "weak.json").read_text("utf-8"))
    assert "documents" not in saved and saved["schema_version"] == 3
    sidecar = report_paths(tmp_path / "reports" / "weak.json")["predictions"]
    assert sidecar.name == "weak.predictions.jsonl" and saved["predictions"]["file"] == sidecar.name
    assert saved["predictions"]["sha256"] == hashlib.sha256(sidecar.read_bytes()).hexdigest()
    rows = [json.loads(line) for line in sidecar.read_text("utf-8").splitlines()]
    assert rows == weak.documents and saved["predictions"]["documents"] == len(gold)
    files = [tmp_path / "reports" / "weak.json", tmp_path / "reports" / "strong.json"]
    from_files = compare_files(files, resamples=500)
    assert from_files.comparisons[0].bootstrap == in_memory.comparisons[0].bootstrap

    sidecar.write_text(sidecar.read_text("utf-8").replace("Hà Nội", "Hà Nam", 1), "utf-8")
    with pytest.raises(VinerError, match="changed since the report"):
        compare_files(files, resamples=100)
    sidecar.unlink()
    with pytest.raises(VinerError, match="predictions of weak are missing"):
        compare_files(files, resamples=100)


def test_schema_2_report_with_documents_in_the_json_compares_with_a_new_one(tmp_path):
    gold = gold_examples()
    old = make_report("old", weaker_predictions(gold)).to_dict()
    old["schema_version"] = 2
    for e in old["errors"]["examples"]:
        del e["context"]
    (tmp_path / "old.json").write_text(json.dumps(old, ensure_ascii=False), "utf-8")  # as viner wrote it before
    write_report(make_report("new"), tmp_path / "new.json")
    c = compare_files([tmp_path / "old.json", tmp_path / "new.json"], resamples=300)
    assert c.comparisons[0].bootstrap.documents == len(gold)
    assert "Nguyễn Văn" in report_html(Report.from_dict(json.loads((tmp_path / "old.json").read_text("utf-8"))))


def test_documents_missing_from_one_report_do_not_pair(tmp_path):
    gold = gold_examples()
    a = make_report("a")
    b = make_report("b", gold=gold[:-1])
    b.data.gold_sha256 = a.data.gold_sha256  # pretend: same hash, fewer documents
    with pytest.raises(VinerError, match="do not pair up by unit id \\(1 unpaired\\)"):
        compare([a, b], resamples=100)


def test_evaluate_streams_into_the_sidecar(tmp_path, ruler_model, gold_jsonl):
    reports = tmp_path / "evaluate" / "reports"
    paths = report_paths(reports / "ruler.json")
    report = evaluate(ruler_model, gold_jsonl, labels=LABELS, resamples=200, predictions=paths["predictions"])
    assert report.documents is None
    rows = [json.loads(line) for line in paths["predictions"].read_text("utf-8").splitlines()]
    assert len(rows) == report.data.examples == report.predictions.documents
    assert report.predictions.sha256 == hashlib.sha256(paths["predictions"].read_bytes()).hexdigest()
    gold = [Example(r["text"], tuple(Span(*s) for s in r["gold"]), id=r["id"]) for r in rows]
    assert report.data.gold_sha256 == gold_sha256(gold)
    overall, _ = strict_counts(
        ((tuple(Span(*s) for s in r["gold"]), [Span(*s) for s in r["pred"]]) for r in rows), LABELS
    )
    assert report.overall.tp == overall.tp and report.overall.fp == overall.fp
    write_report(report, paths["json"])
    saved = json.loads(paths["json"].read_text("utf-8"))
    assert saved["predictions"] == {
        "file": "ruler.predictions.jsonl",
        "sha256": report.predictions.sha256,
        "documents": len(rows),
    }
    c = compare_files([paths["json"], paths["json"]], resamples=200)
    assert c.comparisons[0].bootstrap.overall.delta == 0


def test_cli_evaluate_names_the_sidecar(tmp_path, run_cli, ruler_model, gold_jsonl):
    out = tmp_path / "evaluate" / "reports" / "r.json"
    code, text = run_cli("evaluate", ruler_model, gold_jsonl, "-o", out, "--resamples", "200")
    assert code == 0, text
    assert "r.predictions.jsonl" in text and (out.parent / "r.predictions.jsonl").is_file()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary file left
