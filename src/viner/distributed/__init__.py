"""Batch pre-annotation on Ray Data (``viner predict --ray``), on this machine or a Ray cluster.

Ray is an optional extra (``pip install "viner[ray]"``): nothing here imports it until :func:`predict_on_ray`
runs, so users who never pass ``--ray`` install and load nothing new. The rows written are the rows ``viner
predict`` writes for the same input (the actors run its ``predict_examples``), in the same order, and a bad
input line stops the run with the same error. How it runs: ``run.py``; the reader: ``source.py``; the actor:
``annotator.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..io import file_target, folder_target
from ..patterns.ruler import BLANK
from ..pipeline import load_pipeline
from ..predict import PredictStats, check_request

INSTALL = 'pip install "viner[ray]"'


def ray_missing() -> str | None:
    """Why Ray cannot be used here (a one-line message saying how to install it), or None."""
    try:
        for module in ("ray", "ray.data"):  # ray.data needs the extra's other packages
            importlib.import_module(module)
    except ImportError as err:
        return f"--ray needs Ray, an optional extra that is not installed ({err}); install it with: {INSTALL}"
    return None


def predict_on_ray(
    model: str,
    inputs: Sequence[Path | str],
    output: Path | str,
    *,
    address: str | None = None,
    actors: int | None = None,
    batch_size: int = 256,
    shard_size: int | None = None,
    scores: bool = False,
    patterns: Path | str | None = None,
    force: bool = False,
    progress: Callable[[PredictStats], None] | None = None,
    every: int = 10000,
    say: Echo | None = None,
) -> PredictStats:
    """``viner predict`` on Ray: the same checks first (inputs, output, model), then the Ray Data pipeline.

    ``address`` None starts a local Ray runtime with every core of this machine (or uses the one this process
    is already connected to); otherwise joins that cluster. ``actors`` (default: one per CPU) each hold the
    pipeline. ``shard_size`` writes ``output`` as a folder of shards of that many rows; otherwise one file.
    ``say`` gets one line on the runtime used.
    """
    missing = ray_missing()
    if missing:
        raise VinerError(missing)
    if actors is not None and actors < 1:
        raise VinerError(f"--actors {actors}: give at least 1")
    if shard_size is not None and shard_size < 1:
        raise VinerError(f"--shard-size {shard_size}: give at least 1")
    target = folder_target(output) if shard_size else file_target(output)
    files, rules = check_request(
        model, inputs, target, batch_size=batch_size, scores=scores, patterns=patterns, force=force
    )
    if model != BLANK:
        load_pipeline(model)  # a bad model folder fails here, with viner predict's message, before Ray starts

    from .run import RayRun, actor_count, annotated_rows, runtime, write_rows

    run = RayRun(batch_size=batch_size, shard_size=shard_size)
    with runtime(address) as (cpus, where):
        count = actor_count(actors, cpus)
        if say is not None:
            say(f"Ray: {where}, {cpus} CPU(s), {count} actor(s), each loading {model}")
        dataset = annotated_rows(str(model), files, rules, scores, run, count)
        return write_rows(dataset, Path(output), run, files, progress, every)
