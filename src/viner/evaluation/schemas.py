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

from typing import Sequence

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


def nervaluate_schemas(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]
) -> dict:
    """``{"overall": {schema: counts}, "per_label": {label: {schema: counts}}}`` for the four schemas.

    Every label in ``labels`` is present (all zeros when it occurs nowhere). As in
    nervaluate, the per-label figures compare only entities of that label, so a type
    confusion shows there as a missed and a spurious entity; the overall figures see
    it as one ``incorrect`` entity.
    """
    from nervaluate import Evaluator

    labels = list(labels)
    result = Evaluator(_entities(gold), _entities(predicted), tags=labels, loader="dict").evaluate() if gold else {}
    overall = {schema: _as_dict(result["overall"][schema]) if result.get("overall") else _empty() for schema in SCHEMAS}
    entities = result.get("entities", {})
    per_label = {
        label: {schema: _as_dict(entities[label][schema]) if label in entities else _empty() for schema in SCHEMAS}
        for label in labels
    }
    return {"overall": overall, "per_label": per_label}
