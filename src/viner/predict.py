"""Batch pre-annotation: run a trained pipeline over units and write its entities as spans.

The output is Doccano JSONL, so a model's suggestions go to annotators with
`viner doccano push` (the ner.correct workflow) or become silver data. Input is
streamed, docs go through ``nlp.pipe`` in batches (optionally in several processes),
and the output is written atomically: memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from .confidence import UnitConfidence, score_texts
from .errors import VinerError
from .formats import doccano_jsonl
from .io import file_target, find_files, os_reason, refuse_replacing_spans, write_lines
from .patterns.ruler import BLANK, pipeline_with_patterns, read_patterns
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


def input_files(paths: Sequence[Path | str]) -> list[Path]:
    """The JSONL files under ``paths``; one without a single non-blank line is an error naming it."""
    files = find_files(paths, doccano_jsonl.SUFFIXES)
    for path in files:
        if not has_content(path):
            raise VinerError(
                f'{path}: empty file: no units to pre-annotate (expected one {{"text": ...}} object per line); nothing was written'
            )
    return files


def has_content(path: Path) -> bool:
    """Whether a text file has a line that is not blank (stops at the first one)."""
    try:
        with path.open("rb") as handle:
            return any(line.strip() for line in handle)
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err


def predict_examples(
    nlp,
    examples: Iterable[Example],
    *,
    batch_size: int = 256,
    n_process: int = 1,
    scores: bool = False,
    stats: PredictStats | None = None,
) -> Iterator[Example]:
    """Yield each example with the pipeline's entities as its spans (meta and id kept).

    With ``scores``, each row's meta also gets the beam's ``uncertainty`` for the unit and a
    ``confidence`` per span (viner.confidence); that decode runs in this process.
    """
    stats = stats if stats is not None else PredictStats()
    start = time.perf_counter()
    # Texts go to nlp.pipe as plain strings and the examples are paired back in order (nlp.pipe
    # keeps it): with as_tuples=True spaCy would tokenise every text in this process and ship the
    # Doc to the workers, which makes this process the bottleneck with n_process > 1. The tee
    # holds only the examples nlp.pipe has read ahead (a few batches).
    ahead, behind = itertools.tee(examples)
    texts = (e.text for e in ahead)
    pairs: Iterable[tuple[Doc, UnitConfidence | None]]
    if scores:
        pairs = score_texts(nlp, texts, batch_size=batch_size)
    else:
        pairs = ((doc, None) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process))
    for (doc, unit_confidence), example in zip(pairs, behind):
        stats.units += 1
        stats.words += len(doc)
        stats.entities += len(doc.ents)
        stats.seconds = time.perf_counter() - start
        yield predicted_row(example, doc, unit_confidence)


def predicted_row(example: Example, doc: Doc, unit_confidence: UnitConfidence | None = None) -> Example:
    """The output row for one unit: its text, id and meta, the doc's entities as spans, and the scores if any."""
    spans = tuple(Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
    meta = dict(example.meta)
    if unit_confidence is not None:
        meta["uncertainty"] = unit_confidence.uncertainty
        meta["confidence"] = [
            [s.start, s.end, s.label, unit_confidence.confidence(s.start, s.end, s.label)] for s in spans
        ]
    return Example(example.text, spans, id=example.id, meta=meta)


def check_request(
    model: Path | str,
    inputs: Sequence[Path | str],
    target: Path,
    *,
    batch_size: int,
    scores: bool,
    patterns: Path | str | None,
    force: bool,
) -> tuple[list[Path], list[dict] | None]:
    """The checks of a pre-annotation before any model is loaded: the input files (returned), the output
    ``target`` (an existing one with spans needs ``force``), the patterns (returned, read), the options."""
    if batch_size < 1:
        raise VinerError(f"--batch-size {batch_size}: give at least 1")
    files = input_files(inputs)
    refuse_replacing_spans(target, force)
    rules = read_patterns(patterns) if patterns else None
    if scores and str(model) == BLANK:
        raise VinerError("--scores needs a trained model: blank:vi has no ner to score with")
    return files, rules


def predict(
    model: Path | str,
    inputs: Sequence[Path | str],
    output: Path | str,
    *,
    batch_size: int = 256,
    n_process: int = 1,
    progress: Callable[[PredictStats], None] | None = None,
    every: int = 10000,
    force: bool = False,
    scores: bool = False,
    patterns: Path | str | None = None,
) -> PredictStats:
    """Pre-annotate the units of ``inputs`` with ``model`` and write them to ``output``.

    ``model`` ``blank:vi`` is no model: with ``patterns`` (an EntityRuler JSONL) the units get the
    patterns' matches alone (a cold start); beside a model the patterns win on overlap except inside
    a longer entity of the model's (viner.patterns.ruler).

    Every input is checked before the model is loaded (missing, empty); an existing output
    that holds spans (earlier predictions, or someone's annotations) is only replaced with
    ``force``. Nothing is written when no unit was read.
    """
    if scores and n_process > 1:
        raise VinerError("--scores runs the beam in this process: give --n-process 1 (or leave --scores out)")
    cores = os.cpu_count() or 1
    if not 1 <= n_process <= cores:
        raise VinerError(f"--n-process {n_process}: give a number from 1 to {cores} (the number of cores)")
    files, rules = check_request(
        model, inputs, file_target(output), batch_size=batch_size, scores=scores, patterns=patterns, force=force
    )
    nlp = (
        pipeline_with_patterns(str(model), rules, load=load_pipeline)
        if rules or str(model) == BLANK
        else load_pipeline(model)
    )
    stats = PredictStats()

    def lines() -> Iterator[str]:
        for example in predict_examples(
            nlp, read_units(files), batch_size=batch_size, n_process=n_process, scores=scores, stats=stats
        ):
            yield doccano_jsonl.dumps(example)
            if progress is not None and stats.units % every == 0:
                progress(stats)
        if stats.units == 0:  # raised inside the atomic write: the output is not created or replaced
            raise VinerError(f"{', '.join(map(str, files))}: no units to pre-annotate; nothing was written")

    write_lines(lines(), output)
    return stats
