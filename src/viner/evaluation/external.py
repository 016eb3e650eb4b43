"""Score another system's predictions: ``viner evaluate PREDICTIONS.jsonl GOLD``.

A Doccano JSONL of spans written by any system (a transformer fine-tuned elsewhere, another
toolkit, a vendor's API) is scored exactly as a trained pipeline is: the same
:class:`~.scoring.Scorer`, so the same strict and nervaluate figures, intervals, confusion,
errors and per-document predictions for ``viner compare``.

Each gold unit takes the prediction row that carries its unit id (``meta.unit_id``, as viner
writes it), else the row with its text. Predicted spans are character offsets on that text and
are scored strictly, as a model's entities are (a span that cuts a gold token is simply not the
gold span). Whatever does not fit is an error naming file and line, every one reported at once
and nothing written: a row that is not JSON or has invalid spans, a gold unit without a
prediction, a prediction with a gold unit's id but another text. Rows that match no gold unit
are counted in the report (``external.unused``).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import spacy

from ..errors import InvalidInput, VinerError
from ..formats.doccano_jsonl import SUFFIXES, parse_row
from ..identity import data_sha256, file_sha256
from ..io import NotJSON, iter_json_lines
from ..labels import workspace_scheme
from ..record import Example, Problem, Span, unit_id
from .bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from .evaluate import GoldPlace, ordered_labels, read_gold_located, training_lexicon
from .predictions import predictions_file
from .report import External, ModelInfo, Report, Speed, TestData, TrainingData
from .scoring import Scorer, document_row

UNKNOWN_TRAINING = "an external system (viner did not train it)"


def is_predictions_file(model: Path | str) -> bool:
    """Whether ``viner evaluate``'s first argument is a predictions file (a Doccano .jsonl) rather than a pipeline."""
    return Path(model).suffix.lower() in SUFFIXES


class Row(NamedTuple):
    """One prediction row: its line, the unit id it names (if any), the id of its text, its spans."""

    line: int
    given: str | None
    text_id: str
    text: str
    spans: tuple[Span, ...]


def _without_unit_id(value: Any) -> tuple[str | None, Any]:
    """The unit id a row names (``meta.unit_id``, or ``unit_id`` beside the text in Doccano's export rows),
    and the row without it (so that the row's own text decides its id and the two can be told apart)."""
    if not isinstance(value, dict):
        return None, value
    given = None
    meta = value.get("meta")
    if isinstance(meta, dict) and "unit_id" in meta:
        given = meta["unit_id"]
        value = {**value, "meta": {k: v for k, v in meta.items() if k != "unit_id"}}
    if "unit_id" in value:
        given = given or value["unit_id"]
        value = {k: v for k, v in value.items() if k != "unit_id"}
    return (str(given) if given else None), value


def _difference(predicted: str, gold: str) -> str:
    """Where two texts first differ, shown as a few characters of each."""
    i = next((k for k, (a, b) in enumerate(zip(predicted, gold)) if a != b), min(len(predicted), len(gold)))
    lo = max(0, i - 15)
    return f"at character {i}: {predicted[lo : i + 15]!r} where the gold has {gold[lo : i + 15]!r}"


