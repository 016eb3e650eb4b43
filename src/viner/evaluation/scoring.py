"""Every figure of a report, accumulated one document at a time.

Each document updates the strict counts (with a compact per-document array for the
bootstrap), nervaluate's schemas (in chunks), the confusion and the errors (a bounded
sample), and the hash of the gold; nothing else is kept, so a test set of 100,000 units
needs about the memory of one of 1,000. :meth:`Scorer.report` turns the counts into a
:class:`~.report.Report`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import platform
import tempfile
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import IO

import spacy

from .. import __version__
from ..record import Example, Span
from .analysis import ErrorCollector
from .bootstrap import metric_intervals
from .figures import Slices
from .metrics import DocumentCounter, label_order
from .report import Confusion, Errors, ModelInfo, Report, Schemas, Scores, Speed, TestData, TrainingData, Uncertainty
from .schemas import SchemaCounter
from .seen import Lexicon
from .slices import SliceCounter

MAX_ERROR_EXAMPLES = 200  # errors of each category kept in the report (the counts are always complete)


class GoldHasher:
    """Hash of the gold content (unit ids, texts and spans), independent of the file format and order.

    The same gold in a ``.jsonl`` and in a ``.spacy`` file hashes the same; any changed
    text or span changes it. The hash is of the examples' rows sorted; rows are sorted in
    runs of ``run`` and spilled to temporary files, which are merged at the end, so a large
    test set is never held whole.
    """

    def __init__(self, run: int = 20_000) -> None:
        self.run = run
        self._rows: list[str] = []
        self._files: list[IO[str]] = []

    def add(self, example: Example) -> None:
        self._rows.append(
            json.dumps([example.id, example.text, [s.as_list() for s in sorted(example.spans)]], ensure_ascii=False)
        )
        if len(self._rows) >= self.run:
            self._spill()

    def _spill(self) -> None:
        self._rows.sort()
        handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        for row in self._rows:  # json.dumps escapes newlines: one row per line
            handle.write(row)
            handle.write("\n")
        handle.seek(0)
        self._files.append(handle)
        self._rows = []

    def hexdigest(self) -> str:
        self._rows.sort()
        runs: list[Iterable[str]] = [self._rows] + [(line[:-1] for line in handle) for handle in self._files]
        digest = hashlib.sha256()
        try:
            for row in heapq.merge(*runs):
                digest.update(row.encode("utf-8"))
                digest.update(b"\n")
        finally:
            for handle in self._files:
                handle.close()
            self._files, self._rows = [], []
        return digest.hexdigest()


def document_row(
    example: Example, predicted: Sequence[Span], seen: tuple[list[bool], list[bool]] | None = None
) -> dict:
    """One line of the predictions sidecar (and of the ``documents`` of older reports).

    ``seen``: whether each gold and each predicted span is seen in the training data (see :mod:`.slices`).
    """
    row = {
        "id": example.id,
        "source": example.meta.get("source"),
        "text": example.text,
        "gold": [s.as_list() for s in example.spans],
        "pred": [s.as_list() for s in predicted],
    }
    if seen is not None:
        row["gold_seen"], row["pred_seen"] = seen
    return row


class Scorer:
    """Every figure of a report, accumulated one document at a time (see the module docstring)."""

    def __init__(
        self,
        labels: Sequence[str],
        *,
        max_errors: int | None = MAX_ERROR_EXAMPLES,
        lexicon: Lexicon | None = None,
        unseen_reason: str | None = None,
    ) -> None:
        """``lexicon``: the training data's entity texts, for the seen/unseen slice; without it,
        ``unseen_reason`` says why the report has no slice."""
        self.labels = list(labels)
        self.slicer = SliceCounter(self.labels, lexicon) if lexicon is not None else None
        self.unseen_reason = unseen_reason
        self.seen: tuple[list[bool], list[bool]] | None = None  # the seen flags of the last document added
        self.strict = DocumentCounter(self.labels)
        self.schemas = SchemaCounter(self.labels, grow=True)
        self.errors = ErrorCollector(max_errors, context=True)
        self.hasher = GoldHasher()
        self.max_errors = max_errors
        self.documents = 0

    def add(self, example: Example, predicted: Sequence[Span]) -> list[Span]:
        """Score one document; returns its predicted spans sorted (their seen flags in :attr:`seen`)."""
        gold = list(example.spans)
        pred = sorted(predicted)
        self.strict.add(gold, pred)
        if self.slicer is not None:
            self.seen = self.slicer.add(example.text, gold, pred)
        self.schemas.add(gold, pred)
        self.errors.add(example.text, example.id, gold, pred)
        self.hasher.add(example)
        self.documents += 1
        return pred

    def report(
        self,
        *,
        name: str,
        model: ModelInfo,
        data: TestData,
        training_data: TrainingData | None,
        speed: Speed,
        resamples: int,
        seed: int,
    ) -> Report:
        """The report of the documents added; ``data`` gains the gold hash and sizes, ``speed`` its rates."""
        # the labels asked for, then every other label met in the gold or the predictions (sorted)
        all_labels = label_order(self.labels, [[Span(0, 1, label) for label in self.schemas.labels]])
        per_label = self.strict.per_label
        overall = self.strict.overall()
        errors = Errors.from_dict(self.errors.errors(all_labels))
        errors.examples_total = sum(n for c, n in errors.counts.items() if c != "correct")
        errors.examples_kept = len(errors.examples)
        errors.max_examples_per_category = self.max_errors
        data.gold_sha256, data.examples, data.entities = self.hasher.hexdigest(), self.documents, overall.gold
        if speed.seconds and speed.words is not None:
            speed.words_per_second = speed.words / speed.seconds
        if speed.seconds and speed.documents is not None:
            speed.documents_per_second = speed.documents / speed.seconds
        return Report(
            name=name,
            model=model,
            training_data=training_data or TrainingData(),
            data=data,
            date=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            versions=versions(),
            labels=list(self.labels),
            overall=Scores.from_counts(overall),
            per_label={label: Scores.from_counts(counts) for label, counts in per_label.items()},
            uncertainty=Uncertainty(
                **metric_intervals(self.strict.array(), list(per_label), resamples=resamples, seed=seed)
            ),
            schemas=Schemas.from_dict(self.schemas.result(all_labels)),
            confusion=Confusion(**self.errors.confusion(all_labels)),
            errors=errors,
            speed=speed,
            slices=self._slices(all_labels, resamples, seed),
        )

    def _slices(self, labels: Sequence[str], resamples: int, seed: int) -> Slices | None:
        if self.slicer is not None:
            return self.slicer.slices(labels, resamples=resamples, seed=seed)
        return Slices(reason=self.unseen_reason) if self.unseen_reason else None


def versions() -> dict[str, str]:
    found = {"viner": __version__, "spacy": spacy.__version__, "python": platform.python_version()}
    try:
        found["nervaluate"] = version("nervaluate")
    except PackageNotFoundError:  # pragma: no cover - metadata missing in odd installs
        pass
    return found
