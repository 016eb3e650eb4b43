"""Rows of Doccano's export as pull and status read them.

- whitespace at a span's edge is trimmed (``"Tokayev "`` -> ``"Tokayev"``): it is invisible in the annotation
  page and not a disagreement about an entity; each trim is reported with the original span;
- a row that is still invalid is located for the lead: whose it is, which unit (Doccano's id and the page of the
  annotation view) and how the annotator fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..record import Problem
from ..snapshot import row_unit


@dataclass(frozen=True)
class Trim:
    """One span shortened on pull: its place in the row's ``label`` list, the span as exported and as kept."""

    index: int
    before: tuple[int, int, str]
    after: tuple[int, int, str]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def trim_edges(row: dict[str, Any]) -> tuple[dict[str, Any], list[Trim]]:
    """``row`` with whitespace cut from both ends of its spans, and the spans cut.

    Only well-formed spans that keep at least one character are changed; a span of nothing but whitespace (or
    anything else malformed) is left for the validator to report. Trimming only shrinks spans, so it never
    makes two spans overlap.
    """
    text, spans = row.get("text"), row.get("label")
    if not isinstance(text, str) or not isinstance(spans, list):
        return row, []
    kept: list[Any] = []
    trims: list[Trim] = []
    for index, raw in enumerate(spans):
        if (
            isinstance(raw, (list, tuple))
            and len(raw) == 3
            and _is_int(raw[0])
            and _is_int(raw[1])
            and 0 <= raw[0] < raw[1] <= len(text)
        ):
            start, end = raw[0], raw[1]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end and (start, end) != (raw[0], raw[1]):
                trims.append(Trim(index, (raw[0], raw[1], raw[2]), (start, end, raw[2])))
                raw = [start, end, raw[2]]
        kept.append(raw)
    return ({**row, "label": kept} if trims else row), trims


def trim_note(path: str, line: int, annotator: str, row: dict[str, Any], trim: Trim) -> Problem:
    """What problems.txt says of a trimmed span: the original, what is kept, whose and which unit."""
    text = row["text"]
    (s0, e0, label), (s1, e1, _) = trim.before, trim.after
    return Problem(
        path,
        line,
        f"label[{trim.index}]",
        f"trimmed whitespace at the edge of {annotator}'s span {text[s0:e0]!r} ({label}) [{s0}:{e0}] to "
        f"{text[s1:e1]!r} [{s1}:{e1}] (unit {row_unit(row)}, Doccano #{row.get('id')}); the export as it came is in raw/",
    )


def located(problem: Problem, annotator: str, row: Any, link: str | None) -> Problem:
    """``problem`` with whose row it is, the unit, and how to fix it in Doccano (``link``: the unit's page)."""
    if not isinstance(row, dict):
        return problem
    where = f"Doccano #{row.get('id')}" + (f", {link}" if link else "")
    fix = (
        f"{annotator}'s unit {row_unit(row)} ({where}): {annotator} opens it in Doccano, deletes that span "
        "(click its label, then x) and selects it again; then pull again. "
        "Or leave the unit out: `viner agree`/`viner merge` with --skip-invalid"
    )
    return Problem(problem.path, problem.line, problem.field, f"{problem.message}; {fix}")
