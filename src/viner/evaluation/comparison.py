"""The comparison of model versions as typed objects, and the one place that reads it from JSON.

A comparison is what ``viner compare`` measured (see :mod:`.compare`): each version's figures
(one report, or its runs pooled), and for every version against the baseline whether they
were measured on the same test data, the F1 differences and, with per-document predictions,
the paired bootstrap intervals with a verdict that names the better version.

:meth:`Comparison.from_dict` reads comparisons of every viner version (those written before
the verdicts named the versions said "A better"/"B better": the verdict is computed again
from the interval and the names); :meth:`Comparison.to_dict` writes the JSON keys viner has
always written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .bootstrap import NEITHER_PREDICTS, NOT_MEASURED, verdict
from .figures import Slice
from .report import External, ModelInfo, Scores, Speed, TestData, TrainingData, Uncertainty, known_fields, read_part

COMPARISON_KIND = "viner-comparison"


@dataclass
class Delta:
    """F1 of A and B on one label (or overall), their difference and its paired bootstrap interval."""

    f1_a: float
    f1_b: float
    delta: float
    ci: list[float]
    b_wins: float
    a_wins: float
    support: int
    verdict: str

    @property
    def winner(self) -> str | None:
        """``"b"`` when the whole interval is above 0, ``"a"`` when below, else ``None``."""
        if self.verdict.startswith(NOT_MEASURED):
            return None
        return "b" if self.ci[0] > 0 else "a" if self.ci[1] < 0 else None


@dataclass
class Bootstrap:
    """The paired bootstrap of F1(B) - F1(A) over documents: overall and per label."""

    method: str
    resamples: int
    seed: int
    level: float
    documents: int
    overall: Delta
    per_label: dict[str, Delta]

    def row(self, label: str | None) -> Delta:
        """The overall row (``label`` ``None`` or ``"overall"``), else the label's."""
        return self.overall if label in (None, "overall") else self.per_label[label]

    @classmethod
    def from_dict(cls, data: dict, name_a: str, name_b: str) -> Bootstrap:
        def delta(row: dict) -> Delta:
            out = Delta(**known_fields(Delta, row))
            # computed with the names (older files said "B better")
            if not out.verdict.startswith((NOT_MEASURED, NEITHER_PREDICTS)):
                out.verdict = verdict(out.ci[0], out.ci[1], name_a, name_b)
            return out

        known = known_fields(cls, data)
        known["overall"] = delta(data["overall"])
        known["per_label"] = {label: delta(row) for label, row in data["per_label"].items()}
        return cls(**known)


@dataclass
class Run:
    """One run (seed) of a version given as several runs: its report and its own F1."""

    name: str
    report: str | None
    html: str | None
    f1: float


@dataclass
class Version:
    """A model version: its report's figures, or its runs' pooled (their strict counts summed)."""

    name: str
    overall: Scores
    per_label: dict[str, Scores]
    report: str | None = None  # a pooled version has no one report: its runs link to theirs
    html: str | None = None
    model: ModelInfo = field(default_factory=ModelInfo)
    external: External | None = None  # another system's predictions file (``viner evaluate PREDICTIONS.jsonl``)
    data: TestData = field(default_factory=TestData)
    training_data: TrainingData | None = None
    date: str | None = None
    uncertainty: Uncertainty | None = None
    speed: Speed = field(default_factory=Speed)
    has_documents: bool = False
    runs: list[Run] = field(default_factory=list)
    comparable: bool = True
    unseen: Slice | None = None  # the unseen entities' scores (pooled over the runs)

    def scores(self, label: str | None) -> Scores | None:
        """The overall scores (``label`` ``None`` or ``"overall"``), else the label's (``None`` if it has none)."""
        return self.overall if label in (None, "overall") else self.per_label.get(label)

    def ci(self, label: str | None = None, metric: str = "f1") -> list[float] | None:
        return self.uncertainty.ci(None if label == "overall" else label, metric) if self.uncertainty else None

    @classmethod
    def from_dict(cls, data: dict) -> Version:
        known = known_fields(cls, data)
        known.update(
            overall=Scores(**known_fields(Scores, data["overall"])),
            per_label={label: Scores(**known_fields(Scores, v)) for label, v in data["per_label"].items()},
            model=read_part(ModelInfo, data, "model") or ModelInfo(),
            external=read_part(External, data, "external"),
            data=read_part(TestData, data, "data") or TestData(),
            training_data=read_part(TrainingData, data, "training_data"),
            uncertainty=read_part(Uncertainty, data, "uncertainty"),
            speed=read_part(Speed, data, "speed") or Speed(),
            runs=[Run(**known_fields(Run, r)) for r in data.get("runs") or []],
            unseen=Slice.from_dict(data["unseen"]) if data.get("unseen") else None,
        )
        return cls(**known)


@dataclass
class Pair:
    """Version ``b`` against the baseline ``a`` (indexes into :attr:`Comparison.models`)."""

    a: int
    b: int
    a_name: str
    b_name: str
    comparable: bool
    reason: str
    bootstrap: Bootstrap | None = None
    note: str | None = None  # why there is no bootstrap (no per-document predictions)
    deltas: dict[str, float | None] | None = None  # F1(B) - F1(A) per label and "overall"; None when not comparable
    unseen: Bootstrap | None = None  # the paired bootstrap of the unseen entities' F1
    unseen_note: str | None = None  # why there is none (a version cannot tell seen from unseen entities)

    @classmethod
    def from_dict(cls, data: dict) -> Pair:
        known = known_fields(cls, data)
        if data.get("bootstrap"):
            known["bootstrap"] = Bootstrap.from_dict(data["bootstrap"], data["a_name"], data["b_name"])
        if data.get("unseen"):
            known["unseen"] = Bootstrap.from_dict(data["unseen"], data["a_name"], data["b_name"])
        return cls(**known)

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("note", "deltas", "unseen_note"):  # absent rather than null, as viner has always written them
            if out[key] is None:
                del out[key]
        return out


@dataclass
class Comparison:
    baseline: str
    labels: list[str]
    models: list[Version]
    comparisons: list[Pair]
    resamples: int
    seed: int
    level: float
    warnings: list[str] = field(default_factory=list)
    date: str | None = None
    kind: str = COMPARISON_KIND

    @property
    def all_comparable(self) -> bool:
        return all(c.comparable for c in self.comparisons)

    @classmethod
    def from_dict(cls, data: dict) -> Comparison:
        known = known_fields(cls, data)
        known["models"] = [Version.from_dict(m) for m in data["models"]]
        known["comparisons"] = [Pair.from_dict(c) for c in data["comparisons"]]
        return cls(**known)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "kind": self.kind,
            "date": self.date,
            "baseline": self.baseline,
            "labels": list(self.labels),
            "resamples": self.resamples,
            "seed": self.seed,
            "level": self.level,
            "models": [asdict(m) for m in self.models],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "warnings": list(self.warnings),
            "all_comparable": self.all_comparable,
        }
        return out
