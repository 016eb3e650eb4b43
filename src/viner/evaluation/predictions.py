"""The per-document predictions beside a report: ``NAME.predictions.jsonl``, written and read back.

One ``{"id", "source", "text", "gold", "pred"}`` per line. ``viner evaluate`` streams them
there (atomically, hashing what it writes) so that reports can be compared later
(:mod:`.compare`) without the models; the report records the file's name, hash and size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import VinerError
from ..io import atomic_path, file_target
from .report import Predictions, Report


class PredictionsWriter:
    """Writes rows of per-document predictions to an open binary file, hashing what it writes."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.documents = 0

    def write(self, row: dict) -> None:
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        self.handle.write(data)
        self.digest.update(data)
        self.documents += 1

    def info(self, path: Path) -> Predictions:
        return Predictions(file=path.name, sha256=self.digest.hexdigest(), documents=self.documents)


@contextlib.contextmanager
def predictions_file(path: Path | str) -> Iterator[PredictionsWriter]:
    """A :class:`PredictionsWriter` on a temporary file that replaces ``path`` when the block succeeds."""
    with atomic_path(file_target(path)) as tmp, tmp.open("wb") as handle:
        yield PredictionsWriter(handle)


def documents(report: Report, path: Path | str | None = None) -> Iterator[dict] | None:
    """The per-document predictions of a report, streamed: from its sidecar file (found beside
    the report at ``path``) or, for reports before schema 3, from its ``documents``.

    ``None`` when the report has none. A sidecar that is missing, or whose hash is not the one
    the report recorded (changed since), is an error.
    """
    if report.documents:
        return iter(report.documents)
    info = report.predictions
    if not info:
        return None
    name = report.name or "report"
    candidates = [Path(path).parent / info.file] if path else []
    if info.path:
        candidates.append(Path(info.path))
    for file in candidates:
        if file.is_file():
            return _read(file, info.sha256, name)
    where = candidates[0] if candidates else info.file
    raise VinerError(
        f"{where}: the per-document predictions of {name} are missing (`viner evaluate -o` writes them beside the report)"
    )


def _read(file: Path, sha256: str | None, name: str) -> Iterator[dict]:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            digest.update(line)
            try:
                yield json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise VinerError(f"{file}:{number}: not a line of per-document predictions ({err})") from err
    if sha256 and digest.hexdigest() != sha256:
        raise VinerError(
            f"{file}: changed since the report of {name} was written (its sha256 is not the one in the report); evaluate the model again"
        )
