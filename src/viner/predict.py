"""Batch pre-annotation: run a trained pipeline over units and write its entities as spans.

The output is Doccano JSONL, so a model's suggestions go to annotators with
`viner doccano push` (the ner.correct workflow) or become silver data. Input is
streamed, docs go through ``nlp.pipe`` in batches (optionally in several processes),
and the output is written atomically: memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .formats import doccano_jsonl
from .io import find_files, write_lines
from .pipeline import load_pipeline
from .record import Example, Span


@dataclass
class PredictStats:
    units: int = 0
    words: int = 0
    entities: int = 0
    seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def read_units(paths: Sequence[Path | str]) -> Iterator[Example]:
    """Units to annotate: Doccano JSONL (existing spans are ignored: the model's replace them)."""
    for path in find_files(paths, doccano_jsonl.SUFFIXES):
        yield from doccano_jsonl.read(path, labels=None)


def predict_examples(nlp, examples: Iterable[Example], *, batch_size: int = 256, n_process: int = 1, stats: PredictStats | None = None) -> Iterator[Example]:
    """Yield each example with the pipeline's entities as its spans (meta and id kept)."""
    stats = stats if stats is not None else PredictStats()
    start = time.perf_counter()
    pairs = ((e.text, e) for e in examples)
    for doc, example in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process):
        spans = tuple(Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
        stats.units += 1
        stats.words += len(doc)
        stats.entities += len(spans)
        stats.seconds = time.perf_counter() - start
        yield Example(example.text, spans, id=example.id, meta=example.meta)


def predict(
    model: Path | str,
    inputs: Sequence[Path | str],
    output: Path | str,
    *,
    batch_size: int = 256,
    n_process: int = 1,
    progress: Callable[[PredictStats], None] | None = None,
    every: int = 10000,
) -> PredictStats:
    """Pre-annotate the units of ``inputs`` with ``model`` and write them to ``output``."""
    nlp = load_pipeline(model)
    stats = PredictStats()

    def lines() -> Iterator[str]:
        for example in predict_examples(nlp, read_units(inputs), batch_size=batch_size, n_process=n_process, stats=stats):
            yield doccano_jsonl.dumps(example)
            if progress is not None and stats.units % every == 0:
                progress(stats)

    write_lines(lines(), output)
    return stats
