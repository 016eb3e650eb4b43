"""The pivot record: one annotated text, read from and written to every format.

Every reader in viner produces :class:`Example` objects and every writer consumes
them; format modules never convert to each other directly. All checks on an
example (offsets, overlaps, labels, whitespace, NFC) live in :func:`check_example`,
so `viner validate`, `viner convert` and the Doccano commands agree on what is valid.
"""

from __future__ import annotations

import hashlib
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeGuard

DEFAULT_LABELS: tuple[str, ...] = ("PERSON", "ORG", "GPE", "EVENT")
ADD_LABEL = "to use it, add it to the label scheme (annotations/labels.json) or pass --labels"


class Span(NamedTuple):
    """A labelled character span ``text[start:end]``; offsets are code points.

    A named tuple: immutable, ordered by (start, end, label), and cheap to make (convert makes
    hundreds of thousands).
    """

    start: int
    end: int
    label: str

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def as_list(self) -> list:
        return [self.start, self.end, self.label]


@dataclass
class Example:
    """A text with its entity spans and metadata.

    ``id`` is the stable unit id (a hash of the NFC text, see :func:`unit_id`);
    ``meta`` carries provenance (``source``, ``position``, ``source_url``...) and
    anything else a format brings along, so nothing is lost between formats.
    """

    text: str
    spans: tuple[Span, ...] = ()
    id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spans = tuple(sorted(self.spans))
        if not self.id:
            self.id = unit_id(self.text)

    @property
    def group(self) -> str:
        """The article this example belongs to (splits never cut an article)."""
        return str(self.meta.get("source") or self.meta.get("article") or self.id)

    def span_texts(self) -> list[tuple[str, str]]:
        return [(s.text_in(self.text), s.label) for s in self.spans]


def unit_id(text: str) -> str:
    """Stable id of a unit: the first 16 hex digits of SHA-1 of its NFC text."""
    return hashlib.sha1(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()[:16]


_HEX_DIGITS = "0123456789abcdef"


def _is_hex_id(uid: object) -> TypeGuard[str]:
    """Whether ``uid`` is 16 lower-case hex digits, as :func:`unit_id` makes (faster than a regular expression)."""
    return type(uid) is str and len(uid) == 16 and not uid.strip(_HEX_DIGITS)


class IdSet:
    """A set of unit ids that takes ~16 bytes an id instead of ~90 (a Python set of strings).

    Unit ids are 16 hex digits of a hash (:func:`unit_id`), i.e. 64-bit numbers with uniform
    bits: they are kept in an open-addressing table of unsigned 64-bit integers (at most half
    full). Any other string goes to an ordinary set. Used to skip duplicate units while
    streaming (corpus build, convert), so a million units cost ~16 MB, not ~90 MB. Kept for
    memory: with a set of strings, corpus build's peak memory at 100k units would be ~1.5x
    its peak at 1k (experiments/bench.md).
    """

    _table: array[int]  # the hex ids as numbers; 0 is an empty slot
    _mask: int
    _count: int
    _zero: bool  # whether the id "0000000000000000" (the number 0) is in the set
    _other: set[str]  # every other string

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._table = array("Q", bytes(8 * 1024))
        self._mask = 1023
        self._count = 0
        self._zero = False
        self._other = set()

    def __len__(self) -> int:
        return self._count + self._zero + len(self._other)

    def __contains__(self, uid: object) -> bool:
        if not _is_hex_id(uid):
            return uid in self._other
        key = int(uid, 16)
        if key == 0:
            return self._zero
        return self._table[self._slot(self._table, self._mask, key)] == key

    def add(self, uid: str) -> bool:
        """Add ``uid``; returns whether it was new."""
        if not _is_hex_id(uid):
            new = uid not in self._other
            self._other.add(uid)
            return new
        key = int(uid, 16)
        if key == 0:
            new, self._zero = not self._zero, True
            return new
        if not self._insert(self._table, self._mask, key):
            return False
        self._count += 1
        if 2 * self._count > len(self._table):
            self._grow()
        return True

    @staticmethod
    def _slot(table, mask: int, key: int) -> int:
        """Where ``key`` is in the table, or the empty slot where it goes (linear probing)."""
        i = key & mask
        while True:
            value = table[i]
            if value == key or value == 0:
                return i
            i = (i + 1) & mask

    @classmethod
    def _insert(cls, table, mask: int, key: int) -> bool:
        i = cls._slot(table, mask, key)
        if table[i] == key:
            return False
        table[i] = key
        return True

    def _grow(self) -> None:
        old = self._table
        self._table = array("Q", bytes(16 * len(old)))
        self._mask = len(self._table) - 1
        for key in old:
            if key:
                self._insert(self._table, self._mask, key)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}"


