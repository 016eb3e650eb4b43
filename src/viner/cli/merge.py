"""`viner merge`: annotators' units into one gold file, conflicts into a review file, from a pull snapshot."""

from __future__ import annotations

from pathlib import Path

import typer

from ..merge import merge
from ._util import LABELS_HELP, Arg, Opt, app, fail, msg, parse_labels
from .agreement import SKIP_INVALID_HELP, report_skipped, review_project


@app.command("merge")
def merge_cli(
    snapshot: list[Path] = Arg(
        ..., help="Snapshot folder from `viner doccano pull` (or annotator JSONL files)", show_default=False
    ),
    output: Path = Opt(
        ..., "--output", "-o", help="Gold JSONL to write, e.g. annotations/gold/NAME.jsonl", show_default=False
    ),
    review_file: Path | None = Opt(
        None,
        "--review-file",
        help="Where conflicts go [default: annotations/review/NAME.jsonl for an output in annotations/gold/, else NAME.review.jsonl beside the output]",
        show_default=False,
    ),
    adjudicated: list[Path] = Opt(
        [],
        "--adjudicated",
        "-a",
        help="Snapshot of a pulled review project: its checked units replace the conflicts they resolve (repeatable)",
        show_default=False,
    ),
    min_annotators: int = Opt(
        2,
        "--min-annotators",
        help="Units finished by fewer annotators stay pending (capped at the number of annotators)",
    ),
    all_units: bool = Opt(
        False, "--all-units", help="Use every unit in the files, not only the units the annotators marked as checked"
    ),
    force: bool = Opt(False, "--force", help="Replace an existing gold or review file"),
    skip_invalid: bool = Opt(False, "--skip-invalid", help=SKIP_INVALID_HELP),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
) -> None:
    """Merge annotators into one gold file; conflicts go to a review file, none is dropped.

    A unit whose annotators all have the same spans goes to gold; a unit where they differ
    goes, whole, to the review file with each annotator's version and the agreed spans as
    pre-annotations (push it with `viner doccano push --review`, adjudicate, pull, then merge
    again with --adjudicated). Units finished by fewer than --min-annotators are listed as
    pending. Nothing is overwritten without --force.
    """
    result = merge(
        snapshot,
        output,
        review_file=review_file,
        adjudicated=adjudicated,
        min_annotators=min_annotators,
        include_unconfirmed=all_units,
        labels=parse_labels(labels),
        force=force,
        skip_invalid=skip_invalid,
    )
    report_skipped(result.skipped)
    rows = [
        ("agreed", result.agreed),
        ("adjudicated", result.adjudicated),
        ("conflicts -> review", len(result.conflicts)),
        ("pending", len(result.pending)),
    ]
    if any(s.checked for s in result.skipped):
        rows.append(("left out (invalid row)", len({s.unit_id for s in result.skipped if s.checked})))
    msg.table(
        rows,
        header=("units", "count"),
        divider=True,
        title=f"Merge of {', '.join(result.annotators)} (min. {result.min_annotators} annotator(s) per unit)",
    )
    if result.pending:
        shown = ", ".join(f"{uid} ({'+'.join(by) or 'nobody'})" for uid, by in result.pending[:10])
        msg.warn(
            f"{len(result.pending)} unit(s) pending (finished by fewer than {result.min_annotators}): {shown}{' ...' if len(result.pending) > 10 else ''}"
        )
    if result.unused_adjudications:
        msg.warn(
            f"{len(result.unused_adjudications)} adjudicated unit(s) are not in the snapshot and were not used (first: {result.unused_adjudications[0]})"
        )
    if result.conflicts:
        msg.warn(
            f"{len(result.conflicts)} conflict(s) -> review file {result.review_file}; adjudicate them: "
            f"viner doccano push {result.review_file} --review --project {review_project(snapshot)} --create"
        )
    elif result.removed_stale:
        msg.info(f"No conflicts left; removed the review file of an earlier merge, {result.stale_review}")
    elif result.stale_review is not None:
        msg.warn(
            f"No conflicts left, but {result.stale_review} is from an earlier merge: do not push it again (--force removes it)"
        )
    else:
        msg.good("No conflicts left")
    if result.output is None:
        fail(
            f"no gold written: no unit is agreed or adjudicated yet ({output} was not created); "
            "adjudicate the conflicts, then merge again with --adjudicated"
        )
        raise typer.Exit(1)
    msg.good(f"Wrote {len(result.gold)} gold unit(s) to {result.output}")
