"""CoNLL text and tokens: rebuilding a sentence's text from its tokens (``--join``), and finding
tokens in a given ``# text =`` line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ...errors import VinerError

JOINS = ("smart", "space")
NO_SPACE_BEFORE = set(",.:;!?)]}”’%…»")
NO_SPACE_AFTER = set("([{“‘«")
STRAIGHT_QUOTES = ('"', "'")
UNDERSCORE = re.compile(r"(?<=[^\s_])_(?=[^\s_])")


def join_tokens(tokens: Sequence[str], join: str = "smart") -> tuple[str, list[tuple[int, int]]]:
    """Rebuild a text from tokens with the spacing rule of ``join``; returns the text and each token's offsets."""
    if join not in JOINS:
        raise VinerError(f"unknown join {join!r}: choose {' or '.join(JOINS)}")
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    previous_opens = True  # no space before the first token
    open_quotes = {q: False for q in STRAIGHT_QUOTES}
    for token in tokens:
        space = not previous_opens
        opens = False
        if join == "smart":
            if token in STRAIGHT_QUOTES:
                if open_quotes[token]:
                    space = False  # closing quote
                    open_quotes[token] = False
                else:
                    opens = True
                    open_quotes[token] = True
            elif all(ch in NO_SPACE_BEFORE for ch in token):
                space = False
            elif all(ch in NO_SPACE_AFTER for ch in token):
                opens = True
        if space and parts:
            parts.append(" ")
            position += 1
        parts.append(token)
        offsets.append((position, position + len(token)))
        position += len(token)
        previous_opens = opens if join == "smart" else False
    return "".join(parts), offsets


def token_text(raw: str, keep_underscores: bool) -> str:
    text = unicodedata.normalize("NFC", raw)
    return text if keep_underscores else UNDERSCORE.sub(" ", text)


def match_tokens(text: str, raws: Sequence[str]) -> list[tuple[int, int]] | None:
    """Offsets of ``raws`` found in order in ``text`` (``_`` may stand for whitespace); None if they do not match.

    Each token is matched as ``re.match(r"\\s*(TOKEN)", text, position)`` would, and a token with
    ``_`` that does not match so as ``\\s*(PART(?:_|\\s+)PART...)``: the same leftmost, greedy,
    backtracking semantics, without compiling a regex per token (linear in the text).
    """
    offsets: list[tuple[int, int]] = []
    position = 0
    for raw in raws:
        span = _match_literal(text, position, raw)
        if span is None and "_" in raw:
            span = _match_underscored(text, position, raw.split("_"))
        if span is None:
            return None
        offsets.append(span)
        position = span[1]
    if text[position:].strip():
        return None
    return offsets


def _spaces_end(text: str, position: int) -> int:
    """The end of the run of whitespace (``\\s``, i.e. ``str.isspace``) starting at ``position``."""
    end, n = position, len(text)
    while end < n and text[end].isspace():
        end += 1
    return end


def _match_literal(text: str, position: int, raw: str) -> tuple[int, int] | None:
    """The span of ``raw`` after optional whitespace at ``position``, as ``re.match(r"\\s*(raw)")``."""
    end = _spaces_end(text, position)
    for start in range(end, position - 1, -1):  # \s* is greedy: longest run first
        if text.startswith(raw, start):
            return start, start + len(raw)
        if not raw[:1].isspace():  # a shorter run leaves a space where raw has none
            break
    return None


def _match_underscored(text: str, position: int, parts: Sequence[str]) -> tuple[int, int] | None:
    """The span of ``parts`` joined by ``_`` or a whitespace run, after optional whitespace at ``position``."""
    end = _spaces_end(text, position)
    for start in range(end, position - 1, -1):
        stop = _match_parts(text, start, parts, 0)
        if stop is not None:
            return start, stop
    return None


def _match_parts(text: str, position: int, parts: Sequence[str], i: int) -> int | None:
    part = parts[i]
    if not text.startswith(part, position):
        return None
    position += len(part)
    if i == len(parts) - 1:
        return position
    if text.startswith("_", position):  # the separator: "_" first, then a whitespace run (longest first)
        stop = _match_parts(text, position + 1, parts, i + 1)
        if stop is not None:
            return stop
    for after in range(_spaces_end(text, position), position, -1):
        stop = _match_parts(text, after, parts, i + 1)
        if stop is not None:
            return stop
    return None
