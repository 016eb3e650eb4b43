"""The figures of a report, typed: strict scores, bootstrap intervals, and the seen/unseen slices.

The seen/unseen slice splits the entities by whether their text was an entity text in the
model's training data (see :mod:`.seen` and :mod:`.slices`, and evaluate/README.md for the
exact definition).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .metrics import Counts


def known_fields(cls: type, data: dict | None) -> dict:
    """The keys of ``data`` that are fields of ``cls`` (older or newer reports may have others)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in (data or {}).items() if k in names}


@dataclass
class Scores:
    """Strict precision, recall and F1 (0.0 where undefined, as in spaCy and nervaluate) with their counts."""

    precision: float
    recall: float
    f1: float
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def measured(self) -> bool:
        """Whether any entity was expected or predicted (else precision, recall and F1 are undefined: shown as –)."""
        return bool(self.tp or self.fp or self.fn)

    def get(self, metric: str) -> float | None:
        """A metric, ``None`` where undefined (nothing expected nor predicted)."""
        return getattr(self, metric) if self.measured else None

    @classmethod
    def from_counts(cls, c: Counts) -> Scores:
        return cls(c.precision or 0.0, c.recall or 0.0, c.f1 or 0.0, c.gold, c.tp, c.fp, c.fn)


@dataclass
class Uncertainty:
    """Bootstrap intervals: ``overall[metric]`` and ``per_label[label][metric]`` are ``[low, high]``."""

    method: str
    resamples: int
    seed: int
    level: float
    overall: dict[str, list[float]]
    per_label: dict[str, dict[str, list[float]]]

    def ci(self, label: str | None = None, metric: str = "f1") -> list[float] | None:
        block = self.overall if label is None else self.per_label.get(label)
        return (block or {}).get(metric)


@dataclass
class Slice:
    """Strict scores of the entities of one slice (seen or unseen), overall and per label, with intervals."""

    overall: Scores
    per_label: dict[str, Scores]
    uncertainty: Uncertainty | None = None

    def scores(self, label: str | None) -> Scores | None:
        """The overall scores (``label`` ``None`` or ``"overall"``), else the label's (``None`` if it has none)."""
        return self.overall if label in (None, "overall") else self.per_label.get(label)

    def ci(self, label: str | None = None, metric: str = "f1") -> list[float] | None:
        return self.uncertainty.ci(None if label == "overall" else label, metric) if self.uncertainty else None

    @classmethod
    def from_dict(cls, data: dict) -> Slice:
        u = data.get("uncertainty")
        return cls(
            Scores(**known_fields(Scores, data["overall"])),
            {label: Scores(**known_fields(Scores, v)) for label, v in data["per_label"].items()},
            Uncertainty(**known_fields(Uncertainty, u)) if u else None,
        )


@dataclass
class Slices:
    """Seen and unseen entities: a gold or predicted entity is *seen* when its text (NFC, case-folded,
    whitespace collapsed) is the text of an entity of any label in the training data.

    ``seen`` and ``unseen`` are ``None`` when the training data could not be read: ``reason`` says why.
    """

    match: str = "entity text, NFC, case-folded, whitespace collapsed, any label"
    train_path: str | None = None
    train_sha256: str | None = None
    train_entities: int | None = None  # entity mentions in the training data
    train_texts: int | None = None  # distinct entity texts (as compared)
    seen: Slice | None = None
    unseen: Slice | None = None
    reason: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> Slices:
        known = known_fields(cls, data)
        for key in ("seen", "unseen"):
            known[key] = Slice.from_dict(data[key]) if data.get(key) else None
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
