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
