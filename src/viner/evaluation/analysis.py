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
from dataclasses import dataclass
from typing import Sequence

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

    return [Pair(gold[g] if g is not None else None, pred[p] if p is not None else None) for g, p in sorted(pairs, key=key)]


def confusion_matrix(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]
) -> dict:
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
    for g_doc, p_doc in zip(gold, predicted):
        for pair in align(g_doc, p_doc):
            i = index[pair.gold.label] if pair.gold else index[NONE]
            j = index[pair.pred.label] if pair.pred else index[NONE]
            counts[i][j] += 1
            if pair.gold and pair.pred and (pair.gold.start, pair.gold.end) == (pair.pred.start, pair.pred.end):
                exact[i][j] += 1
    return {"rows": rows, "columns": rows, "counts": counts, "exact": exact}


def _span_json(span: Span | None, text: str) -> dict | None:
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "label": span.label, "text": text[span.start : span.end]}


def error_analysis(
    texts: Sequence[str],
    ids: Sequence[str],
    gold: Sequence[Sequence[Span]],
    predicted: Sequence[Sequence[Span]],
    labels: Sequence[str],
) -> dict:
    """Every error with its text, plus counts per category overall and per label.

    An error is counted under the gold label (or the predicted label for a false positive).
    ``examples`` lists errors in document order: ``{"doc", "id", "category", "gold", "pred"}``,
    where ``gold``/``pred`` are ``{"start", "end", "label", "text"}`` or null.
    """
    counts: Counter = Counter()
    per_label: dict[str, Counter] = {label: Counter() for label in labels}
    examples = []
    for d, (text, uid, g_doc, p_doc) in enumerate(zip(texts, ids, gold, predicted)):
        for pair in align(g_doc, p_doc):
            category = pair.category
            label = (pair.gold or pair.pred).label
            counts[category] += 1
            per_label.setdefault(label, Counter())[category] += 1
            if category != "correct":
                examples.append(
                    {"doc": d, "id": uid, "category": category, "gold": _span_json(pair.gold, text), "pred": _span_json(pair.pred, text)}
                )
    categories = ("correct",) + ERROR_CATEGORIES
    return {
        "categories": list(categories),
        "counts": {c: counts[c] for c in categories},
        "per_label": {label: {c: per[c] for c in categories} for label, per in per_label.items()},
        "examples": examples,
    }
