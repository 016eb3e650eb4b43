"""Reading JSONL: each line's value as ``json.loads`` gives it, read by orjson."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import orjson

from ..errors import VinerError
from .inputs import decode, os_reason


class NotJSON(NamedTuple):
    """A line of a JSONL file that is not JSON: the line, and the JSON parser's reason."""

    line: str
    reason: str  # e.g. "Expecting value at column 1"


# orjson reads a line ~1.7x faster than json and from bytes, without decoding them first; it
# differs from json only in what it refuses (handed to json here, for json's message) and in
# integers beyond 64 bits, which it turns into floats: a line with a run of 19 or more digits
# is read by json, so every value comes back as json gives it. (The digit runs are found by
# mapping digits to "0" and the rest to " ": 10x faster than a regular expression. Kept because
# bench/ shows convert would miss its target with json alone or with a regular expression.)
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER = b"0" * 19


def iter_json_lines(path: Path | str) -> Iterator[tuple[int, Any]]:
    """Stream ``(line_number, value)`` of each non-blank line of a UTF-8 JSONL file, without loading it whole.

    ``value`` is what ``json.loads`` gives for the line, or :class:`NotJSON` when the line is
    not JSON. A BOM on the first line and CRLF endings are accepted; a byte that is not UTF-8
    is an error naming its line (as :func:`iter_lines`).
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
    loads = orjson.loads
    with handle:
        for number, raw in enumerate(handle, start=1):
            if _LONG_NUMBER not in raw.translate(_DIGITS_AS_ZEROS):
                try:
                    value = loads(raw)
                except orjson.JSONDecodeError:
                    pass
                else:
                    yield number, value
                    continue
            text = decode(raw, path, "utf-8", line=number).rstrip("\n")
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as err:
                yield number, NotJSON(text, f"{err.msg} at column {err.colno}")

