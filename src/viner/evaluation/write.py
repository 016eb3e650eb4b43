"""The files of a report and of a comparison: JSON, Markdown and HTML side by side, then the index.

A report's per-document predictions go to its sidecar ``NAME.predictions.jsonl``
(:mod:`.predictions`); the JSON names the sidecar and its hash.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from ..io import atomic_path, file_target, write_json, write_text
from .comparison import Comparison
from .index import index_root, write_index
from .markdown import comparison_markdown, report_markdown
from .pages import comparison_html, report_html
from .predictions import predictions_file
from .report import Report, report_paths


def write_report(report: Report, output: Path | str, *, index: bool = True) -> Path:
    """Write the report as JSON, Markdown and self-contained HTML; regenerate the index of reports.

    Returns the JSON path. ``output`` may end in .json (or .md/.html: the siblings are written too).
    Per-document predictions held in the report (``documents``: built in memory, or an older
    report) are written to the sidecar ``NAME.predictions.jsonl``; a sidecar that
    :func:`~.evaluate.evaluate` wrote elsewhere is copied there.
    """
    paths = report_paths(output)
    sidecar = paths["predictions"]
    predictions = report.predictions
    if report.documents is not None:
        with predictions_file(sidecar) as writer:
            for row in report.documents:
                writer.write(row)
        predictions = writer.info(sidecar)
    elif predictions is not None:
        source = Path(predictions.path or predictions.file)
        if source.resolve() != sidecar.resolve() and source.is_file():
            with atomic_path(file_target(sidecar)) as tmp:
                shutil.copyfile(source, tmp)
        predictions = dataclasses.replace(predictions, file=sidecar.name, path=None)
    written = dataclasses.replace(report, documents=None, predictions=predictions)
    write_json(written.to_dict(), paths["json"])
    write_text(report_markdown(written), paths["md"])
    write_text(report_html(written), paths["html"])
    if index:
        write_index(index_root(paths["json"]))
    return paths["json"]


def write_comparison(comparison: Comparison, output: Path | str, *, index: bool = True) -> dict[str, Path]:
    """Write the comparison as HTML, Markdown and JSON side by side; regenerate the index."""
    paths = report_paths(output)
    write_json(comparison.to_dict(), paths["json"])
    write_text(comparison_markdown(comparison), paths["md"])
    write_text(comparison_html(comparison, paths["html"].parent), paths["html"])
    if index:
        write_index(index_root(paths["json"]))
    return paths
