"""Where a model goes wrong: gold and predicted entities aligned, errors sorted into categories.

Alignment, per document (one-to-one):

1. a gold and a predicted entity with the same boundaries are paired (same label first);
2. the remaining ones that overlap are paired, largest overlap first (same label first on ties);
3. what is left is missed (gold) or spurious (predicted).

Each gold or predicted entity then falls in exactly one category:

===================== ==============================================================
``correct``            same boundaries, same label (a strict true positive)
``wrong_label``        same boundaries, another label
``wrong_boundary``     overlapping, same label, other boundaries
``wrong_label_boundary`` overlapping, another label and other boundaries
``false_negative``     a gold entity that no prediction touches (missed)
``false_positive``     a prediction that touches no gold entity (spurious)
===================== ==============================================================

In strict scoring every category but ``correct`` costs one false positive and/or one false
negative: strict fp = false_positive + the three "wrong" categories, strict fn = false_negative
+ the three "wrong" categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..record import Span

ERROR_CATEGORIES: tuple[str, ...] = (
    "false_positive",
    "false_negative",
    "wrong_label",
    "wrong_boundary",
    "wrong_label_boundary",
)
CATEGORY_TITLES = {
    "correct": "correct",
    "false_positive": "false positive (spurious)",
    "false_negative": "false negative (missed)",
    "wrong_label": "wrong label",
    "wrong_boundary": "wrong boundary",
    "wrong_label_boundary": "wrong label and boundary",
}
SHORT_TITLES = {
    "correct": "correct",
    "false_positive": "spurious (FP)",
    "false_negative": "missed (FN)",
    "wrong_label": "wrong label",
    "wrong_boundary": "wrong boundary",
    "wrong_label_boundary": "label + boundary",
}
NONE = "NONE"  # the row of spurious entities and the column of missed ones in the confusion matrix


@dataclass(frozen=True)
class Pair:
    gold: Span | None
    pred: Span | None

    @property
    def category(self) -> str:
        g, p = self.gold, self.pred
        if g is None:
            return "false_positive"
        if p is None:
            return "false_negative"
        same_bounds = (g.start, g.end) == (p.start, p.end)
        if same_bounds:
            return "correct" if g.label == p.label else "wrong_label"
        return "wrong_boundary" if g.label == p.label else "wrong_label_boundary"

    @property
    def label(self) -> str:
        """The gold entity's label, else the prediction's (a pair has at least one of them)."""
        entity = self.gold if self.gold is not None else self.pred
        if entity is None:
            raise ValueError("a pair has a gold or a predicted entity")
        return entity.label


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def align(gold: Sequence[Span], pred: Sequence[Span]) -> list[Pair]:
    """Pair the gold and predicted entities of one document (see the module docstring)."""
    gold, pred = sorted(gold), sorted(pred)
    free_g, free_p = set(range(len(gold))), set(range(len(pred)))
    pairs: list[tuple[int | None, int | None]] = []
    for same_label in (True, False):
        for gi in sorted(free_g):
            g = gold[gi]
            for pi in sorted(free_p):
                p = pred[pi]
                if (p.start, p.end) == (g.start, g.end) and (p.label == g.label) == same_label:
                    pairs.append((gi, pi))
                    free_g.discard(gi)
                    free_p.discard(pi)
                    break
    candidates = sorted(
        (-_overlap(gold[gi], pred[pi]), gold[gi].label != pred[pi].label, gi, pi)
        for gi in free_g
        for pi in free_p
        if _overlap(gold[gi], pred[pi]) > 0
    )
    for _, _, gi, pi in candidates:
        if gi in free_g and pi in free_p:
            pairs.append((gi, pi))
            free_g.discard(gi)
            free_p.discard(pi)
    pairs.extend((gi, None) for gi in free_g)
    pairs.extend((None, pi) for pi in free_p)

    def key(pair):
        g, p = pair
        span = gold[g] if g is not None else pred[p]
        return (span.start, span.end, g is None)

    return [
        Pair(gold[g] if g is not None else None, pred[p] if p is not None else None) for g, p in sorted(pairs, key=key)
    ]


CONTEXT = 60  # characters of context either side of an error kept with it in a report


def _span_json(span: Span | None, text: str) -> dict | None:
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "label": span.label, "text": text[span.start : span.end]}


class ErrorCollector:
    """Errors and label confusion accumulated one document at a time (each document aligned once).

    Counts are exact over all documents; of the errors themselves only the first
    ``max_examples`` of each category are kept (``None``: all), in document order, so a
    report on a large test set stays small. With ``context`` each kept error carries the
    text around it (``{"start", "text", "length"}``: ``CONTEXT`` characters either side,
    the offset of that piece and the length of the whole text), enough to show it in its
    sentence without the documents.
    """

    def __init__(self, max_examples: int | None = None, *, context: bool = False) -> None:
        self.max_examples = max_examples
        self.context = context
        self.counts: Counter = Counter()
        self.per_label: dict[str, Counter] = {}
        self.kept: Counter = Counter()
        self.examples: list[dict] = []
        self.pairs: Counter = Counter()  # (gold label or NONE, predicted label or NONE) -> n
        self.exact: Counter = Counter()
        self.documents = 0

    def add(self, text: str, uid: str, gold: Sequence[Span], pred: Sequence[Span]) -> None:
        d = self.documents
        self.documents += 1
        for pair in align(gold, pred):
            g, p = pair.gold, pair.pred
            key = (g.label if g else NONE, p.label if p else NONE)
            self.pairs[key] += 1
            if g and p and (g.start, g.end) == (p.start, p.end):
                self.exact[key] += 1
            category = pair.category
            label = pair.label
            self.counts[category] += 1
            self.per_label.setdefault(label, Counter())[category] += 1
            if category == "correct" or (self.max_examples is not None and self.kept[category] >= self.max_examples):
                continue
            self.kept[category] += 1
            example = {
                "doc": d,
                "id": uid,
                "category": category,
                "gold": _span_json(g, text),
                "pred": _span_json(p, text),
            }
            if self.context:
                spans = [s for s in (g, p) if s]
                start = max(0, min(s.start for s in spans) - CONTEXT)
                end = min(len(text), max(s.end for s in spans) + CONTEXT)
                example["context"] = {"start": start, "text": text[start:end], "length": len(text)}
            self.examples.append(example)

    def errors(self, labels: Sequence[str]) -> dict:
        """``{"categories", "counts", "per_label", "examples"}``; every label of ``labels`` listed.

        An error is counted under the gold label (or the predicted label for a false positive).
        ``examples`` lists errors in document order: ``{"doc", "id", "category", "gold", "pred"}``
        (and ``context``), where ``gold``/``pred`` are ``{"start", "end", "label", "text"}`` or null.
        """
        categories = ("correct",) + ERROR_CATEGORIES
        per_label = {label: self.per_label.get(label, Counter()) for label in labels}
        for label, per in self.per_label.items():
            per_label.setdefault(label, per)
        return {
            "categories": list(categories),
            "counts": {c: self.counts[c] for c in categories},
            "per_label": {label: {c: per[c] for c in categories} for label, per in per_label.items()},
            "examples": list(self.examples),
        }

    def confusion(self, labels: Sequence[str]) -> dict:
        """Label confusion over aligned entities, with a ``NONE`` row (spurious) and column (missed).

        ``counts[i][j]``: gold label ``rows[i]`` predicted as ``columns[j]`` (boundaries may differ);
        ``exact[i][j]``: the same, only pairs with identical boundaries (its diagonal is the strict tp).
        """
        labels = list(labels)
        rows = labels + [NONE]
        index = {label: i for i, label in enumerate(rows)}
        n = len(rows)
        counts = [[0] * n for _ in range(n)]
        exact = [[0] * n for _ in range(n)]
        for (g, p), k in self.pairs.items():
            counts[index[g]][index[p]] += k
        for (g, p), k in self.exact.items():
            exact[index[g]][index[p]] += k
        return {"rows": rows, "columns": rows, "counts": counts, "exact": exact}
