"""A token-classification model's BIO predictions turned back into character spans, as Doccano JSONL.

The last step of the transformer round trip (docs/transformers.md) before `viner evaluate`. Standard
library only, so it runs on the machine that ran the model as well as here. Each input line is one
unit, its text as viner exported it (NFC; offsets are code points) and the model's tags in one of two
shapes:

- word level, on the words of `viner export --format hf` (``tokens``: a word of several syllables is
  written with ``_``): ``{"id": ..., "text": ..., "tokens": [...], "tags": ["B-PERSON", ...]}``;
- word pieces with a fast tokenizer's offset mapping on the text (``offsets``: ``[start, end]`` per
  piece; special tokens have ``[0, 0]``): ``{"id": ..., "text": ..., "offsets": [...], "tags": [...]}``.
  A piece that continues a word (it starts where the previous piece ended, between two letters or
  digits) follows the word's first piece: it extends that piece's entity, or stays outside.

Entities are the runs of ``B-X``/``I-X`` tags; an ``I-X`` after ``O`` or after another type starts
an entity (conlleval's reading); labels are the tags' types. The output keeps the unit id in
``meta.unit_id``, so `viner evaluate` matches each row to its gold unit:

    python experiments/tools/hf_predictions.py exports/xlmr/dev.tags.jsonl -o exports/xlmr/dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

Span = tuple[int, int, str]


class BadRow(ValueError):
    """A row that cannot be turned into spans; the message says which field and why."""


def bio_runs(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(first, after last, type)`` of each entity in a BIO tag sequence (``I-X`` after ``O`` starts one)."""
    out: list[tuple[int, int, str]] = []
    start: int | None = None
    kind = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        if prefix not in ("B", "I", "O") or (prefix != "O" and not name):
            raise BadRow(f"tags[{i}]: {tag!r} is not a BIO tag (O, B-LABEL or I-LABEL)")
        if prefix == "I" and start is not None and name == kind:
            continue
        if start is not None:
            out.append((start, i, kind))
            start = None
        if prefix != "O":
            start, kind = i, name
    return out


def word_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Where each exported word is in the text: in order, separated by whitespace or nothing;
    a ``_`` inside a word stands for a run of whitespace (or for itself)."""
    out: list[tuple[int, int]] = []
    at = 0
    for i, token in enumerate(tokens):
        while at < len(text) and text[at].isspace():
            at += 1
        start = at
        for char in token:
            if at < len(text) and text[at] == char:
                at += 1
            elif char == "_" and at < len(text) and text[at].isspace():
                while at < len(text) and text[at].isspace():
                    at += 1
            else:
                found = text[start : start + len(token) + 10]
                raise BadRow(f"tokens[{i}]: {token!r} is not the text's next word (the text has {found!r} there)")
        if at == start:
            raise BadRow(f"tokens[{i}]: an empty word")
        out.append((start, at))
    return out


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def word_spans(text: str, tokens: Sequence[str], tags: Sequence[str]) -> list[Span]:
    """Character spans of word-level BIO tags on the exported words."""
    if len(tokens) != len(tags):
        raise BadRow(f"tags: {len(tags)} tags for {len(tokens)} tokens")
    places = word_offsets(text, tokens)
    return [(*_trimmed(text, places[a][0], places[b - 1][1]), label) for a, b, label in bio_runs(tags)]


def piece_spans(text: str, offsets: Sequence[Sequence[int]], tags: Sequence[str]) -> list[Span]:
    """Character spans of word-piece BIO tags with their offsets on the text (see the module docstring)."""
    if len(offsets) != len(tags):
        raise BadRow(f"tags: {len(tags)} tags for {len(offsets)} offsets")
    pieces: list[tuple[int, int]] = []
    word_tags: list[str] = []
    previous_end = None
    for i, (pair, tag) in enumerate(zip(offsets, tags)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise BadRow(f"offsets[{i}]: must be [start, end], got {pair!r}")
        start, end = int(pair[0]), int(pair[1])
        if start == end:  # a special token (<s>, </s>, padding): no text
            continue
        if not 0 <= start < end <= len(text):
            raise BadRow(f"offsets[{i}]: {start}-{end} out of range for a text of {len(text)} characters")
        start, end = _trimmed(text, start, end)  # some tokenizers count the space before a piece
        if start == end:
            continue
        inside_word = previous_end == start and start > 0 and text[start - 1].isalnum() and text[start].isalnum()
        if inside_word:
            pieces[-1] = (pieces[-1][0], end)  # the word's first piece decides
        else:
            pieces.append((start, end))
            word_tags.append(tag)
        previous_end = end
    return [(pieces[a][0], pieces[b - 1][1], label) for a, b, label in bio_runs(word_tags)]


def row_spans(row: dict) -> tuple[str, list[Span]]:
    """The unit's text and its spans, from either shape of row."""
    text = row.get("text")
    if not isinstance(text, str):
        raise BadRow("text: missing or not a string")
    if not unicodedata.is_normalized("NFC", text):
        raise BadRow("text: not NFC; run the model on the unit's text as exported (NFC), so offsets are viner's")
    tags = row.get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadRow("tags: missing or not a list of strings")
    if "tokens" in row:
        return text, word_spans(text, row["tokens"], tags)
    if "offsets" in row:
        return text, piece_spans(text, row["offsets"], tags)
    raise BadRow("neither tokens (word-level tags) nor offsets (word pieces)")


def convert(rows: Iterable[tuple[int, str]], where: str) -> Iterable[str]:
    """Output lines of input ``(line number, line)`` pairs; a bad line stops with its file, line and field."""
    for number, line in rows:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise BadRow("expected a JSON object")
            text, spans = row_spans(row)
        except (json.JSONDecodeError, BadRow) as err:
            raise SystemExit(f"{where}:{number}: {err}") from None
        meta = {"unit_id": str(row["id"])} if row.get("id") else {}
        out = {"text": text, "label": [list(s) for s in spans], "meta": meta}
        yield json.dumps(out, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path, help="JSONL: one unit a line with its text and the model's tags")
    parser.add_argument("-o", "--output", type=Path, required=True, help="Doccano JSONL to write (atomically)")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=args.output.parent, prefix=f".{args.output.name}.", suffix=".tmp", delete=False
    )
    units = 0
    try:
        with handle, args.predictions.open(encoding="utf-8") as lines:
            for out in convert(enumerate(lines, start=1), str(args.predictions)):
                handle.write(out)
                units += 1
        os.replace(handle.name, args.output)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    print(f"{units} units written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
