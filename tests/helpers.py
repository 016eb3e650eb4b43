"""Small helpers shared by the tests (pytest puts this folder on sys.path)."""

from __future__ import annotations

from viner.record import Span


def spans_in(text: str, entities) -> tuple[Span, ...]:
    """Spans of ``(surface, label)`` pairs, each at the first occurrence of its surface in ``text``."""
    spans = []
    for surface, label in entities:
        start = text.index(surface)
        spans.append(Span(start, start + len(surface), label))
    return tuple(spans)


def no_overlaps(items) -> list[Span]:
    """The spans of ``items`` left to right, skipping any that overlaps one kept (gold spans and spaCy's entities never overlap)."""
    out: list[Span] = []
    for span in sorted(items):
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out
