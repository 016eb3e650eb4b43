"""Reading a pull snapshot (or annotator files) for `viner agree` and `viner merge`.

A snapshot folder from ``viner doccano pull`` holds one ``NAME.jsonl`` per annotator. Every row goes
through the shared validator. An invalid row stops the reading with every problem listed, unless

- the annotator did not check that unit (``doccano_confirmed`` false, and unchecked units are not
  used): it is unfinished work; that annotator's row is left out and counted;
- ``skip_invalid``: a unit with an invalid checked row is left out for *every* annotator (one
  version less could turn a conflict into gold) and reported with the problems that made it invalid.

A row whose unit cannot be told (not JSON, no text) always stops the reading.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput, VinerError
from .formats.doccano_jsonl import not_json, parse_row
from .io import NotJSON, find_files, iter_json_lines
from .record import DEFAULT_LABELS, Example, Problem, unit_id

CONFIRMED_KEY = "doccano_confirmed"

Annotations = dict[str, dict[str, Example]]  # annotator -> unit id -> example


def is_done(example: Example, include_unconfirmed: bool = False) -> bool:
    return include_unconfirmed or example.meta.get(CONFIRMED_KEY, True) is not False


@dataclass(frozen=True)
class SkippedUnit:
    """A unit left out because an annotator's row for it is invalid."""

    unit_id: str
    annotator: str
    problems: tuple[Problem, ...]
    checked: bool  # False: the annotator had not checked it (unfinished work)


@dataclass
class Snapshot:
    annotations: Annotations
    skipped: list[SkippedUnit] = field(default_factory=list)


def newest_snapshot(folder: Path) -> Path:
    """``folder`` itself, or, for a folder of `viner doccano pull` snapshots of one project, the newest of them."""
    folder = Path(folder)
    if not folder.is_dir() or any(folder.glob("*.jsonl")):
        return folder
    snapshots = [p for p in folder.iterdir() if p.is_dir() and (p / "manifest.json").is_file()]
    if not snapshots:
        return folder
    projects = {json.loads((p / "manifest.json").read_text(encoding="utf-8")).get("project") for p in snapshots}
    if len(projects) > 1:
        raise VinerError(
            f"{folder}: holds snapshots of {len(projects)} projects ({', '.join(sorted(map(str, projects)))}); give one snapshot folder"
        )
    return max(
        snapshots,
        key=lambda p: json.loads((p / "manifest.json").read_text(encoding="utf-8")).get("pulled_at", "") + p.name,
    )


def snapshot_project(paths: Sequence[Path | str]) -> str | None:
    """The Doccano project a snapshot was pulled from (its manifest), when one snapshot folder is given."""
    if len(paths) != 1:
        return None
    manifest = newest_snapshot(Path(paths[0])) / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        project = json.loads(manifest.read_text(encoding="utf-8")).get("project")
    except (json.JSONDecodeError, OSError, AttributeError):
        return None
    return project if isinstance(project, str) and project else None


def annotator_files(paths: Sequence[Path | str]) -> dict[str, Path]:
    """Annotator name -> file: a snapshot folder's ``*.jsonl`` (name = file stem), or files given one by one.

    A folder of snapshots of one project (``viner doccano pull -o annotations/exports/PROJECT``) stands for
    its newest snapshot.
    """
    files = find_files([newest_snapshot(Path(p)) for p in paths], (".jsonl",))
    named: dict[str, Path] = {}
    for path in files:
        if path.parent.name == "raw":
            continue
        name = path.stem
        if name in named:
            raise VinerError(f"two files for annotator {name!r}: {named[name]} and {path}; give one snapshot at a time")
        named[name] = path
    if not named:
        raise VinerError(
            f"{', '.join(map(str, paths))}: no annotator files (expected one NAME.jsonl per annotator, as `viner doccano pull` writes)"
        )
    return named


def row_unit(row: Any) -> str | None:
    """The unit id of a row, valid or not (``unit_id`` beside the text or in ``meta``, else the text's hash)."""
    if not isinstance(row, dict):
        return None
    given_meta = row.get("meta")
    meta: dict = given_meta if isinstance(given_meta, dict) else {}
    given = row.get("unit_id") or meta.get("unit_id")
    if given:
        return str(given)
    text = row.get("text")
    return unit_id(text) if isinstance(text, str) and text else None


def _row_checked(row: dict) -> bool:
    given_meta = row.get("meta")
    meta: dict = given_meta if isinstance(given_meta, dict) else {}
    return row.get(CONFIRMED_KEY, meta.get(CONFIRMED_KEY, True)) is not False


def read_snapshot(
    paths: Sequence[Path | str],
    labels: Sequence[str] | None = DEFAULT_LABELS,
    *,
    skip_invalid: bool = False,
    include_unconfirmed: bool = False,
) -> Snapshot:
    """Every annotator's units (see the module docstring for what an invalid row does)."""
    fatal: list[Problem] = []
    skippable = False  # a fatal row that --skip-invalid would leave out
    result = Snapshot({})
    for name, path in annotator_files(paths).items():
        units: dict[str, Example] = {}
        seen_at: dict[str, int] = {}
        for number, row in iter_json_lines(path):
            if type(row) is NotJSON:
                fatal.append(not_json(path, number, row))
                continue
            example, problems = parse_row(row, (str(path), number), labels)
            if example is None:
                uid, checked = row_unit(row), _row_checked(row)
                if uid is not None and (skip_invalid or not (checked or include_unconfirmed)):
                    result.skipped.append(SkippedUnit(uid, name, tuple(problems), checked))
                else:
                    fatal.extend(problems)
                    skippable = skippable or uid is not None
                continue
            if example.id in units:
                if units[example.id].spans != example.spans or units[example.id].text != example.text:
                    fatal.append(
                        Problem(
                            str(path),
                            None,
                            "unit_id",
                            f"unit {example.id} appears twice with different spans (row {seen_at[example.id]} and row {number})",
                        )
                    )
                continue
            units[example.id] = example
            seen_at[example.id] = number
        if (
            not units
            and not any(p.path == str(path) for p in fatal)
            and not any(s.annotator == name for s in result.skipped)
        ):
            fatal.append(
                Problem(
                    str(path),
                    None,
                    None,
                    f'empty file: no units for annotator {name!r} (expected one {{"text": ..., "label": [...]}} object per line); was the pull interrupted, or is it the wrong file?',
                )
            )
        result.annotations[name] = units
    if fatal:
        hint = (
            "have the rows fixed in Doccano and pull again, or pass --skip-invalid to go on without those units"
            if skippable
            else ""
        )
        raise InvalidInput(fatal, hint=hint)
    left_out = {s.unit_id for s in result.skipped if s.checked}  # an unchecked row is only that annotator's
    for units in result.annotations.values():
        for uid in left_out & units.keys():
            del units[uid]
    return result
