"""spaCy DocBin (``.spacy``): gold docs for training and evaluation.

Each doc keeps its unit id and meta in ``doc.user_data["viner"]``, so a DocBin reads
back into the same examples. A span that does not fall on the tokenizer's token
boundaries is never dropped silently: by default the token is split at the span's
edges so the gold entity survives (``misaligned="keep"``), or the span is left out
(``misaligned="drop"``); either way the caller is told about every such span.

This module reads DocBins and makes the gold Doc of one example (:func:`example_to_doc`);
`viner convert` writes them a block of examples at a time (:mod:`viner.convert`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy
from spacy.attrs import IDX, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.tokens import Span as SpacySpan

from ..errors import VinerError
from ..identity import docbin_shards
from ..pipeline import vocab_zone
from ..record import Example, Span

SUFFIXES = (".spacy",)
MISALIGNED = ("keep", "drop")
USER_DATA_KEY = "viner"
# what a gold NER doc made by `viner convert` carries: its words, their norms and the entities
# (spaces are stored apart by every DocBin); the other columns of spaCy's default are all empty
GOLD_ATTRS = ("ORTH", "NORM", "ENT_IOB", "ENT_TYPE")


def check_misaligned(policy: str) -> str:
    """``policy`` if it is one of :data:`MISALIGNED` (the one place the option is checked)."""
    if policy not in MISALIGNED:
        raise VinerError(f"--misaligned must be one of {', '.join(MISALIGNED)}, got {policy!r}")
    return policy


@dataclass(frozen=True)
class Misaligned:
    example: Example
    span: Span
    tokens: list[str]  # the tokens the span cuts through

    def describe(self) -> str:
        return f"{self.span.text_in(self.example.text)!r} ({self.span.label}) cuts through token(s) {' | '.join(self.tokens)}"


def split_tokens_at(doc: Doc, cuts: set[int]) -> Doc:
    """A copy of ``doc`` whose tokens are split at the character offsets in ``cuts``."""
    words: list[str] = []
    spaces: list[bool] = []
    text = doc.text

    def emit(piece: str, trailing: bool) -> None:
        core = piece.strip()
        lead = piece[: len(piece) - len(piece.lstrip())]
        tail = piece[len(piece.rstrip()) :] if core else ""
        if lead:
            if lead == " " and words and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(lead)
                spaces.append(False)
        if core:
            words.append(core)
            spaces.append(False)
        if tail:
            if tail == " " and words and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(tail)
                spaces.append(False)
        if trailing:
            if words and not spaces[-1] and not words[-1].isspace():
                spaces[-1] = True
            else:
                words.append(" ")
                spaces.append(False)

    for token in doc:
        start, end = token.idx, token.idx + len(token.text)
        inner = sorted(c for c in cuts if start < c < end)
        if not inner:
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
            continue
        edges = [start, *inner, end]
        for i, (a, b) in enumerate(zip(edges, edges[1:])):
            emit(text[a:b], trailing=bool(token.whitespace_) and i == len(edges) - 2)
    new = Doc(doc.vocab, words=words, spaces=spaces)
    if new.text != text:  # pragma: no cover - guarded by property tests
        raise VinerError(f"internal error: re-tokenising changed the text of unit {text[:40]!r}")
    return new


def token_edges(doc: Doc, text_length: int | None = None) -> tuple[dict[int, int], dict[int, int]]:
    """``{start offset: token index}`` and ``{end offset: index after the token}`` of a doc's tokens.

    One array call instead of a scan of the doc per span (``Doc.char_span`` walks the
    tokens each time): a span is on token edges iff its start and end are keys here.
    ``text_length`` is ``len(doc.text)`` when the caller knows it (``doc.text`` rebuilds the text).
    """
    if not len(doc):
        return {}, {}
    edges = doc.to_array([IDX, SPACY])
    starts = edges[:, 0].tolist()
    # a token ends where the next one starts, less its trailing space; the last one where the text ends
    ends = (numpy.append(edges[1:, 0], len(doc.text) if text_length is None else text_length) - edges[:, 1]).tolist()
    return {s: i for i, s in enumerate(starts)}, {e: i + 1 for i, e in enumerate(ends)}


def example_to_doc(
    nlp: Language,
    example: Example,
    misaligned: str = "keep",
    on_misaligned: Callable[[Misaligned], None] | None = None,
) -> Doc:
    """Tokenise an example with ``nlp``'s tokenizer and set its spans as ``doc.ents``.

    ``misaligned`` is a policy of :data:`MISALIGNED` (see :func:`check_misaligned`)."""
    doc = nlp.make_doc(example.text)
    starts, ends = token_edges(doc, len(example.text))
    bad = [s for s in example.spans if s.start not in starts or s.end not in ends]
    for span in bad:
        if on_misaligned is not None:
            covering = doc.char_span(span.start, span.end, alignment_mode="expand")
            on_misaligned(Misaligned(example, span, [t.text for t in covering] if covering is not None else []))
    if bad and misaligned == "keep":
        doc = split_tokens_at(doc, {s.start for s in bad} | {s.end for s in bad})
        starts, ends = token_edges(doc, len(example.text))
        bad = []
    doc.ents = [SpacySpan(doc, starts[s.start], ends[s.end], label=s.label) for s in example.spans if s not in bad]
    doc.user_data[USER_DATA_KEY] = {"id": example.id, "meta": example.meta}
    return doc


def doc_to_example(doc: Doc) -> Example:
    stored = doc.user_data.get(USER_DATA_KEY, {})
    spans = tuple(Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
    return Example(doc.text, spans, id=stored.get("id", ""), meta=dict(stored.get("meta", {})))


def read_docs(path: Path | str, nlp: Language) -> Iterator[Doc]:
    """Docs of a DocBin file, or of every shard in a folder of them (as `viner convert` writes large outputs)."""
    for docbin in _docbins(path):
        yield from docbin.get_docs(nlp.vocab)


def read(path: Path | str, nlp: Language) -> Iterator[Example]:
    """The examples of a DocBin file or folder of shards.

    Each file is read in a spaCy memory zone (from the first file on: ``warm=0``): the
    strings its docs add to ``nlp``'s vocabulary are freed once they are examples, so
    reading a large corpus does not grow the vocabulary (the examples of one file are in
    memory at a time).
    """
    for docbin in _docbins(path):
        with vocab_zone(nlp, done=0, warm=0):
            examples = [doc_to_example(doc) for doc in docbin.get_docs(nlp.vocab)]
        yield from examples


def _docbins(path: Path | str) -> Iterator[DocBin]:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    files = docbin_shards(path) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise VinerError(f"{path}: folder has no .spacy files")
    for file in files:
        try:
            yield DocBin().from_disk(file)
        except Exception as err:  # DocBin raises assorted errors on foreign bytes
            raise VinerError(
                f"{file}: not a spaCy DocBin file ({type(err).__name__}: {err}); create one with `viner convert`"
            ) from err
