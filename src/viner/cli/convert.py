"""`viner convert`: span files -> train/dev/test DocBins for `spacy train`."""

from __future__ import annotations

from pathlib import Path

import spacy

from ..convert import convert
from ..convert.docbins import FAST_SPACY
from ..split import parse_ratios
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels


@app.command("convert")
def convert_cli(
    inputs: list[Path] = Arg(..., help="Doccano JSONL files or folders of them (gold annotations)", show_default=False),
    output: Path = Opt(
        Path("corpus"), "--output", "-o", help="Folder for train.spacy, dev.spacy, test.spacy and convert-report.json"
    ),
    config: Path = Opt(
        Path("configs/ner.cfg"),
        "--config",
        "-c",
        help="Training config whose language and tokenizer the gold docs are tokenised with",
    ),
    split: str = Opt(
        "0.8,0.1,0.1", "--split", "-s", help="Ratios of units for train,dev,test (whole articles are assigned)"
    ),
    seed: int = Opt(0, "--seed", help="Seed of the article shuffle; the same seed always gives the same split"),
    misaligned: str = Opt(
        "keep",
        "--misaligned",
        help="Spans not on token boundaries: 'keep' splits the token so the span survives, 'drop' leaves the span out; both are reported",
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP),
    any_label: bool = Opt(False, "--any-label", help="Accept every label in the gold (skip the label-set check)"),
    per_file: bool = Opt(
        False,
        "--per-file",
        help="No split: write one NAME.spacy per input file NAME.jsonl (for corpora with their own train/dev files)",
    ),
    keep_whole: bool = Opt(
        False,
        "--keep-whole",
        help="With --per-file: skip repeated units within a file only, so each output keeps every unit of its file even when it repeats another file's (a test set comparable with published figures)",
    ),
) -> None:
    """Validate gold annotations, split them by article and write spaCy DocBins.

    Invalid input stops the conversion with every validation error and writes nothing.
    Every span that does not align with the tokenizer's tokens is reported with file,
    line and span text, and counted. The input is read once: units are tokenised into a
    temporary file beside the output (removed at the end) until every
    article's size is known, then written to their split. Outputs above 5,000 docs are
    folders of DocBin shards, which spacy train reads like a file.
    """
    report = convert(
        inputs,
        output,
        config=config,
        ratios=parse_ratios(split),
        seed=seed,
        labels=None if any_label else parse_labels(labels),
        misaligned=misaligned,
        per_file=per_file,
        keep_whole=keep_whole,
        on_misaligned=lambda m: msg.warn(str(m)),
        progress=lambda stage, count: msg.text(f"... {count:,} units {stage}"),
    )
    if report.docbin_maker != "fast":
        msg.warn(
            f"spaCy {spacy.__version__} is not a version viner's fast DocBin writer was checked with "
            f"({', '.join(FAST_SPACY)}): converted with spaCy's own DocBin.add (slower, the same docs)"
        )
    for where in report.duplicates:
        msg.warn(f"{where}: duplicate unit (same text as an earlier one) skipped")
    msg.table(report.table(), header=("split", "articles", "units", *report.labels()), divider=True, title="Conversion")
    if report.misaligned:
        action = "tokens split to keep them" if misaligned == "keep" else "left out"
        msg.warn(f"{len(report.misaligned)} span(s) did not align with the tokenizer ({action})")
    if report.duplicates:
        where = ", ".join(f"{Path(path).name} {count}" for path, count in report.duplicates_by_file().items())
        hint = "; --keep-whole keeps each file's units whole" if per_file and not keep_whole else ""
        msg.warn(f"{len(report.duplicates)} repeated unit(s) skipped, same text as a unit read before ({where}){hint}")
    msg.good(f"Wrote {', '.join(str(p) for p in report.outputs.values())}")
