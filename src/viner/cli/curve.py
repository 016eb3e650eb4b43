"""`viner curve`: does more annotation still help? (Prodigy's train-curve.)"""

from __future__ import annotations

from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides

from ..curve import learning_curve, parse_fractions, write_outputs
from ._util import Arg, Opt, app, msg


@app.command("curve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def curve_cli(
    ctx: typer.Context,
    config: Path = Arg(Path("configs/ner.cfg"), help="Training config"),
    train: Path = Opt(Path("corpus/train.spacy"), "--train", "-t", help="Training data (DocBin from `viner convert`)"),
    dev: Path = Opt(Path("corpus/dev.spacy"), "--dev", "-d", help="Dev data every model is scored on"),
    output: Path = Opt(Path("evaluate/curve"), "--output", "-o", help="Folder for curve.json, curve.md and curve.png"),
    fractions: str = Opt("0.25,0.5,0.75,1", "--fractions", "-f", help="Fractions of the training docs to train on"),
    seed: int = Opt(0, "--seed", help="Seed of the doc shuffle and of training"),
) -> None:
    """Train the config on growing fractions of the training data (each a superset of the
    previous, seeded) and report dev F1 overall and per label at each size, as a table and a plot.

    Extra options are config overrides as in `spacy train`, e.g. `--training.max_steps 2000`.
    """
    overrides = parse_config_overrides(ctx.args)
    points = parse_fractions(fractions)
    msg.info(f"Training {len(points)} models on {', '.join(f'{p:.0%}' for p in points)} of {train}")

    def show(point) -> None:
        msg.good(
            f"{point.fraction:.0%} ({point.train_docs} docs): dev F1 {point.overall['f1']:.1%} in {point.seconds:.0f} s"
        )

    curve = learning_curve(config, train, dev, fractions=points, seed=seed, overrides=overrides, on_point=show)
    labels = curve.labels
    rows = [
        (
            f"{p.fraction:.0%}",
            p.train_docs,
            f"{p.overall['f1']:.1%}",
            *(f"{p.per_label[label]['f1']:.1%}" for label in labels),
        )
        for p in curve.points
    ]
    msg.table(rows, header=("fraction", "docs", "F1", *labels), divider=True, title="Learning curve (dev F1)")
    msg.info(curve.verdict())
    written = write_outputs(curve, output)
    msg.good(f"Wrote {', '.join(str(p) for p in written.values())}")
