"""`viner validate`: check span files in Doccano's JSONL format."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InvalidInput
from ..validate import validate_paths
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels, print_problems


@app.command("validate")
def validate_cli(
    inputs: list[Path] = Arg(
        ...,
        help='JSONL files or folders of them ({"text": ..., "label": [[start, end, "LABEL"], ...]})',
        show_default=False,
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP),
    any_label: bool = Opt(False, "--any-label", help="Accept every label (skip the label-set check)"),
) -> None:
    """Check every record: JSON syntax, the text field, offsets in range, start < end, no
    overlapping spans, known labels, no leading/trailing whitespace in spans, NFC text.

    Problems are printed as FILE:LINE: FIELD: MESSAGE, the first 50 of them (as every viner
    command prints bad input), then how many more there are; the exit status is 1 when
    there is at least one. A UTF-8 BOM and CRLF line endings are accepted.
    """
    report = validate_paths(inputs, None if any_label else parse_labels(labels))
    summary = f"{report.records} records in {len(report.files)} file(s): {report.valid} valid with {report.spans} spans"
    if report.ok:
        msg.good(summary)
        return
    print_problems(InvalidInput(report.problems))
    msg.fail(f"{summary}; {len(report.problems)} problem(s) in {report.invalid} record(s)")
    raise typer.Exit(1)
