"""Compare evaluation reports of model versions: side by side, deltas, paired bootstrap intervals.

The first report is the baseline (A); every other report (B) is compared with it. Two
reports are comparable only when they were measured on the same test data: the same
gold content hash (ids, texts and spans; or, for reports without it, the same file hash).
Reports on other data are listed with their own figures and flagged; no delta is computed
for them. The bootstrap pairs documents by unit id, so it needs the per-document
predictions that ``viner evaluate`` writes beside every report (``NAME.predictions.jsonl``;
reports of viner before schema 3 hold them in the JSON as ``documents``). Both files are
streamed; what is kept is one compact row of counts per document and a hash of its text
and gold, never the texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from ..errors import VinerError
from ..record import Span
from .bootstrap import DEFAULT_LEVEL, DEFAULT_RESAMPLES, DEFAULT_SEED, paired_bootstrap
from .metrics import DocumentCounter
from .predictions import documents
from .report import Report, load_report, report_paths

COMPARISON_KIND = "viner-comparison"


def same_test_data(a: Report, b: Report) -> tuple[bool, str]:
    """Whether two reports were measured on the same test data, and a sentence saying why (not)."""
    da, db = a.data, b.data
    ga, gb = da.gold_sha256, db.gold_sha256
    fa, fb = da.sha256, db.sha256
    if ga and gb:
        if ga == gb:
            extra = "" if fa == fb else " (different files, identical gold texts and spans)"
            return True, f"same test data: gold hash {ga[:12]}{extra}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} "
            f"({da.examples} examples, gold hash {ga[:12]}), {b.name} on {db.path} "
            f"({db.examples} examples, gold hash {gb[:12]})"
        )
    if fa and fb:
        if fa == fb:
            return True, f"same test data file: sha256 {fa[:12]}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} (sha256 {fa[:12]}), "
            f"{b.name} on {db.path} (sha256 {fb[:12]})"
        )
    return False, "cannot tell whether the test data are the same: a report has no test-data hash"


def _spans(rows) -> list[Span]:
    return sorted(Span(int(s), int(e), str(l)) for s, e, l in rows)


def _document_key(doc: dict) -> bytes:
    """A hash of a document's text and gold spans: enough to check that two reports saw the same document."""
    return hashlib.blake2b(json.dumps([doc["text"], [s.as_list() for s in _spans(doc["gold"])]], ensure_ascii=False).encode("utf-8"), digest_size=16).digest()


def paired_counts(a: Report, b: Report, labels: Sequence[str], path_a: Path | str | None = None, path_b: Path | str | None = None):
    """Strict tp/fp/fn per document and label of both reports, documents paired by unit id.

    Returns ``(counts_a, counts_b)``, arrays of shape ``(documents, labels, 3)`` with the
    rows in the same document order, or ``None`` when a report has no per-document
    predictions. Raises :class:`VinerError` when the documents do not pair up (an id
    missing from one report, or the same id with another text or other gold spans).
    Both reports' documents are streamed; only the counts and one hash per document are kept.
    """
    docs_a, docs_b = documents(a, path_a), documents(b, path_b)
    if docs_a is None or docs_b is None:
        return None
    counter_a = DocumentCounter(labels, fixed=True)
    rows: dict[tuple[str, int], tuple[int, bytes]] = {}
    seen: Counter = Counter()
    for doc in docs_a:
        key = (doc["id"], seen[doc["id"]])
        seen[doc["id"]] += 1
        rows[key] = (counter_a.documents, _document_key(doc))
        counter_a.add(_spans(doc["gold"]), _spans(doc["pred"]))
    counter_b = DocumentCounter(labels, fixed=True)
    seen.clear()
    paired = 0
    unpaired = 0
    for doc in docs_b:
        key = (doc["id"], seen[doc["id"]])
        seen[doc["id"]] += 1
        if key not in rows:
            unpaired += 1
            continue
        row, digest = rows[key]
        if digest != _document_key(doc):
            raise VinerError(f"{a.name} and {b.name}: document {key[0]} differs in text or gold spans")
        counter_b.add(_spans(doc["gold"]), _spans(doc["pred"]), row=row)
        paired += 1
    unpaired += len(rows) - paired
    if unpaired:
        raise VinerError(f"{a.name} and {b.name}: the documents do not pair up by unit id ({unpaired} unpaired)")
    n = counter_a.documents
    return counter_a.array(n), counter_b.array(n)


