"""``viner predict --ray``: the runtime (a local one sized to the machine, or a cluster joined), the Ray Data
pipeline (read on this node, one pipeline per actor), and the output written here, atomically, in input order."""

from __future__ import annotations

import logging
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ray
from ray.data import ActorPoolStrategy, DataContext
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from ..errors import VinerError
from ..io import write_line_shards, write_lines
from ..predict import PredictStats
from .annotator import Annotator, pack_model
from .source import UnitsSource, raise_problem


@dataclass
class RayRun:
    """How the units go through the actors and out."""

    batch_size: int = 256
    shard_size: int | None = None  # rows per output shard; None = one output file


def quiet() -> None:
    """Ray's start-up tips and Ray Data's per-dataset log lines are not for viner's users: keep warnings and errors."""
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")  # silences a GPU tip; viner's actors use no GPU
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"ray\.")
    logging.getLogger("ray.data").setLevel(logging.ERROR)


@contextmanager
def runtime(address: str | None) -> Iterator[tuple[int, str]]:
    """Connect to Ray and yield (the CPUs it offers, what it is): a new local runtime with every core of this
    machine when ``address`` is None (never a cluster that ``ray start`` left running here), that cluster
    otherwise, or the runtime this process is already connected to."""
    quiet()
    if ray.is_initialized():
        yield int(ray.cluster_resources().get("CPU", 0)), "the runtime this process is connected to"
        return
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if address:
            ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(
                address="local",
                num_cpus=os.cpu_count() or 1,
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=False,
            )
        # ray.init replaces the command's SIGTERM handler with its own (exit status 15 after a C++ stack dump on
        # stderr): put the command's back, so a kill ends as with every viner command (one line, status 143), the
        # `finally` below shutting Ray down, actors included, and the atomic write leaving nothing behind.
        for sig, handler in handlers.items():
            if callable(handler):
                signal.signal(sig, handler)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = f"the Ray cluster at {address}" if address else "a local Ray runtime"
        hint = " (is `ray start --head` running there, and is the address host:port?)" if address else ""
        raise VinerError(f"cannot start or join {where}: {' '.join(str(err).split())[:300]}{hint}") from err
    try:
        yield int(ray.cluster_resources().get("CPU", 0)), f"cluster at {address}" if address else "local runtime"
    finally:
        ray.shutdown()


def actor_count(requested: int | None, cpus: int) -> int:
    """One actor per CPU unless fewer are asked for; more than the CPUs would wait forever."""
    if requested is not None and requested > cpus:
        raise VinerError(
            f"--actors {requested}: the Ray runtime has {cpus} CPU(s); give at most {cpus} (one actor per CPU)"
        )
    return requested or cpus


def annotated_rows(
    model: str, files: Sequence[Path], patterns: list[dict] | None, scores: bool, run: RayRun, actors: int
):
    """The Ray Data pipeline: units read on this node, annotated by a pool of ``actors`` actors, in input order."""
    context = DataContext.get_current()
    context.execution_options.preserve_order = True  # rows come out in the input's order, as from viner predict
    context.enable_progress_bars = False  # viner prints its own progress
    here = NodeAffinitySchedulingStrategy(node_id=ray.get_runtime_context().get_node_id(), soft=False)
    units = ray.data.read_datasource(
        UnitsSource([str(f) for f in files]), num_cpus=0, ray_remote_args={"scheduling_strategy": here}
    )
    shipped = [ray.put(pack_model(model))]  # in a list: the actors borrow the reference, the driver keeps it alive
    return units.map_batches(
        Annotator,
        fn_constructor_args=(model, shipped, patterns, scores, run.batch_size),
        compute=ActorPoolStrategy(size=actors),
        batch_size=run.batch_size,
        batch_format="numpy",
        num_cpus=1,
    )


def batches(dataset) -> Iterator[dict]:
    """The dataset's batches; a failure inside Ray (a model that does not load in an actor, a lost node) is one line."""
    try:
        yield from dataset.iter_batches(batch_format="numpy", batch_size=None)
    except ray.exceptions.RayError as err:
        cause = next((line.strip() for line in reversed(str(err).splitlines()) if line.strip()), type(err).__name__)
        raise VinerError(f"the Ray job failed: {cause[:400]} (Ray's logs: /tmp/ray/session_latest/logs)") from err


def write_rows(
    dataset,
    output: Path,
    run: RayRun,
    files: Sequence[Path],
    progress: Callable[[PredictStats], None] | None,
    every: int,
) -> PredictStats:
    """Iterate the annotated rows in order and write them atomically (one file, or shards of ``shard_size``)."""
    stats = PredictStats()
    start = time.perf_counter()

    def lines() -> Iterator[str]:
        for batch in batches(dataset):
            for row, problem, words, entities in zip(batch["row"], batch["problem"], batch["words"], batch["entities"]):
                if problem:
                    raise_problem(problem)  # inside the atomic write: nothing is written
                stats.units += 1
                stats.words += int(words)
                stats.entities += int(entities)
                stats.seconds = time.perf_counter() - start
                yield row
                if progress is not None and stats.units % every == 0:
                    progress(stats)
        if stats.units == 0:
            raise VinerError(f"{', '.join(map(str, files))}: no units to pre-annotate; nothing was written")

    if run.shard_size:
        write_line_shards(lines(), output, run.shard_size)
    else:
        write_lines(lines(), output)
    return stats
