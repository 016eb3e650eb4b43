"""Raw text for self-training (`viner silver`): units read leniently, normalised, deduplicated, sampled.

``.txt`` files hold one paragraph per line (blank lines skipped), Doccano JSONL a unit per row (its ``text``; spans
are ignored). Texts are normalised as `viner corpus build` does (NFC, spaces) and exact duplicates left out. A line
that cannot be read (bad bytes, not JSON, no text) is skipped and kept as a problem naming file, line and field: on
a corpus of millions of lines one bad line should cost that line, not the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import normalise_line
from .errors import VinerError
from .io import NotJSON, iter_json_lines, os_reason
from .record import Problem

SUFFIXES = (".txt", ".jsonl")


@dataclass
class RawTally:
    units: int = 0  # taken
    duplicates: int = 0  # left out: the same text came earlier
    not_sampled: int = 0  # left out of the sample
    problems: list[Problem] = field(default_factory=list)  # lines skipped


def read_raw(files: Sequence[Path], problems: list[Problem], max_length: int = 1_000_000) -> Iterator[str]:
    """The texts of raw text files, normalised; lines that cannot be read go to ``problems`` (file, line)."""
    for path in files:
        rows = _json_rows(path, problems) if path.suffix.lower() == ".jsonl" else _text_lines(path, problems)
        for line, raw in rows:
            text = normalise_line(raw)
            if len(text) > max_length:
                problems.append(Problem(str(path), line, None, f"{len(text):,} characters: longer than {max_length:,}"))
            elif text:
                yield text


def _text_lines(path: Path, problems: list[Problem]) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open("rb")
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
    with handle:
        for number, data in enumerate(handle, start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                problems.append(Problem(str(path), number, None, f"not valid UTF-8 (byte {err.start}); line skipped"))
                continue
            yield number, text.lstrip("\ufeff").rstrip("\r\n")


def _json_rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, str]]:
    for number, row in iter_json_lines(path):
        if isinstance(row, NotJSON):
            problems.append(Problem(str(path), number, None, f"invalid JSON ({row.reason}); line skipped"))
        elif not isinstance(row, dict):
            problems.append(Problem(str(path), number, None, f"expected a JSON object, got {type(row).__name__}"))
        elif not isinstance(row.get("text"), str):
            what = "missing" if "text" not in row else "not a string"
            problems.append(Problem(str(path), number, "text", f"{what}; line skipped"))
        else:
            yield number, row["text"]


def raw_units(
    files: Sequence[Path], tally: RawTally, *, limit: int | None = None, sample: float = 1.0
) -> Iterator[str]:
    """The texts of ``files`` that did not come before and fall in the ``sample``, at most ``limit`` of them.

    The sample is drawn by a hash of each text (the same units whatever the order, run after run), so a
    tenth of a corpus is spread over all of it rather than being its first pages."""
    seen: set[bytes] = set()
    for text in read_raw(files, tally.problems):
        key = hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
        if key in seen:
            tally.duplicates += 1
            continue
        seen.add(key)
        if sample < 1.0 and int.from_bytes(key[:8], "big") >= sample * 2**64:
            tally.not_sampled += 1
            continue
        tally.units += 1
        yield text
        if limit is not None and tally.units >= limit:
            return
