"""``evaluate/index.html`` and ``index.md``: every report and comparison, newest first.

The index is rebuilt from the files on disk after every ``viner evaluate`` and ``viner
compare``: reports in ``<root>/reports/*.json`` (and ``<root>/*.json``), comparisons in
``<root>/compare-*.json``. Files that are not viner reports are skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..io import write_text
from .comparison import COMPARISON_KIND, Comparison
from .markdown import index_markdown
from .numbers import points
from .pages import index_html
from .report import Report, is_report


def index_root(output: Path | str) -> Path:
    """The folder holding the index for an output file: the parent of a ``reports/`` folder, else the file's folder."""
    folder = Path(output).resolve().parent
    return folder.parent if folder.name == "reports" else folder


def _load(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _sibling(path: Path, suffix: str, root: Path) -> str | None:
    other = path.with_suffix(suffix)
    return Path(os.path.relpath(other, root)).as_posix() if other.exists() else None


def _comparison_entry(comparison: Comparison) -> dict:
    summary = []
    for c in comparison.comparisons:
        if not c.comparable:
            summary.append(f"{c.b_name}: not comparable (different test data)")
        elif c.bootstrap:
            o = c.bootstrap.overall
            summary.append(
                f"{c.b_name} vs {c.a_name}: {points(o.delta)} ({points(o.ci[0])} to {points(o.ci[1])}), {o.verdict}"
            )
        else:
            summary.append(f"{c.b_name} vs {c.a_name}: {points((c.deltas or {}).get('overall'))} (no interval)")
    return {
        "date": comparison.date,
        "models": [m.name for m in comparison.models],
        "summary": "; ".join(summary),
        "all_comparable": comparison.all_comparable,
    }


def _report_entry(report: Report) -> dict:
    m, d = report.model, report.data
    return {
        "name": report.name,
        "date": report.date,
        "model": f"{m.name} (external)" if report.external else m.title,
        "model_path": m.path,
        "data": d.path,
        "data_hash": d.tag,
        "examples": d.examples,
        "entities": d.entities,
        "precision": report.overall.precision,
        "recall": report.overall.recall,
        "f1": report.overall.f1,
        "f1_ci": report.ci(),
        "per_label": {label: v.f1 for label, v in report.per_label.items()},
        "unseen_f1": report.slices.unseen.overall.f1 if report.slices and report.slices.unseen else None,
        "unseen_why": report.slices.reason if report.slices else None,
        "wps": report.speed.words_per_second,
    }


def _newest_first(entry: dict) -> tuple[str, float]:
    """The sort key of an index entry (sorted in reverse): its date, then its file's time."""
    return entry["date"] or "", entry["mtime"]


def collect(root: Path | str) -> dict:
    """Headline figures of every report and comparison under ``root``, newest first."""
    root = Path(root).resolve()
    files = sorted(set((root / "reports").glob("*.json")) | set(root.glob("*.json")))
    reports, comparisons, labels = [], [], {}
    for path in files:
        data = _load(path)
        if data is None:
            continue
        files_of = {
            "json": Path(os.path.relpath(path, root)).as_posix(),
            "html": _sibling(path, ".html", root),
            "md": _sibling(path, ".md", root),
            "mtime": path.stat().st_mtime,
        }
        if data.get("kind") == COMPARISON_KIND:
            try:
                comparison = Comparison.from_dict(data)
            except (TypeError, KeyError, AttributeError, ValueError):  # a comparison viner cannot read: skipped
                continue
            comparisons.append({"name": path.stem, **_comparison_entry(comparison), **files_of})
        elif is_report(data):
            try:
                report = Report.from_dict(data)
            except (TypeError, KeyError, AttributeError, ValueError):  # overall/per_label, but not of a viner report
                continue
            labels.update(dict.fromkeys(report.per_label))
            entry = _report_entry(report)
            reports.append({**entry, "name": entry["name"] or path.stem, **files_of})
    reports.sort(key=_newest_first, reverse=True)
    comparisons.sort(key=_newest_first, reverse=True)
    hashes: dict[str, str] = {}
    for r in reports:  # a short tag per distinct test set, so equal data is visible at a glance
        if r["data_hash"] and r["data_hash"] not in hashes:
            hashes[r["data_hash"]] = chr(ord("A") + len(hashes) % 26)
    for r in reports:
        r["data_tag"] = hashes.get(r["data_hash"], "?")
    return {"reports": reports, "comparisons": comparisons, "labels": list(labels), "test_sets": len(hashes)}


def write_index(root: Path | str) -> tuple[Path, Path]:
    """Regenerate ``root/index.html`` and ``root/index.md``; returns their paths."""
    root = Path(root)
    entries = collect(root)
    html = write_text(index_html(entries), root / "index.html")
    md = write_text(index_markdown(entries), root / "index.md")
    return html, md
