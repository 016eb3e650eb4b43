"""`viner silver`: a trained model (or an ensemble) labels raw text; what it is sure of becomes training docs."""

from __future__ import annotations

import time
from pathlib import Path

from ..silver import SUMMARY, SilverOptions, SilverSummary, make_silver
from ._util import PROBLEMS_SHOWN, Arg, Opt, app, msg, parse_names


@app.command("silver")
def silver_cli(
    models: str = Arg(
        ...,
        help="Trained pipeline folder (e.g. training/model-best), or several comma-separated (an ensemble, e.g. seeds)",
        show_default=False,
    ),
    inputs: list[Path] = Arg(
        ...,
        help="Raw text: .txt (one paragraph per line) or Doccano JSONL (field text), files or folders",
        show_default=False,
    ),
    output: Path = Opt(
        ...,
        "--output",
        "-o",
        help="Folder for the silver shards (shard-NNNNN.spacy), their counts, manifest.json and summary.json",
        show_default=False,
    ),
    threshold: float = Opt(
        0.9,
        "--threshold",
        "-t",
        help="Keep an entity when its beam confidence is at least this (an ensemble: the mean over the models, and every model's best parse must hold it)",
    ),
    doubt: float = Opt(
        0.01,
        "--doubt",
        help="Mark missing (neither entity nor O) the tokens of any span not kept that some model's beam gives at least this probability",
    ),
    max_uncertainty: float | None = Opt(
        None,
        "--max-uncertainty",
        help="Leave out units whose beam uncertainty (the largest over the models) is above this, from 0 to 1 [default: keep all]",
        show_default=False,
    ),
    max_units: int | None = Opt(
        None, "--max-units", help="Stop after this many units (of the --sample) [default: all]", show_default=False
    ),
    sample: float = Opt(
        1.0,
        "--sample",
        help="Label this share of the units (0.1: a tenth), chosen by a hash of each text: spread over the whole text, the same on every run",
    ),
    shard_size: int = Opt(2000, "--shard-size", help="Units of raw text per shard: the step a re-run resumes from"),
    batch_size: int = Opt(64, "--batch-size", "-b", help="Units given to the models at a time"),
    beam_width: int = Opt(16, "--beam-width", help="Parses the beam keeps when scoring (wider: slower, finer)"),
    force: bool = Opt(
        False,
        "--force",
        help="Replace silver in OUTPUT made from other models, raw text or options (without it: refused); silver of the same ones is always resumed",
    ),
) -> None:
    """Self-training data: the model labels raw text and the entities it is sure of become spaCy
    training docs ("silver") in OUTPUT; the tokens of entities it is unsure of are marked missing,
    so training learns neither an entity nor "O" there. Train on gold + silver with
    `python -m spacy train configs/ner.cfg --paths.train FOLDER`, FOLDER holding the gold train
    DocBin and OUTPUT (spaCy reads every .spacy under a folder; docs/self-training.md). Run again
    with the same models, text and options to resume after an interruption: finished shards are
    kept. Lines that cannot be read are skipped and reported with file and line.
    """
    names = parse_names(models, "MODELS", "training/model-best,training/seed1/model-best")
    options = SilverOptions(
        threshold=threshold,
        doubt=doubt,
        max_uncertainty=max_uncertainty,
        max_units=max_units,
        sample=sample,
        shard_size=shard_size,
        batch_size=batch_size,
        beam_width=beam_width,
    )
    shown = [0.0]

    def show(summary: SilverSummary, shards_done: int) -> None:
        now = time.monotonic()
        if now - shown[0] >= 10:
            shown[0] = now
            msg.text(
                f"... {summary.units_read:,} units read, {shards_done} shard(s) done "
                f"({summary.shards_resumed} from an earlier run), {summary.units_per_second:,.1f} units/s"
            )

    summary = make_silver(names, inputs, output, options, progress=show, force=force)
    for problem in summary.problems[:PROBLEMS_SHOWN]:
        msg.warn(f"skipped: {problem}")
    if len(summary.problems) > PROBLEMS_SHOWN:
        msg.warn(f"... and {len(summary.problems) - PROBLEMS_SHOWN} more lines skipped (all in {output / SUMMARY})")
    counts = summary.counts
    msg.table(
        [
            ("units read", f"{summary.units_read:,}"),
            ("lines skipped (unreadable)", f"{len(summary.problems):,}"),
            ("duplicates left out", f"{summary.raw.duplicates:,}"),
            ("left out of the --sample", f"{summary.raw.not_sampled:,}"),
            ("units kept", f"{counts.units_kept:,}"),
            ("left out: too uncertain", f"{counts.units_uncertain:,}"),
            ("left out: all tokens missing", f"{counts.units_all_missing:,}"),
            ("tokens", f"{counts.tokens:,}"),
            ("tokens marked missing", f"{counts.tokens_missing:,}"),
            *[(f"entities kept: {label}", f"{n:,}") for label, n in sorted(counts.entities_kept.items())],
            *[(f"entities withheld: {label}", f"{n:,}") for label, n in sorted(counts.entities_withheld.items())],
        ],
        title="Silver",
    )
    msg.good(
        f"{summary.shards} shard(s) in {output} ({summary.shards_resumed} kept from an earlier run), "
        f"{summary.units_labelled:,} units labelled in {summary.seconds:.1f} s ({summary.units_per_second:,.1f} units/s); "
        f"counts in {output / SUMMARY}"
    )
