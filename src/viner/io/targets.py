"""Checks on outputs before anything is written: the right kind of path, and nobody's work replaced."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import VinerError


def file_target(path: Path | str) -> Path:
    """Check that an output meant to be a file is not an existing folder (which would be replaced whole)."""
    path = Path(path)
    if path.is_dir():
        raise VinerError(f"{path}: is a folder; give a file name for the output (for example {path / 'out.jsonl'})")
    _parent_can_be_made(path, "output")
    return path


def _parent_can_be_made(path: Path, option: str) -> None:
    """The first existing folder above ``path`` must be a folder, not a file."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise VinerError(f"{path}: {parent} is a file, so the folder cannot be made; give another {option}")
            return


def folder_target(path: Path | str, option: str = "--output") -> Path:
    """Check, without creating anything, that an output meant to be a folder can be one."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise VinerError(f"{path}: is a file; {option} must be a folder")
    _parent_can_be_made(path, option)
    return path


def refuse_overwrite(path: Path, force: bool, what: str = "annotations") -> None:
    """Never overwrite annotations unless the user says --force."""
    if path.exists() and not force:
        raise VinerError(
            f"{path}: already exists and holds {what}; choose another output or pass --force to replace it"
        )


def refuse_replacing_spans(path: Path | str, force: bool) -> None:
    """Refuse (without ``force``) to replace a file that may hold annotations.

    For outputs that are derived data but share a format with annotations (units from
    ``corpus build``, a model's predictions): an existing file whose rows carry no span is
    replaced freely (re-running the command is the normal thing to do), one with a span, or
    one that is not Doccano JSONL at all, only with ``--force``.
    """
    path = Path(path)
    if force or not path.exists():
        return
    for file in sorted(path.glob("*.jsonl")) if path.is_dir() else [path]:  # a folder of shards: each shard
        why = _what_it_holds(file)
        if why:
            raise VinerError(f"{file}: already exists and {why}; choose another output or pass --force to replace it")


def _what_it_holds(path: Path) -> str | None:
    """Why ``path`` must not be replaced silently, or None when it holds units without spans."""
    spans = rows = 0
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except ValueError:
                    return "is not a JSONL file of units (it may hold someone's work)"
                if not isinstance(row, dict) or "text" not in row:
                    return "is not a JSONL file of units (it may hold someone's work)"
                label = row.get("label", row.get("labels"))
                rows += 1
                if label:
                    spans += len(label) if isinstance(label, list) else 1
    except OSError as err:
        return f"cannot be read to check it holds no annotations ({err.strerror or err})"
    if spans:
        return f"holds annotations ({spans} span(s) in {rows} unit(s))"
    return None
