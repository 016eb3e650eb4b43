"""Entity-level precision, recall and F1 on character spans (independent of tokenisation)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..record import Span


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def strict_counts(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]], labels: Sequence[str]
) -> tuple[Counts, dict[str, Counts]]:
    """Micro counts over (gold, predicted) span lists: a hit needs the same start, end and label.

    Every label in ``labels`` appears in the result, also when it was never predicted
    or never in the gold; predicted labels outside ``labels`` are added.
    """
    per_label: dict[str, Counts] = {label: Counts() for label in labels}
    for gold, pred in pairs:
        gold_set, pred_set = Counter(gold), Counter(pred)
        for span in set(gold_set) | set(pred_set):
            counts = per_label.setdefault(span.label, Counts())
            hit = min(gold_set[span], pred_set[span])
            counts.tp += hit
            counts.fn += gold_set[span] - hit
            counts.fp += pred_set[span] - hit
    overall = Counts(
        tp=sum(c.tp for c in per_label.values()),
        fp=sum(c.fp for c in per_label.values()),
        fn=sum(c.fn for c in per_label.values()),
    )
    return overall, per_label


def label_order(labels: Sequence[str], *span_lists: Iterable[Sequence[Span]]) -> list[str]:
    """``labels`` followed by every other label met in the span lists (sorted), without repeats."""
    order = list(dict.fromkeys(labels))
    extra = {span.label for spans in span_lists for doc in spans for span in doc} - set(order)
    return order + sorted(extra)


def document_counts(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]):
    """Strict tp/fp/fn per document and label: an integer array of shape ``(documents, labels, 3)``.

    Summing over documents gives :func:`strict_counts`; the paired bootstrap resamples
    the rows. Spans with a label outside ``labels`` are ignored (pass every label,
    see :func:`label_order`).
    """
    import numpy as np

    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(gold), len(labels), 3), dtype=np.int64)
    for d, (g, p) in enumerate(zip(gold, predicted)):
        gold_set, pred_set = Counter(g), Counter(p)
        for span in set(gold_set) | set(pred_set):
            i = index.get(span.label)
            if i is None:
                continue
            hit = min(gold_set[span], pred_set[span])
            out[d, i, 0] += hit
            out[d, i, 1] += pred_set[span] - hit
            out[d, i, 2] += gold_set[span] - hit
    return out


def f1_from_counts(tp, fp, fn):
    """Vectorised F1 = 2tp / (2tp + fp + fn), 0 where nothing was predicted or expected (like :class:`Counts`)."""
    import numpy as np

    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(np.broadcast(tp, denom).shape), where=denom > 0)


def ratio(num, den):
    import numpy as np

    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


class DocumentCounter:
    """Strict counts accumulated one document at a time: the totals and a compact per-document array.

    ``add(gold, pred)`` updates the per-label :class:`Counts` exactly as :func:`strict_counts` does
    (labels of ``labels`` first, then any other label in the order it is met) and stores the
    document's tp/fp/fn per label in a growing ``int32`` array, so the bootstrap can resample
    documents without the texts or spans being kept. With ``fixed=True`` the labels are those
    given and spans with other labels are ignored, as in :func:`document_counts`.
    """

    def __init__(self, labels: Sequence[str], *, fixed: bool = False) -> None:
        import numpy as np

        self._np = np
        self.fixed = fixed
        self.per_label: dict[str, Counts] = {label: Counts() for label in labels}
        self.index: dict[str, int] = {label: i for i, label in enumerate(self.per_label)}
        self._rows = np.zeros((1024, max(4, len(self.index)), 3), dtype=np.int32)
        self.documents = 0

    def _ensure(self, rows: int, labels: int) -> None:
        """Room for ``rows`` documents and ``labels`` labels (the array doubles as it grows)."""
        old = self._rows
        if rows <= old.shape[0] and labels <= old.shape[1]:
            return
        grown = self._np.zeros((max(old.shape[0], 2 * rows), max(old.shape[1], 2 * labels), 3), dtype=self._np.int32)
        grown[: old.shape[0], : old.shape[1]] = old
        self._rows = grown

    def add(self, gold: Sequence[Span], pred: Sequence[Span], row: int | None = None) -> None:
        """Count one document (into ``row`` of the array when given, else the next row)."""
        d = self.documents if row is None else row
        self._ensure(d + 1, len(self.index))
        gold_set, pred_set = Counter(gold), Counter(pred)
        for span in set(gold_set) | set(pred_set):
            i = self.index.get(span.label)
            if i is None:
                if self.fixed:
                    continue
                i = self.index[span.label] = len(self.index)
                self.per_label[span.label] = Counts()
                self._ensure(d + 1, len(self.index))
            hit = min(gold_set[span], pred_set[span])
            fp, fn = pred_set[span] - hit, gold_set[span] - hit
            counts = self.per_label[span.label]
            counts.tp += hit
            counts.fp += fp
            counts.fn += fn
            cell = self._rows[d, i]
            cell[0] += hit
            cell[1] += fp
            cell[2] += fn
        if row is None:
            self.documents += 1

    def overall(self) -> Counts:
        return Counts(
            tp=sum(c.tp for c in self.per_label.values()),
            fp=sum(c.fp for c in self.per_label.values()),
            fn=sum(c.fn for c in self.per_label.values()),
        )

    def array(self, documents: int | None = None):
        """The ``(documents, labels, 3)`` array, labels in the order of :attr:`per_label`."""
        n = self.documents if documents is None else documents
        self._ensure(n, len(self.index))
        return self._rows[:n, : len(self.index)]
