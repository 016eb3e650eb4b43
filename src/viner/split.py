"""Seeded, reproducible train/dev/test split by article: units of one article never straddle splits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from .errors import VinerError

SPLIT_NAMES = ("train", "dev", "test")


def parse_ratios(text: str) -> tuple[float, ...]:
    """Parse "0.8,0.1,0.1" (or "80,10,10") into ratios summing to 1."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as err:
        raise VinerError(f"--split {text!r}: expected comma-separated numbers such as 0.8,0.1,0.1") from err
    if len(values) != len(SPLIT_NAMES) or any(v < 0 for v in values) or sum(values) <= 0:
        raise VinerError(f"--split {text!r}: expected three non-negative numbers for train,dev,test")
    total = sum(values)
    return tuple(v / total for v in values)


def _order_key(seed: int, group: str) -> str:
    return hashlib.sha1(f"{seed}\x00{group}".encode()).hexdigest()


def assign_splits(group_sizes: Mapping[str, int], ratios: Sequence[float], seed: int = 0) -> dict[str, str]:
    """Assign every group (article) to a split so that unit counts follow ``ratios``.

    Groups are shuffled by a hash of (seed, group) – stable across runs, machines and
    input order – then each goes to the split where the midpoint of its units falls.
    A split with a positive ratio is never left empty while another split has two
    or more groups.
    """
    order = sorted(group_sizes, key=lambda g: _order_key(seed, g))
    total = sum(group_sizes.values()) or 1
    bounds = []
    acc = 0.0
    for ratio in ratios:
        acc += ratio * total
        bounds.append(acc)
    assignment: dict[str, str] = {}
    seen = 0
    for group in order:
        middle = seen + group_sizes[group] / 2
        index = next((i for i, b in enumerate(bounds) if middle < b), len(bounds) - 1)
        while ratios[index] == 0 and index > 0:
            index -= 1
        assignment[group] = SPLIT_NAMES[index]
        seen += group_sizes[group]
    for index, name in enumerate(SPLIT_NAMES):
        if ratios[index] == 0 or name in assignment.values():
            continue
        members = {n: [g for g in order if assignment[g] == n] for n in SPLIT_NAMES}
        donor = max(SPLIT_NAMES, key=lambda n: (len(members[n]) > 1, sum(group_sizes[g] for g in members[n])))
        if len(members[donor]) < 2:
            continue
        moved = min(members[donor], key=lambda g: (group_sizes[g], _order_key(seed, g)))
        assignment[moved] = name
    return assignment