def _labels(reports: Sequence[Report]) -> list[str]:
    order: dict[str, None] = {}
    for report in reports:
        for label in [*report.labels, *report.per_label]:
            order.setdefault(label, None)
    return list(order)


def _unique_names(reports: Sequence[Report], paths: Sequence[Path | str | None]) -> list[str]:
    names, seen = [], Counter()
    for report, path in zip(reports, paths):
        name = str(report.name or (Path(path).stem if path else None) or report.model.name or "model")
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return names


def compare(
    reports: Sequence[Report],
    paths: Sequence[Path | str | None] | None = None,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> dict:
    """Compare every report with the first one (the baseline). Returns the comparison (a JSON object)."""
    if len(reports) < 2:
        raise VinerError("give at least two reports to compare")
    paths = list(paths) if paths is not None else [None] * len(reports)
    names = _unique_names(reports, paths)
    labels = _labels(reports)
    base = reports[0]
    models = []
    for name, report, path in zip(names, reports, paths):
        models.append(
            {
                "name": name,
                "report": str(path) if path else None,
                "html": str(report_paths(path)["html"]) if path else None,
                "model": asdict(report.model),
                "data": asdict(report.data),
                "training_data": asdict(report.training_data) if report.training_data else None,
                "date": report.date,
                "overall": asdict(report.overall),
                "per_label": {label: asdict(v) for label, v in report.per_label.items()},
                "uncertainty": asdict(report.uncertainty) if report.uncertainty else None,
                "speed": asdict(report.speed),
                "has_documents": report.has_documents,
            }
        )
    comparisons, warnings = [], []
    models[0]["comparable"] = True
    for i, report in enumerate(reports[1:], start=1):
        comparable, reason = same_test_data(base, report)
        models[i]["comparable"] = comparable
        entry: dict = {"a": 0, "b": i, "a_name": names[0], "b_name": names[i], "comparable": comparable, "reason": reason, "bootstrap": None}
        if not comparable:
            warnings.append(f"{names[i]} is NOT comparable with {names[0]}: {reason}; no deltas are shown for it")
        else:
            paired = paired_counts(base, report, labels, paths[0], paths[i])
            if paired is None:
                missing = names[0] if not base.has_documents else names[i]
                entry["note"] = f"{missing} has no per-document predictions (made by an older viner): deltas without intervals"
                warnings.append(entry["note"])
            else:
                counts_a, counts_b = paired
                entry["bootstrap"] = paired_bootstrap(counts_a, counts_b, labels, resamples=resamples, seed=seed, level=level)
            entry["deltas"] = {
                label: report.per_label[label].f1 - base.per_label[label].f1 if label in report.per_label and label in base.per_label else None
                for label in labels
            }
            entry["deltas"]["overall"] = report.overall.f1 - base.overall.f1
        comparisons.append(entry)
    return {
        "kind": COMPARISON_KIND,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "baseline": names[0],
        "labels": labels,
        "resamples": resamples,
        "seed": seed,
        "level": level,
        "models": models,
        "comparisons": comparisons,
        "warnings": warnings,
        "all_comparable": all(c["comparable"] for c in comparisons),
    }


def compare_files(report_files: Sequence[Path | str], **kwargs) -> dict:
    reports = [load_report(path) for path in report_files]
    return compare(reports, list(report_files), **kwargs)
