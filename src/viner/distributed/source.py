"""The units for Ray Data: each JSONL file read line by line on the driver's machine, with its line numbers.

A read task per input file (a file, or each shard of a folder), scheduled on the node the command runs on, so
the units need to be there only, as with ``viner predict``. It reads with viner's own reader and yields blocks
of rows ``{file, line, row, problem}``: ``row`` is the unit's line as read (checked, so the actor parses it as
``viner predict`` does), or ``problem`` says why the line
at ``line`` is not a unit. The reader stops a file at its first bad line, as ``viner predict`` does, and the
driver raises the same error when it reaches that row (rows keep the input order).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from functools import partial

import pyarrow as pa
from ray.data import Datasource, ReadTask
from ray.data.block import BlockMetadata

from ..errors import InvalidInput, VinerError
from ..formats import doccano_jsonl
from ..record import Problem

BLOCK_ROWS = 1024  # rows per block read: small enough that the first actors start at once


def problem_field(err: VinerError) -> str:
    """A bad line (or an unreadable file) as a JSON string the driver turns back into the same error."""
    if isinstance(err, InvalidInput):
        return json.dumps(
            {"problems": [[p.path, p.line, p.field, p.message] for p in err.problems]}, ensure_ascii=False
        )
    return json.dumps({"error": str(err)}, ensure_ascii=False)


def raise_problem(field: str) -> None:
    """Raise the error a row's ``problem`` field carries (exactly the one ``viner predict`` raises)."""
    found = json.loads(field)
    if "problems" in found:
        raise InvalidInput([Problem(*problem) for problem in found["problems"]])
    raise VinerError(found["error"])


def read_units(path: str) -> Iterator[pa.Table]:
    """Blocks of rows of one JSONL file, ending with a problem row at its first bad line."""
    rows: list[dict] = []
    try:
        for number, row, _ in doccano_jsonl.read_rows(path, labels=None):
            rows.append({"file": path, "line": number, "row": json.dumps(row, ensure_ascii=False), "problem": ""})
            if len(rows) == BLOCK_ROWS:
                yield pa.Table.from_pylist(rows)
                rows = []
    except VinerError as err:
        line = err.problems[0].line if isinstance(err, InvalidInput) and err.problems else None
        rows.append({"file": path, "line": line or 0, "row": "", "problem": problem_field(err)})
    if rows:
        yield pa.Table.from_pylist(rows)


class UnitsSource(Datasource):
    """Ray Data datasource of viner units: one read task per file, in the order of ``files``."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = [str(path) for path in files]

    def estimate_inmemory_data_size(self) -> int:
        return sum(os.path.getsize(path) for path in self.files)

    def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list[ReadTask]:
        return [
            ReadTask(
                partial(read_units, path),
                BlockMetadata(num_rows=None, size_bytes=os.path.getsize(path), exec_stats=None, input_files=(path,)),
            )
            for path in self.files
        ]
