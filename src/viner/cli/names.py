"""`viner names`: names harvested from raw text after the words that announce them in the gold."""

from __future__ import annotations

from pathlib import Path

from ..name_harvest import harvest_names
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels


@app.command("names")
def names_cli(
    raw: list[Path] = Arg(
        ...,
        help="Raw text: .txt articles, JSONL with a text field, DocBins, or folders of them (what `viner vectors` reads)",
        show_default=False,
    ),
    gold: list[Path] = Opt(
        ...,
        "--gold",
        "-g",
        help="Gold JSONL files or folders the triggers are learned from (repeat the option for several)",
        show_default=False,
    ),
    output: Path = Opt(
        ...,
        "--output",
        "-o",
        help="Names JSONL to write (spaCy EntityRuler format, phrase patterns)",
        show_default=False,
    ),
    min_count: int = Opt(3, "--min-count", help="Keep a name seen at least this many times after a trigger"),
    min_share: float = Opt(0.8, "--min-share", help="... and with one label in at least this share of its sightings"),
    min_trigger_count: int = Opt(
        5,
        "--min-trigger-count",
        help="A trigger must precede an entity of its label at least this many times in the gold",
    ),
    min_trigger_precision: float = Opt(
        0.8,
        "--min-trigger-precision",
        help="... and be followed by one in at least this share of the times a capitalised syllable follows it",
    ),
    report: Path | None = Opt(
        None,
        "--report",
        help="JSON with the triggers learned and every name kept, with its sightings",
        show_default=False,
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
    any_label: bool = Opt(False, "--any-label", help="Accept every label in the gold"),
) -> None:
    """Harvest names from raw text: the gold teaches which lower-case words announce a
    label (`ông` a PERSON, `tỉnh` a GPE); every run of capitalised syllables after one of them in
    the raw text is a sighting, and a name seen often enough with one label is kept. The file feeds
    the viner_names component of experiments/configs/syllable-words-names.cfg (`--paths.names FILE`):
    the model then knows names its annotations never show. Shows the triggers learned."""
    result = harvest_names(
        raw,
        gold,
        output,
        labels=None if any_label else parse_labels(labels),
        min_count=min_count,
        min_share=min_share,
        min_trigger_count=min_trigger_count,
        min_trigger_precision=min_trigger_precision,
        report=report,
    )
    for label in sorted({t.label for t in result.triggers}):
        words = [" ".join(t.words) for t in result.triggers if t.label == label]
        msg.text(f"{label}: {len(words)} trigger(s): {', '.join(words[:12])}{', ...' if len(words) > 12 else ''}")
    counts = ", ".join(f"{label} {n}" for label, n in sorted(result.by_label().items()))
    msg.good(f"{len(result.names)} name(s) ({counts}) from {result.lines} line(s) of raw text -> {output}")