def check_example(
    text: Any, spans: Iterable[Sequence[Any]], labels: Sequence[str] | None = DEFAULT_LABELS
) -> list[tuple[str, str]]:
    """Check a text and its raw spans; return ``(field, message)`` pairs (empty when valid).

    ``spans`` are ``(start, end, label)`` triples as read from a file, not yet
    trusted. ``labels=None`` accepts every label.
    """
    problems, _ = _checked_spans(text, spans, labels)
    return problems


def _checked_spans(
    text: Any, spans: Iterable[Sequence[Any]], labels: Sequence[str] | None
) -> tuple[list[tuple[str, str]], list[Span]]:
    """The problems of a text and its raw spans, and its valid spans sorted."""
    problems: list[tuple[str, str]] = []
    if not isinstance(text, str):
        return [("text", f"must be a string, got {type(text).__name__}")], []
    if not text or text.isspace():
        problems.append(("text", "is empty"))
    if not unicodedata.is_normalized("NFC", text):
        problems.append(("text", "is not in Unicode NFC form (run `viner corpus build` or normalise to NFC)"))
    if not isinstance(spans, (list, tuple)):
        spans = list(spans)  # read twice when spans overlap
    size = len(text)
    good: list[Span] = []
    for i, raw in enumerate(spans):
        if not isinstance(raw, (list, tuple)) or len(raw) != 3:
            problems.append((f"label[{i}]", f"must be [start, end, label], got {raw!r}"))
            continue
        start, end, label = raw
        if not _is_int(start) or not _is_int(end):
            problems.append((f"label[{i}]", f"offsets must be integers, got {start!r}, {end!r}"))
            continue
        if not isinstance(label, str) or not label:
            problems.append((f"label[{i}]", f"label must be a non-empty string, got {label!r}"))
            continue
        if start < 0 or end > size:
            problems.append((f"label[{i}]", f"offsets {start}-{end} out of range for a text of {size} characters"))
            continue
        if start >= end:
            problems.append((f"label[{i}]", f"start {start} must be smaller than end {end}"))
            continue
        if labels is not None and label not in labels:
            problems.append((f"label[{i}]", f"label {label!r} is not one of {', '.join(labels)}; {ADD_LABEL}"))
        if text[start].isspace() or text[end - 1].isspace():
            problems.append((f"label[{i}]", f"span {text[start:end]!r} ({label}) has leading or trailing whitespace"))
        good.append(Span(start, end, label))
    good.sort()
    if any(second.start < first.end for first, second in zip(good, good[1:])):
        problems.extend(_overlaps(text, spans, good))
    return problems, good


def _overlaps(text: str, spans: Iterable[Sequence[Any]], good: list[Span]) -> list[tuple[str, str]]:
    """The overlap problems of ``good`` (sorted valid spans), each naming the two spans' places in ``spans``."""
    places: dict[Span, list[int]] = {}
    for i, raw in enumerate(spans):
        if (
            isinstance(raw, (list, tuple))
            and len(raw) == 3
            and _is_int(raw[0])
            and _is_int(raw[1])
            and isinstance(raw[2], str)
        ):
            places.setdefault(Span(int(raw[0]), int(raw[1]), raw[2]), []).append(i)
    taken: dict[Span, int] = {}
    indexed = []
    for span in good:  # equal spans are sorted by their place, as they come
        number = taken.get(span, 0)
        taken[span] = number + 1
        indexed.append((span, places[span][number]))
    problems = []
    for (first, i1), (second, i2) in zip(indexed, indexed[1:]):
        if second.start < first.end:
            problems.append(
                (
                    f"label[{i2}]",
                    f"span {second.text_in(text)!r} ({second.label}) overlaps span {first.text_in(text)!r} ({first.label}) at label[{i1}]",
                )
            )
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def make_example(
    text: Any,
    spans: Iterable[Sequence[Any]],
    *,
    meta: dict[str, Any] | None = None,
    id: str = "",
    labels: Sequence[str] | None = DEFAULT_LABELS,
) -> tuple[Example | None, list[tuple[str, str]]]:
    """Build a checked :class:`Example`; returns ``(None, problems)`` when it is invalid."""
    problems, good = _checked_spans(text, spans, labels)
    if problems:
        return None, problems
    return Example(text, tuple(good), id=id or unit_id(text), meta=dict(meta) if meta else {}), []
