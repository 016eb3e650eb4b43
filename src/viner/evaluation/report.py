"""The evaluation report as typed objects, and the one place that reads it from JSON.

A report is what ``viner evaluate`` measured: the figures (strict scores with bootstrap
intervals, nervaluate's schemas, the confusion matrix, the errors), the hashes that tell
whether two reports were measured on the same test data, and where the per-document
predictions are (a sidecar ``NAME.predictions.jsonl``; see :mod:`.predictions`).

:meth:`Report.from_dict` is the only reader of the JSON: reports of every schema load
through it, missing optional parts becoming ``None`` (schema 1 had no intervals, schemas,
confusion, errors nor training data; schema 2 kept the documents in the JSON and no
context with the errors; the seen/unseen ``slices`` came within schema 3, as an optional part).
:meth:`Report.to_dict` writes the same keys back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import VinerError
from .figures import Scores, Slices, Uncertainty, known_fields

REPORT_KIND = "viner-evaluation"
SCHEMA_VERSION = 3  # 3: per-document predictions in a sidecar file, a sample of the errors; 2: both inside the JSON
PREDICTIONS_SUFFIX = ".predictions.jsonl"

T = TypeVar("T")


SPACY_DEFAULT_META = ("pipeline", "0.0.0")  # the name and version spaCy gives a pipeline whose config has no [meta]


@dataclass
class ModelInfo:
    path: str | None = None
    name: str | None = None
    version: str | None = None
    lang: str | None = None
    pipeline: list[str] | None = None
    config_sha256: str | None = None
    size_bytes: int | None = None
    labels: list[str] | None = None

    @property
    def title(self) -> str:
        """How pages name the model: its meta's name and version, else its folder (``spacy train`` without a
        ``[meta]`` writes spaCy's default, "pipeline" 0.0.0, which tells one model from another by nothing)."""
        if self.name and (self.name, self.version) != SPACY_DEFAULT_META:
            return " ".join(str(x) for x in (self.name, self.version) if x)
        return self.path or self.name or "model"


@dataclass
class TrainingData:
    path: str | None = None
    sha256: str | None = None
    reason: str | None = "unknown"


@dataclass
class TestData:
    path: str | None = None
    sha256: str | None = None  # of the file (or of the shards of a folder)
    gold_sha256: str | None = None  # of the content: unit ids, texts and spans, whatever the format and order
    examples: int | None = None
    entities: int | None = None

    @property
    def tag(self) -> str | None:
        """The hash that identifies the test data: the gold content's, else the file's."""
        return self.gold_sha256 or self.sha256


@dataclass
class Speed:
    words: int | None = None
    seconds: float | None = None
    documents: int | None = None
    words_per_second: float | None = None
    documents_per_second: float | None = None
    given: bool = False  # words_per_second was given (an external system's own measurement), not measured here


@dataclass
class SchemaScores:
    correct: int
    incorrect: int
    partial: int
    missed: int
    spurious: int
    possible: int
    actual: int
    precision: float
    recall: float
    f1: float


@dataclass
class Schemas:
    """nervaluate's four schemas (see :mod:`.schemas`): ``overall[schema]``, ``per_label[label][schema]``."""

    overall: dict[str, SchemaScores]
    per_label: dict[str, dict[str, SchemaScores]]

    @classmethod
    def from_dict(cls, data: dict) -> Schemas:
        return cls(
            {schema: SchemaScores(**v) for schema, v in data["overall"].items()},
            {
                label: {schema: SchemaScores(**v) for schema, v in per.items()}
                for label, per in data["per_label"].items()
            },
        )


@dataclass
class Confusion:
    """``counts[i][j]``: gold ``rows[i]`` predicted as ``columns[j]``; ``exact``: only pairs with the same boundaries."""

    rows: list[str]
    columns: list[str]
    counts: list[list[int]]
    exact: list[list[int]] | None = None


@dataclass
class Entity:
    start: int
    end: int
    label: str
    text: str


@dataclass
class Context:
    """The text around an error: ``text`` starts at ``start`` in a document of ``length`` characters."""

    start: int
    text: str
    length: int


def read_part(kind: type[T], data: dict, key: str) -> T | None:
    """``data[key]`` read as a ``kind``, or None where the report has none."""
    value = data.get(key)
    return kind(**known_fields(kind, value)) if value is not None else None


def _entity(data: dict | None) -> Entity | None:
    return Entity(**data) if data else None


@dataclass
class ErrorExample:
    doc: int
    id: str
    category: str
    gold: Entity | None
    pred: Entity | None
    context: Context | None = None  # reports before schema 3 have none (their documents are in the JSON)

    @property
    def label(self) -> str:
        """The gold entity's label, else the prediction's (an error has at least one of them)."""
        entity = self.gold if self.gold is not None else self.pred
        if entity is None:
            raise ValueError(f"error {self.id}: neither a gold nor a predicted entity")
        return entity.label

    @classmethod
    def from_dict(cls, data: dict) -> ErrorExample:
        context = data.get("context")
        return cls(
            data["doc"],
            data["id"],
            data["category"],
            _entity(data.get("gold")),
            _entity(data.get("pred")),
            Context(**context) if context else None,
        )

    def to_dict(self) -> dict:
        out = asdict(self)
        if self.context is None:
            del out["context"]
        return out


