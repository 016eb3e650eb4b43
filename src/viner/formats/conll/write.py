"""Writing CoNLL files (``viner export --format conll``): IOB2, ``TOKEN<TAB>TAG``, a blank line after each sentence."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ...errors import VinerError
from ...io import write_lines
from ...record import Example
from ...tokens import SplitToken, Tokeniser, token_string
from .read import DOCSTART


def sentence_lines(
    example: Example,
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
) -> list[str]:
    """The CoNLL lines of one example (IOB2, tab-separated), without the blank line after it."""
    offsets, tags = tokeniser(example, on_split)
    lines: list[str] = []
    if comments:
        lines.append(f"# id = {example.id}")
        lines.append(f"# text = {_one_line(example.text)}")
        if example.meta:
            lines.append(f"# meta = {json.dumps(example.meta, ensure_ascii=False)}")
    for (start, end), tag in zip(offsets, tags):
        lines.append(f"{token_string(example.text[start:end])}\t{tag}")
    return lines


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise VinerError(
            f"unit {unit_preview(text)} spans several lines; `# text =` comments cannot hold it: export without --comments"
        )
    return text


def unit_preview(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def lines(
    examples: Iterable[Example],
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    docstart: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
    counter: list[int] | None = None,
) -> Iterator[str]:
    """All lines of a CoNLL file for ``examples`` (streaming; the tokeniser's vocabulary stays bounded, see :meth:`Tokeniser.zoned`)."""
    group = None
    for example in tokeniser.zoned(examples):
        if docstart and example.group != group:
            group = example.group
            yield f"{DOCSTART}\tO"
            yield ""
        body = sentence_lines(example, tokeniser, comments=comments, on_split=on_split)
        if not any(not line.startswith("#") for line in body):
            raise VinerError(
                f"unit {example.id} ({unit_preview(example.text)}) has no tokens; CoNLL cannot hold an empty sentence"
            )
        yield from body
        yield ""
        if counter is not None:
            counter[0] += 1


def write(
    examples: Iterable[Example],
    path: Path | str,
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    docstart: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
) -> int:
    """Write examples as a CoNLL file atomically; returns the number of sentences."""
    counter = [0]
    write_lines(
        lines(examples, tokeniser, comments=comments, docstart=docstart, on_split=on_split, counter=counter), path
    )
    return counter[0]
