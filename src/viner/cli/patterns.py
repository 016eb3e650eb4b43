"""`viner patterns`: turn what annotators labelled (and viner's lexicon) into pre-annotation patterns."""

from __future__ import annotations

from pathlib import Path

from ..patterns.make import make_patterns
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels


@app.command("patterns")
def patterns_cli(
    inputs: list[Path] | None = Arg(
        None,
        help="Gold JSONL files or folders (e.g. annotations/gold/); none with --lexicon: the lexicon alone (cold start)",
        show_default=False,
    ),
    output: Path = Opt(
        ..., "--output", "-o", help="Patterns JSONL to write (spaCy EntityRuler format)", show_default=False
    ),
    lexicon: bool = Opt(
        False,
        "--lexicon",
        help="Add viner's lexicon (countries, Vietnam's provinces and cities, international organisations), each entry checked against the gold too",
    ),
    min_precision: float = Opt(
        0.9,
        "--min-precision",
        help="Keep a string only if at least this share of its occurrences in the gold carry its label",
    ),
    min_count: int = Opt(
        1, "--min-count", help="Keep a string only if annotators labelled it at least this many times"
    ),
    report: Path | None = Opt(
        None,
        "--report",
        help="JSON with every string looked at: counts, precision, kept or why not",
        show_default=False,
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
    any_label: bool = Opt(False, "--any-label", help="Accept every label in the gold"),
) -> None:
    """Make patterns from gold: every string annotators labelled becomes a pattern when it
    carries that label wherever it occurs in the gold (--min-precision); strings that also occur
    unlabelled, inside another entity or with another label are left out and counted (--report
    lists them all). Use the file with `viner predict --patterns` or `viner doccano push --patterns`:
    suggestions from the first minute, before any model exists (`viner patterns --lexicon -o
    FILE` with no gold: the lexicon alone, for a project that has annotated nothing yet).
    """
    result = make_patterns(
        inputs or [],
        output,
        labels=None if any_label else parse_labels(labels),
        lexicon=lexicon,
        min_precision=min_precision,
        min_count=min_count,
        report=report,
    )
    worst = sorted(result.left_out, key=lambda s: -s.occurrences)[:5]
    for stats in worst:
        msg.text(f"left out {stats.text!r} ({stats.label}): {stats.reason}")
    if not result.units:
        msg.good(f"{len(result.patterns)} pattern(s) from the lexicon alone (no gold given) -> {output}")
        return
    lexicon_note = f" ({result.lexicon_used} from the lexicon)" if lexicon else ""
    msg.good(
        f"{len(result.patterns)} pattern(s){lexicon_note} from {result.units} unit(s) -> {output}; "
        f"{len(result.left_out)} string(s) left out" + (f" (see {report})" if report else " (--report lists them)")
    )
