"""`viner agree`: inter-annotator agreement from a pull snapshot."""

from __future__ import annotations

import shlex
from pathlib import Path

from ..agreement import agree
from ..io import write_json
from ..snapshot import SkippedUnit, snapshot_project
from ._util import LABELS_HELP, PROBLEMS_SHOWN, Arg, Opt, app, msg, parse_labels

SKIP_INVALID_HELP = "Go on without the units for which an annotator's row is invalid (left out for every annotator, counted and listed); without it such a row stops the command"


def report_skipped(skipped: list[SkippedUnit]) -> None:
    """The units left out because a row is invalid: unchecked work apart, then each skipped unit with its problem."""
    unchecked = [s for s in skipped if not s.checked]
    if unchecked:
        msg.info(
            f"{len(unchecked)} unchecked row(s) with invalid spans not used (unfinished work; first: "
            f"{unchecked[0].annotator}'s unit {unchecked[0].unit_id})"
        )
    left_out = [s for s in skipped if s.checked]
    if not left_out:
        return
    msg.warn(f"{len({s.unit_id for s in left_out})} unit(s) left out (--skip-invalid): an annotator's row is invalid")
    for item in left_out[:PROBLEMS_SHOWN]:
        msg.text(f"  {item.annotator}, unit {item.unit_id}: {item.problems[0] if item.problems else 'invalid row'}")


def review_project(snapshot: list[Path]) -> str:
    """The review project's name for a snapshot: its project's name (from the manifest) + "-review"."""
    project = snapshot_project(snapshot)
    return shlex.quote(f"{project}-review") if project else "<NAME>-review"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@app.command("agree")
def agree_cli(
    snapshot: list[Path] = Arg(
        ...,
        help="Snapshot folder from `viner doccano pull` (or annotator JSONL files, one per annotator, named after them)",
        show_default=False,
    ),
    output: Path | None = Opt(
        None,
        "--output",
        "-o",
        help="Also write the full report (every pair, label and disagreement) as JSON here",
        show_default=False,
    ),
    all_units: bool = Opt(
        False,
        "--all-units",
        help="Compare every unit both annotators have, not only the units both marked as checked in Doccano",
    ),
    show: int = Opt(20, "--show", help="How many disagreeing units to list (0: none; the JSON report has all)"),
    skip_invalid: bool = Opt(False, "--skip-invalid", help=SKIP_INVALID_HELP),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
) -> None:
    """Inter-annotator agreement: pairwise strict span F1 and token-level Cohen's kappa.

    Spans agree when start, end and label are equal; precision, recall and F1 are given per
    pair (the first annotator as reference), per label and overall (micro, pooled over pairs).
    Kappa (scikit-learn) is computed over syllable/punctuation tokens (regex \\w+|[^\\w\\s]),
    each token taking the label of the span it overlaps or O. Only units that both annotators
    marked as checked are compared unless --all-units. Lists the units where they disagree.
    """
    report = agree(snapshot, labels=parse_labels(labels), include_unconfirmed=all_units, skip_invalid=skip_invalid)
    report_skipped(report.skipped)
    rows = [
        (
            f"{p.a} / {p.b}",
            p.units,
            p.overall.gold,
            p.overall.predicted,
            p.overall.tp,
            _fmt(p.overall.precision),
            _fmt(p.overall.recall),
            _fmt(p.overall.f1),
            p.tokens,
            _fmt(p.kappa),
        )
        for p in report.pairs
    ]
    msg.table(
        rows,
        header=("pair", "units", "spans A", "spans B", "agreed", "P", "R", "F1", "tokens", "kappa"),
        divider=True,
        title="Pairwise agreement (strict spans, A = reference)",
    )
    label_rows = [(label, c.gold, c.predicted, c.tp, _fmt(c.f1)) for label, c in report.per_label.items()]
    label_rows.append(
        ("ALL (micro)", report.overall.gold, report.overall.predicted, report.overall.tp, _fmt(report.overall.f1))
    )
    msg.table(
        label_rows,
        header=("label", "spans A", "spans B", "agreed", "F1"),
        divider=True,
        title="Per label, all pairs pooled",
    )
    if report.units_single:
        msg.info(f"{report.units_single} unit(s) finished by only one annotator are not compared")
    if report.units_compared == 0:
        msg.warn("no unit was finished by two annotators: mark units as checked in Doccano, or pass --all-units")
    if report.disagreements:
        msg.divider(f"{len(report.disagreements)} unit(s) with disagreements")
        for item in report.disagreements[: max(show, 0)]:
            where = f"unit {item.unit_id}" + (f" (Doccano #{item.doccano_id})" if item.doccano_id is not None else "")
            diffs = "; ".join(
                f"{name}: {span.text_in(item.text)!r} {span.label} [{span.start}:{span.end}]"
                for name, span in item.differences()
            )
            msg.text(f"{where}: {diffs}")
        if len(report.disagreements) > show:
            msg.text(
                f"... and {len(report.disagreements) - show} more"
                + (f" (all in {output})" if output else " (pass -o report.json for all)")
            )
    if output:
        write_json(report.to_dict(), output)
        msg.good(f"Wrote {output}")
    msg.good(
        f"Span F1 (strict, micro): {_fmt(report.overall.f1)}; mean pairwise token kappa: {_fmt(report.mean_kappa)}; {report.units_compared} unit(s) compared"
    )
