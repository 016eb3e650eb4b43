"""Strict span matching and its counts: the one definition shared by evaluation and agreement.

Two spans match when start, end and label are all equal (character offsets, so the
figures do not depend on tokenisation). :func:`match` counts one document (or unit);
:class:`Counts` sums them and gives precision, recall and F1; :class:`DocumentCounter`
keeps a compact per-document array of the counts for the bootstrap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..record import Span


@dataclass
class Counts:
    """Strict counts: ``tp`` spans in both, ``fp`` only predicted, ``fn`` only in the gold.

    In agreement the first annotator (A) stands for the gold and the second (B) for the
    prediction. Precision, recall and F1 are ``None`` when undefined (nothing predicted,
    nothing in the gold, neither); F1 = 2·tp / (2·tp + fp + fn), as in the bootstrap.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @classmethod
    def total(cls, counts: Iterable[Counts]) -> Counts:
        out = cls()
        for c in counts:
            out.add(c)
        return out

    @property
    def gold(self) -> int:
        """Spans in the gold (the support; in agreement: annotator A's spans)."""
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        """Spans predicted (in agreement: annotator B's spans)."""
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return self.tp / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        both = self.gold + self.predicted
        return 2 * self.tp / both if both else None


def match(gold: Sequence[Span], pred: Sequence[Span]) -> dict[str, Counts]:
    """Strict counts of one document per label (labels in the order met: gold, then predicted).

    Spans are counted as multisets: a span given twice on both sides is two hits.
    """
    gold_n, pred_n = Counter(gold), Counter(pred)
    per_label: dict[str, Counts] = {}
    for span in dict.fromkeys([*gold_n, *pred_n]):
        hit = min(gold_n[span], pred_n[span])
        counts = per_label.setdefault(span.label, Counts())
        counts.tp += hit
        counts.fp += pred_n[span] - hit
        counts.fn += gold_n[span] - hit
    return per_label


def label_order(labels: Sequence[str], *span_lists: Iterable[Sequence[Span]]) -> list[str]:
    """``labels`` followed by every other label met in the span lists (sorted), without repeats."""
    order = list(dict.fromkeys(labels))
    extra = {span.label for spans in span_lists for doc in spans for span in doc} - set(order)
    return order + sorted(extra)


def f1_from_counts(tp, fp, fn):
    """Vectorised F1 = 2tp / (2tp + fp + fn), 0 where nothing was predicted or expected."""
    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros(np.broadcast(tp, denom).shape), where=denom > 0)


def ratio(num, den):
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


class DocumentCounter:
    """Strict counts accumulated one document at a time: the totals and a compact per-document array.

    ``add(gold, pred)`` updates the per-label :class:`Counts` (labels of ``labels`` first,
    then any other label in the order it is met) and stores the document's tp/fp/fn per
    label in a growing ``int32`` array, so the bootstrap can resample documents without
    the texts or spans being kept. With ``fixed=True`` the labels are those given and
    spans with other labels are ignored.
    """

    def __init__(self, labels: Sequence[str], *, fixed: bool = False) -> None:
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
        grown = np.zeros((max(old.shape[0], 2 * rows), max(old.shape[1], 2 * labels), 3), dtype=np.int32)
        grown[: old.shape[0], : old.shape[1]] = old
        self._rows = grown

    def add(self, gold: Sequence[Span], pred: Sequence[Span], row: int | None = None) -> None:
        """Count one document (into ``row`` of the array when given, else the next row)."""
        d = self.documents if row is None else row
        self._ensure(d + 1, len(self.index))
        for label, counts in match(gold, pred).items():
            i = self.index.get(label)
            if i is None:
                if self.fixed:
                    continue
                i = self.index[label] = len(self.index)
                self.per_label[label] = Counts()
                self._ensure(d + 1, len(self.index))
            self.per_label[label].add(counts)
            self._rows[d, i] += (counts.tp, counts.fp, counts.fn)
        if row is None:
            self.documents += 1

    def overall(self) -> Counts:
        return Counts.total(self.per_label.values())

    def array(self, documents: int | None = None):
        """The ``(documents, labels, 3)`` array, labels in the order of :attr:`per_label`."""
        n = self.documents if documents is None else documents
        self._ensure(n, len(self.index))
        return self._rows[:n, : len(self.index)]
