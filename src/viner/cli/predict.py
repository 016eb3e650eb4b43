"""`viner predict`: pre-annotate units with a trained pipeline (batch, streaming)."""

from __future__ import annotations

from pathlib import Path

from ..distributed import predict_on_ray
from ..errors import VinerError
from ..predict import PredictStats, predict
from ._util import Arg, Opt, app, msg


@app.command("predict")
def predict_cli(
    model: str = Arg(
        ...,
        help="Trained pipeline folder (e.g. training/model-best), or blank:vi for none (with --patterns)",
        show_default=False,
    ),
    inputs: list[Path] = Arg(
        ..., help="Units to annotate: Doccano JSONL files or folders (e.g. corpus/docs.jsonl)", show_default=False
    ),
    output: Path = Opt(
        ..., "--output", "-o", help="JSONL to write: the units with the model's entities as spans", show_default=False
    ),
    batch_size: int = Opt(256, "--batch-size", "-b", help="Docs per batch given to nlp.pipe"),
    n_process: int = Opt(1, "--n-process", "-n", help="Worker processes for nlp.pipe (at most the number of cores)"),
    patterns: Path | None = Opt(
        None,
        "--patterns",
        help="Patterns JSONL (spaCy EntityRuler format, e.g. from `viner patterns`) applied after the model; they win on overlap except inside a longer model entity",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
    scores: bool = Opt(
        False,
        "--scores",
        help="Add the beam's uncertainty per unit and confidence per span to each row's meta (viner.confidence; one process)",
    ),
    force: bool = Opt(
        False, "--force", help="Replace an existing output that holds spans (earlier predictions or annotations)"
    ),
    ray: bool = Opt(
        False,
        "--ray",
        help='Run on Ray Data: a pool of actors, each holding the model (needs `pip install "viner[ray]"`); a local runtime with every core unless --address is given',
    ),
    address: str | None = Opt(
        None,
        "--address",
        help="With --ray: join this Ray cluster (host:port of `ray start --head`, or auto) instead of starting a local runtime",
        show_default=False,
    ),
    actors: int | None = Opt(
        None,
        "--actors",
        help="With --ray: how many actors (one CPU and one copy of the model each) [default: every CPU of the runtime]",
        show_default=False,
    ),
    shard_size: int | None = Opt(
        None,
        "--shard-size",
        help="With --ray: write OUTPUT as a folder of shards (part-00000.jsonl, ...) of this many rows each, instead of one file",
        show_default=False,
    ),
) -> None:
    """Run the model over the units and write its entities as Doccano spans: suggestions for
    annotators to correct (`viner doccano push`, the ner.correct workflow) or silver data.
    Streams: memory stays flat however many units there are. With --scores each row's meta gets
    "uncertainty" (0 = sure, 1 = unsure; what `viner doccano push --select uncertain` ranks by) and
    "confidence": [start, end, label, probability] per span. With --ray the same rows, in the same
    order, come from a pool of Ray actors on this machine or a cluster (docs/large-corpora.md).
    """

    def show(stats: PredictStats) -> None:
        msg.text(f"... {stats.units} units, {stats.words_per_second:,.0f} words/s")

    if ray:
        if n_process != 1:
            raise VinerError("--n-process is for one machine without Ray; with --ray give --actors")
        stats = predict_on_ray(
            model,
            inputs,
            output,
            address=address,
            actors=actors,
            batch_size=batch_size,
            shard_size=shard_size,
            scores=scores,
            patterns=patterns,
            force=force,
            progress=show,
            say=msg.text,
        )
    elif address is not None or actors is not None or shard_size is not None:
        raise VinerError("--address, --actors and --shard-size work with --ray only: add --ray")
    else:
        stats = predict(
            model,
            inputs,
            output,
            batch_size=batch_size,
            n_process=n_process,
            progress=show,
            force=force,
            scores=scores,
            patterns=patterns,
        )
    msg.good(
        f"{stats.units} units, {stats.entities} entities, {stats.words:,} words in {stats.seconds:.1f} s ({stats.words_per_second:,.0f} words/s) -> {output}"
    )
