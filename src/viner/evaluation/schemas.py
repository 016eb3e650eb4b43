"""nervaluate's four schemas (SemEval-2013 task 9.1): where the errors come from.

* ``strict``   boundaries and type both right (the headline, same numbers as :mod:`.metrics`)
* ``exact``    boundaries right, type ignored
* ``partial``  any overlap counts half, type ignored
* ``ent_type`` any overlap with the right type counts

Each schema sorts entities into correct / incorrect / partial / missed / spurious and
gives precision, recall and F1. We call the ``nervaluate`` package (1.2) rather than
re-implementing it, so the figures match what others publish with it.

Offsets: viner spans are ``[start, end)``; nervaluate treats ``end`` as inclusive
(two spans touching at a character would overlap), so ``end - 1`` is passed.
"""

from __future__ import annotations

from collections.abc import Sequence

from nervaluate import Evaluator
from nervaluate.entities import EvaluationResult

from ..record import Span

SCHEMAS: tuple[str, ...] = ("strict", "exact", "partial", "ent_type")
SCHEMA_TITLES = {
    "strict": "strict (boundaries and type)",
    "exact": "exact (boundaries only)",
    "partial": "partial (overlap, half credit)",
    "ent_type": "type (overlap and type)",
}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious", "possible", "actual", "precision", "recall", "f1")


def _entities(docs: Sequence[Sequence[Span]]) -> list[list[dict]]:
    return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in sorted(doc)] for doc in docs]


def _as_dict(result) -> dict:
    return {name: getattr(result, name) for name in FIELDS}


def _empty() -> dict:
    return {name: 0 if name not in ("precision", "recall", "f1") else 0.0 for name in FIELDS}


_PARTIAL_FORMULA = ("partial", "ent_type")  # as nervaluate's Evaluator merges document results
_COUNTS = ("correct", "incorrect", "partial", "missed", "spurious")


class SchemaCounter:
    """nervaluate's four schemas over documents added one at a time, in bounded memory.

    nervaluate scores each document on its own and sums the counts (its ``Evaluator``
    merges document results that way, then recomputes precision, recall and F1 from the
    sums). So documents are handed to nervaluate in chunks of ``chunk``, the counts of
    the chunks are summed and the metrics recomputed with nervaluate's own formula: the
    same numbers as one call over every document, without holding them all.

    ``labels`` are nervaluate's tags (entities with other labels are left out). With
    ``grow=True`` every label met is added to them (as ``viner evaluate`` does: the
    model's labels, then any other label in the gold or the predictions).
    """

    def __init__(self, labels: Sequence[str], *, chunk: int = 1000, grow: bool = False) -> None:
        self.labels = list(dict.fromkeys(labels))
        self.grow = grow
        self.chunk = chunk
        self.documents = 0
        self._gold: list[list[dict]] = []
        self._pred: list[list[dict]] = []
        self._overall: dict[str, list[int]] | None = None
        self._per_label: dict[str, dict[str, list[int]]] = {}

    def add(self, gold: Sequence[Span], pred: Sequence[Span]) -> None:
        self._gold.extend(_entities([gold]))
        self._pred.extend(_entities([pred]))
        self.documents += 1
        if self.grow:
            for span in list(gold) + list(pred):
                if span.label not in self.labels:
                    self.labels.append(span.label)
        if len(self._gold) >= self.chunk:
            self._flush()

    def _flush(self) -> None:
        if not self._gold:
            return
        result = Evaluator(self._gold, self._pred, tags=list(self.labels), loader="dict").evaluate()
        self._gold, self._pred = [], []
        if self._overall is None:
            self._overall = {schema: [0] * len(_COUNTS) for schema in SCHEMAS}
        for schema, value in result.get("overall", {}).items():
            _add(self._overall[schema], value)
        for label, schemas in result.get("entities", {}).items():
            per = self._per_label.setdefault(label, {schema: [0] * len(_COUNTS) for schema in SCHEMAS})
            for schema, value in schemas.items():
                _add(per[schema], value)

    def result(self, labels: Sequence[str] | None = None) -> dict:
        """``{"overall": {schema: figures}, "per_label": {label: {schema: figures}}}``; per label for ``labels`` (default: the tags).

        Every label asked for is present (all zeros when it occurs nowhere). As in nervaluate,
        the per-label figures compare only entities of that label, so a type confusion shows
        there as a missed and a spurious entity; the overall figures see it as one ``incorrect``.
        """
        self._flush()
        labels = list(labels) if labels is not None else list(self.labels)
        overall = {schema: _metrics(schema, self._overall[schema]) if self._overall else _empty() for schema in SCHEMAS}
        per_label = {
            label: {
                schema: _metrics(schema, self._per_label[label][schema]) if label in self._per_label else _empty()
                for schema in SCHEMAS
            }
            for label in labels
        }
        return {"overall": overall, "per_label": per_label}


def _add(total: list[int], result) -> None:
    for i, name in enumerate(_COUNTS):
        total[i] += getattr(result, name)


def _metrics(schema: str, counts: list[int]) -> dict:
    result = EvaluationResult(**dict(zip(_COUNTS, counts)))
    result.compute_metrics(partial_or_type=schema in _PARTIAL_FORMULA)
    return _as_dict(result)