@dataclass
class Errors:
    """Error counts per category overall and per label (complete), and the first errors of each category."""

    categories: list[str]
    counts: dict[str, int]
    per_label: dict[str, dict[str, int]]
    examples: list[ErrorExample]
    examples_total: int | None = None  # errors in all (reports before schema 3 kept every error)
    examples_kept: int | None = None
    max_examples_per_category: int | None = None

    @property
    def total(self) -> int:
        """Errors in all (every category but correct)."""
        if self.examples_total is not None:
            return self.examples_total
        return sum(n for c, n in self.counts.items() if c != "correct") or len(self.examples)

    @classmethod
    def from_dict(cls, data: dict) -> Errors:
        known = known_fields(cls, data)
        known["examples"] = [ErrorExample.from_dict(e) for e in data.get("examples", [])]
        return cls(**known)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["examples"] = [e.to_dict() for e in self.examples]
        return out


@dataclass
class External:
    """The predictions file of a system viner did not run (``viner evaluate PREDICTIONS.jsonl GOLD``).

    ``rows`` prediction rows were read; each gold unit took one, matched by unit id
    (``by_id``) or else by text (``by_text``); ``unused`` rows matched no gold unit.
    """

    path: str
    sha256: str
    rows: int = 0
    by_id: int = 0
    by_text: int = 0
    unused: int = 0


@dataclass
class Predictions:
    """The sidecar of per-document predictions: its file name beside the report, hash and size.

    ``path`` says where :func:`~.evaluate.evaluate` wrote it, until the report is written.
    """

    file: str
    sha256: str | None = None
    documents: int | None = None
    path: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "path" or v is not None}


@dataclass
class Report:
    overall: Scores
    per_label: dict[str, Scores]
    name: str | None = None
    model: ModelInfo = field(default_factory=ModelInfo)
    training_data: TrainingData | None = None
    data: TestData = field(default_factory=TestData)
    date: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    uncertainty: Uncertainty | None = None
    schemas: Schemas | None = None
    confusion: Confusion | None = None
    errors: Errors | None = None
    speed: Speed = field(default_factory=Speed)
    predictions: Predictions | None = None
    external: External | None = None  # set when the model is another system's predictions file
    slices: Slices | None = None  # seen/unseen entities; None in reports made before viner measured them
    documents: list[dict] | None = None  # per-document rows held in memory (or in a report before schema 3)
    kind: str = REPORT_KIND
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """The report of a JSON object of any schema (see the module docstring)."""
        return cls(
            kind=data.get("kind", REPORT_KIND),
            schema_version=data.get("schema_version", 1),
            name=data.get("name"),
            model=read_part(ModelInfo, data, "model") or ModelInfo(),
            training_data=read_part(TrainingData, data, "training_data"),
            data=read_part(TestData, data, "data") or TestData(),
            date=data.get("date"),
            versions=dict(data.get("versions") or {}),
            labels=list(data.get("labels") or []),
            overall=Scores(**known_fields(Scores, data["overall"])),
            per_label={label: Scores(**known_fields(Scores, v)) for label, v in data["per_label"].items()},
            uncertainty=read_part(Uncertainty, data, "uncertainty"),
            schemas=Schemas.from_dict(data["schemas"]) if data.get("schemas") else None,
            confusion=read_part(Confusion, data, "confusion"),
            errors=Errors.from_dict(data["errors"]) if data.get("errors") else None,
            speed=read_part(Speed, data, "speed") or Speed(),
            predictions=read_part(Predictions, data, "predictions"),
            external=read_part(External, data, "external"),
            slices=Slices.from_dict(data["slices"]) if data.get("slices") else None,
            documents=data.get("documents"),
        )

    def to_dict(self) -> dict:
        """The JSON object, keys in the order viner has always written them."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "schema_version": self.schema_version,
            "name": self.name,
            "model": asdict(self.model),
            "training_data": asdict(self.training_data or TrainingData()),
            "data": asdict(self.data),
            "date": self.date,
            "versions": dict(self.versions),
            "labels": list(self.labels),
            "overall": asdict(self.overall),
            "per_label": {label: asdict(v) for label, v in self.per_label.items()},
            "uncertainty": asdict(self.uncertainty) if self.uncertainty else None,
            "schemas": asdict(self.schemas) if self.schemas else None,
            "confusion": asdict(self.confusion) if self.confusion else None,
            "errors": self.errors.to_dict() if self.errors else None,
            "speed": asdict(self.speed),
        }
        if self.predictions is not None:
            out["predictions"] = self.predictions.to_dict()
        if self.external is not None:
            out["external"] = asdict(self.external)
        if self.slices is not None:
            out["slices"] = self.slices.to_dict()
        if self.documents is not None:
            out["documents"] = self.documents
        return out

    def ci(self, label: str | None = None, metric: str = "f1") -> list[float] | None:
        """The bootstrap interval of a metric, overall (``label=None``) or of a label; ``None`` without one."""
        return self.uncertainty.ci(label, metric) if self.uncertainty else None

    @property
    def has_documents(self) -> bool:
        """Whether the per-document predictions are at hand (in memory or in a sidecar): the paired bootstrap needs them."""
        return bool(self.documents or self.predictions)


def load_report(path: Path | str) -> Report:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such report")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise VinerError(f"{path}: not a JSON report ({err})") from err
    if not is_report(data):
        raise VinerError(
            f"{path}: not a viner evaluation report (no overall/per_label figures); make one with `viner evaluate`"
        )
    return Report.from_dict(data)


def is_report(data: Any) -> bool:
    return isinstance(data, dict) and "overall" in data and "per_label" in data


def report_paths(output: Path | str) -> dict[str, Path]:
    """The files of a report side by side: ``NAME.json``, ``NAME.md``, ``NAME.html`` and ``NAME.predictions.jsonl``."""
    output = Path(output)
    base = output.with_suffix("") if output.suffix.lower() in (".json", ".md", ".html") else output
    return {
        "json": base.with_suffix(".json"),
        "md": base.with_suffix(".md"),
        "html": base.with_suffix(".html"),
        "predictions": base.with_name(base.name + PREDICTIONS_SUFFIX),
    }
