"""Reading JSONL: each line's value as ``json.loads`` gives it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from .inputs import iter_lines


class NotJSON(NamedTuple):
    """A line of a JSONL file that is not JSON: the line, and the JSON parser's reason."""

    line: str
    reason: str  # e.g. "Expecting value at column 1"


def iter_json_lines(path: Path | str) -> Iterator[tuple[int, Any]]:
    """Stream ``(line_number, value)`` of each non-blank line of a UTF-8 JSONL file, without loading it whole.

    ``value`` is what ``json.loads`` gives for the line, or :class:`NotJSON` when the line is
    not JSON. A BOM on the first line and CRLF endings are accepted; a byte that is not UTF-8
    is an error naming its line (as :func:`iter_lines`).
    """
    for number, text in iter_lines(Path(path), "utf-8"):
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as err:
            yield number, NotJSON(text, f"{err.msg} at column {err.colno}")
