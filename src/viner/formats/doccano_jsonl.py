"""Doccano's JSONL for sequence labeling: ``{"text": ..., "label": [[start, end, "LABEL"], ...], "meta": {...}}``.

Reading also accepts Doccano's export rows, where metadata keys sit beside ``text``
(``{"id": 7, "text": ..., "label": [...], "Comments": [], "unit_id": ...}``): every key
other than ``text``/``label`` ends up in ``meta`` (Doccano's own ``id`` as ``doccano_id``),
so a unit keeps its id and provenance through a round trip to the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from ..io import NotJSON, iter_json_lines, write_lines
from ..record import DEFAULT_LABELS, Example, Problem, make_example

SUFFIXES = (".jsonl",)
OnProblem = Callable[[Problem], None]


def parse_row(
    row: Any, where: tuple[str, int], labels: Sequence[str] | None = DEFAULT_LABELS
) -> tuple[Example | None, list[Problem]]:
    """Turn one decoded JSON value into an Example, or the problems that prevent it."""
    path, line = where
    if not isinstance(row, dict):
        return None, [Problem(path, line, None, f"expected a JSON object, got {type(row).__name__}")]
    if "text" not in row:
        keys = ", ".join(sorted(map(str, row))) or "none"
        return None, [Problem(path, line, "text", f"missing (keys present: {keys})")]
    raw_spans = row["label"] if "label" in row else row.get("labels", [])
    if raw_spans is None:
        raw_spans = []
    if not isinstance(raw_spans, list):
        return None, [
            Problem(path, line, "label", f"must be a list of [start, end, label], got {type(raw_spans).__name__}")
        ]
    nested = row.get("meta")
    if isinstance(nested, dict):
        meta: dict[str, Any] = dict(nested)
    else:
        meta = {} if nested is None else {"meta": nested}
    if not row.keys() <= _ROW_KEYS:  # keys beside text/label/meta (Doccano's export rows) go to meta
        for key, value in row.items():
            if key not in _ROW_KEYS:
                meta["doccano_id" if key == "id" else key] = value
    if "Comments" in meta and meta["Comments"] == []:
        del meta["Comments"]
    example, problems = make_example(row["text"], raw_spans, meta=meta, labels=labels)  # its id: unit_id of the text
    given = meta.get("unit_id")
    if example is not None and given and str(given) != example.id:
        why = f"{given!r} is not the id of this text ({example.id!r}): was the text edited? remove unit_id to give it a new one"
        example, problems = None, [("meta.unit_id", why)]
    if not problems:
        return example, []
    return example, [Problem(path, line, fld, msg) for fld, msg in problems]


_ROW_KEYS = frozenset(("text", "label", "labels", "meta"))


def read(
    path: Path | str,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    on_problem: OnProblem | None = None,
) -> Iterator[Example]:
    """Stream the valid examples of a JSONL file.

    Each invalid line is passed to ``on_problem`` and skipped; without a callback
    the first problem raises :class:`InvalidInput`. Blank lines are ignored.
    """
    for _, example in read_located(path, labels, on_problem):
        yield example


def read_located(
    path: Path | str,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    on_problem: OnProblem | None = None,
) -> Iterator[tuple[int, Example]]:
    """Like :func:`read`, yielding ``(line_number, example)`` so later stages can point at the line."""
    for number, _, example in read_rows(path, labels, on_problem):
        yield number, example


def read_rows(
    path: Path | str,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    on_problem: OnProblem | None = None,
) -> Iterator[tuple[int, Any, Example]]:
    """Like :func:`read_located`, with each line's JSON value as read (to pass a unit on exactly as it came)."""
    path = Path(path)
    for number, row in iter_json_lines(path):
        if type(row) is NotJSON:
            problems = [not_json(path, number, row)]
        else:
            example, problems = parse_row(row, (str(path), number), labels)
            if example is not None:
                yield number, row, example
                continue
        for problem in problems:
            if on_problem is None:
                raise InvalidInput(problems)
            on_problem(problem)


def not_json(path: Path, number: int, row: NotJSON) -> Problem:
    """The problem of a line that is not JSON (with a hint when it looks like CoNLL)."""
    line = row.line
    if line.lstrip()[:1] not in "{[" and ("\t" in line or len(line.split()) == 2):
        return Problem(
            str(path), number, None, "not JSON: this looks like CoNLL/IOB text; convert it with `viner import-conll`"
        )
    return Problem(str(path), number, None, f"invalid JSON ({row.reason})")


def to_row(example: Example) -> dict[str, Any]:
    meta = dict(example.meta)
    meta.pop("doccano_id", None)
    meta["unit_id"] = example.id
    return {"text": example.text, "label": [s.as_list() for s in example.spans], "meta": meta}


def dumps(example: Example) -> str:
    return json.dumps(to_row(example), ensure_ascii=False)


def write(examples: Iterable[Example], path: Path | str) -> int:
    """Write examples as Doccano-importable JSONL, atomically and streaming; returns the count."""
    return write_lines((dumps(e) for e in examples), path)
