"""Which units to annotate next: the ones the model is least sure of, or a seeded random sample.

The choice behind ``viner doccano push --select uncertain|random --limit N`` (Prodigy's ner.teach, batch
by batch): from the units that are not in the project yet, ``uncertain`` takes the N with the highest
uncertainty (viner.confidence: 1 - the probability of the beam's best parse), ``random`` a seeded sample of N
(the baseline, and what to use before a model exists). experiments/tools/active_learning.py measures what
the uncertain choice saves (docs/annotate-less.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from .confidence import score_texts
from .errors import VinerError
from .record import Example

STRATEGIES = ("uncertain", "random")


@dataclass
class Selection:
    units: list[Example]  # the chosen units, the most uncertain first (uncertain) or in file order (random)
    candidates: int  # units that were not excluded
    excluded: int  # units left out because they are already in the project
    uncertainty: dict[str, float] = field(
        default_factory=dict
    )  # unit id -> uncertainty, for the chosen units (uncertain)


def select(
    pool: Sequence[Example],
    strategy: str,
    limit: int,
    *,
    nlp=None,
    seed: int = 0,
    exclude: Collection[str] = (),
    batch_size: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> Selection:
    """Choose ``limit`` units of ``pool`` whose id is not in ``exclude`` (see the module docstring)."""
    if strategy not in STRATEGIES:
        raise VinerError(f"--select {strategy!r}: choose one of {', '.join(STRATEGIES)}")
    if limit < 1:
        raise VinerError(f"--limit {limit}: give at least 1 (the number of units to push in this batch)")
    if strategy == "uncertain" and nlp is None:
        raise VinerError(
            "--select uncertain needs a model to score the units: add --preannotate MODEL (or use --select random)"
        )
    excluded = set(exclude)
    candidates = [unit for unit in pool if unit.id not in excluded]
    selection = Selection([], len(candidates), len(pool) - len(candidates))
    if strategy == "random":
        chosen = set(random.Random(seed).sample(range(len(candidates)), min(limit, len(candidates))))
        selection.units = [unit for i, unit in enumerate(candidates) if i in chosen]
        return selection
    scored: list[tuple[float, int]] = []
    for i, (_, unit_scores) in enumerate(score_texts(nlp, (unit.text for unit in candidates), batch_size=batch_size)):
        scored.append((unit_scores.uncertainty, i))
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1, len(candidates))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))  # ties: file order
    selection.units = [candidates[i] for _, i in scored[:limit]]
    selection.uncertainty = {candidates[i].id: value for value, i in scored[:limit]}
    return selection