class PredictionIndex:
    """The rows of a predictions file indexed by unit id and by text; :meth:`match` gives a gold unit its row.

    Reading collects the rows' problems (``problems``); matching adds a problem for each gold unit
    without a row, and for each row whose unit id is a gold unit's but whose text is not. The n-th
    gold unit with a given id or text takes the n-th such row (the last one when there are fewer:
    a system gives the same text the same answer).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.by_id = 0
        self.by_text = 0
        self.labels: dict[str, None] = {}
        self.problems: list[Problem] = []
        self._ids: dict[str, list[Row]] = {}
        self._texts: dict[str, list[Row]] = {}
        self._taken: Counter[tuple[str, str]] = Counter()
        self._used: set[int] = set()
        for number, value in iter_json_lines(path):
            if isinstance(value, NotJSON):
                self.problems.append(Problem(str(path), number, None, f"invalid JSON ({value.reason})"))
                continue
            given, row = _without_unit_id(value)
            example, problems = parse_row(row, (str(path), number), labels=None)
            if example is None:
                self.problems.extend(problems)
                continue
            self.rows += 1
            entry = Row(number, given, example.id, example.text, example.spans)
            if given:
                self._ids.setdefault(given, []).append(entry)
            self._texts.setdefault(example.id, []).append(entry)
            for span in example.spans:
                self.labels.setdefault(span.label)

    @property
    def unused(self) -> int:
        """Rows no gold unit took."""
        return self.rows - len(self._used)

    def match(self, place: GoldPlace, example: Example) -> tuple[Span, ...] | None:
        """The predicted spans of a gold unit, or ``None`` (and a problem recorded) when it has no valid row."""
        path, line, where = place
        text_id = unit_id(example.text)
        if example.id in self._ids:
            key, rows = ("id", example.id), self._ids[example.id]
        elif text_id in self._texts:
            key, rows = ("text", text_id), self._texts[text_id]
        else:
            self.problems.append(
                Problem(
                    path,
                    line,
                    where,
                    f"gold unit {example.id} has no prediction in {self.path} (no row with its meta.unit_id nor with its text)",
                )
            )
            return None
        row = rows[min(self._taken[key], len(rows) - 1)]
        self._taken[key] += 1
        if row.text_id != text_id:
            gold_at = f"{path}:{line}" if line is not None else f"{path}: {where}"
            self.problems.append(
                Problem(
                    str(self.path),
                    row.line,
                    "text",
                    f"differs from the text of gold unit {example.id} ({gold_at}) {_difference(row.text, example.text)}",
                )
            )
            return None
        if row.line not in self._used:
            self._used.add(row.line)
            if key[0] == "id":
                self.by_id += 1
            else:
                self.by_text += 1
        return row.spans


def evaluate_predictions(
    predictions: Path | str,
    data: Path | str,
    *,
    labels: Sequence[str] | None = None,
    name: str | None = None,
    words_per_second: float | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    sidecar: Path | str | None = None,
    train: Path | str | None = None,
) -> Report:
    """Score a Doccano JSONL of another system's spans against the gold (see the module docstring).

    ``labels`` defaults to the workspace scheme's labels and every other label predicted;
    ``name`` to the predictions file's name; ``words_per_second`` is the system's own speed, if
    known (the report has none otherwise). With ``sidecar`` the per-document predictions are
    written there, as :func:`~.evaluate.evaluate` does. With ``train`` (the data the system was
    trained on) the report splits its entities into seen and unseen ones (see :mod:`.slices`).
    """
    path = Path(predictions)
    if not path.is_file():
        raise VinerError(f"{path}: no such predictions file")
    if words_per_second is not None and words_per_second <= 0:
        raise VinerError(f"--words-per-second must be a positive number of words per second, got {words_per_second}")
    index = PredictionIndex(path)
    if index.problems:
        raise InvalidInput(index.problems)
    if not index.rows:
        raise VinerError(f'{path}: holds no predictions (expected one {{"text": ..., "label": [...]}} per line)')
    labels = list(labels or ordered_labels(list(dict.fromkeys([*workspace_scheme().names, *index.labels]))))
    training = TrainingData(reason=UNKNOWN_TRAINING)
    lexicon, unseen_reason = training_lexicon(training, train)
    scorer = Scorer(labels, lexicon=lexicon, unseen_reason=unseen_reason)
    gold = read_gold_located(data, spacy.blank("xx"))  # a DocBin's vocabulary: any language reads it
    with predictions_file(sidecar) if sidecar is not None else contextlib.nullcontext() as out:
        for place, example in gold:
            spans = index.match(place, example)
            if spans is None:
                continue
            pred = scorer.add(example, spans)
            if out is not None:
                out.write(document_row(example, pred, scorer.seen))
        if index.problems:
            raise InvalidInput(index.problems)  # before the sidecar is in place: nothing is written
        if not scorer.documents:
            raise VinerError(f"{data}: holds no examples to evaluate on")
    system = name or path.stem
    report = scorer.report(
        name=system,
        model=ModelInfo(path=str(path), name=system, labels=ordered_labels(list(index.labels))),
        training_data=training,
        data=TestData(path=str(data), sha256=data_sha256(data)),
        speed=Speed(words_per_second=words_per_second, given=words_per_second is not None),
        resamples=resamples,
        seed=seed,
    )
    report.external = External(
        path=str(path),
        sha256=file_sha256(path),
        rows=index.rows,
        by_id=index.by_id,
        by_text=index.by_text,
        unused=index.unused,
    )
    if out is not None and sidecar is not None:
        report.predictions = out.info(Path(sidecar))
        report.predictions.path = str(sidecar)
    return report
