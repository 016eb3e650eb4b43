"""`viner convert`: span files -> train/dev/test DocBins for `spacy train`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from ..convert import convert
from ..split import parse_ratios
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels


@app.command("convert")
def convert_cli(
    inputs: List[Path] = Arg(..., help="Doccano JSONL files or folders of them (gold annotations)", show_default=False),
    output: Path = Opt(Path("corpus"), "--output", "-o", help="Folder for train.spacy, dev.spacy, test.spacy and convert-report.json"),
    config: Path = Opt(Path("configs/ner.cfg"), "--config", "-c", help="Training config whose language and tokenizer the gold docs are tokenised with"),
    split: str = Opt("0.8,0.1,0.1", "--split", "-s", help="Ratios of units for train,dev,test (whole articles are assigned)"),
    seed: int = Opt(0, "--seed", help="Seed of the article shuffle; the same seed always gives the same split"),
    misaligned: str = Opt("keep", "--misaligned", help="Spans not on token boundaries: 'keep' splits the token so the span survives, 'drop' leaves the span out; both are reported"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help=f"{LABELS_HELP} [default: PERSON,ORG,GPE,EVENT]"),
    per_file: bool = Opt(False, "--per-file", help="No split: write one NAME.spacy per input file NAME.jsonl (for corpora with their own train/dev files)"),
) -> None:
    """Validate gold annotations, split them by article and write spaCy DocBins.

    Invalid input stops the conversion with every validation error and writes nothing.
    Every span that does not align with the tokenizer's tokens is reported with file,
    line and span text, and counted. The input is read once: units are tokenised into a
    temporary file beside the output (about 1.6 KB a unit, removed at the end) until every
    article's size is known, then written to their split. Outputs above 5,000 docs are
    folders of DocBin shards, which spacy train reads like a file.
    """
    report = convert(
        inputs,
        output,
        config=config,
        ratios=parse_ratios(split),
        seed=seed,
        labels=parse_labels(labels),
        misaligned=misaligned,
        per_file=per_file,
        on_misaligned=lambda m: msg.warn(str(m)),
        progress=lambda stage, count: msg.text(f"... {count:,} units {stage}"),
    )
    for where in report.duplicates:
        msg.warn(f"{where}: duplicate unit (same text as an earlier one) skipped")
    msg.table(report.table(), header=("split", "articles", "units", *report.labels()), divider=True, title="Conversion")
    if report.misaligned:
        action = "tokens split to keep them" if misaligned == "keep" else "left out"
        msg.warn(f"{len(report.misaligned)} span(s) did not align with the tokenizer ({action})")
    if report.duplicates:
        msg.warn(f"{len(report.duplicates)} duplicate unit(s) skipped")
    msg.good(f"Wrote {', '.join(str(p) for p in report.outputs.values())}")
