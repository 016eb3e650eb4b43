"""spaCy DocBin (``.spacy``): gold docs for training and evaluation.

Each doc keeps its unit id and meta in ``doc.user_data["viner"]``, so a DocBin reads
back into the same examples. A span that does not fall on the tokenizer's token
boundaries is never dropped silently: by default the token is split at the span's
edges so the gold entity survives (``misaligned="keep"``), or the span is left out
(``misaligned="drop"``); either way the caller is told about every such span.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy
import srsly
from spacy.attrs import IDS, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..errors import VinerError
from ..io import atomic_path
from ..record import Example, Span

SUFFIXES = (".spacy",)
MISALIGNED = ("keep", "drop")
USER_DATA_KEY = "viner"


@dataclass(frozen=True)
class Misaligned:
    example: Example
    span: Span
    tokens: list[str]  # the tokens the span cuts through

    def describe(self) -> str:
        return f"{self.span.text_in(self.example.text)!r} ({self.span.label}) cuts through token(s) {' | '.join(self.tokens)}"


# the token attributes whose strings spaCy's DocBin.add stores, one property access per token each
_STRING_ATTRS = ("ORTH", "TAG", "LEMMA", "NORM", "MORPH", "DEP", "ENT_TYPE", "ENT_KB_ID", "ENT_ID")


class ViDocBin(DocBin):
    """A DocBin that stores ``user_data`` (our id and meta) and adds docs faster, storing the same.

    spaCy's ``DocBin.add`` (3.8) calls ``srsly.msgpack_dumps`` per doc, which builds a new
    msgpack Packer and rescans the Python entry points each time (1-2 ms a doc, more than
    tokenising it), and collects each token's strings with nine property lookups per token
    (another ~0.5 ms a doc). Here the packer is reused and the strings are looked up once
    per distinct hash of the doc's attribute array. What is stored (token arrays, strings,
    user data, spans) is the same; ``tests/test_convert.py`` checks it against spaCy's.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["store_user_data"] = True
        super().__init__(*args, **kwargs)
        self._packer = srsly.msgpack.Packer(use_bin_type=True)
        self._hashes: set[int] = set()  # hashes whose string is already in self.strings
        self._morphs: set[int] = set()
        self._columns: tuple | None = None

    def add(self, doc: Doc) -> None:
        if self._columns is None:  # one to_array call for the stored attributes, SPACY and the string attributes
            wanted = list(dict.fromkeys([*self.attrs, SPACY, *(IDS[name] for name in _STRING_ATTRS)]))
            position = {attr: i for i, attr in enumerate(wanted)}
            self._columns = (
                wanted,
                [position[attr] for attr in self.attrs],
                position[SPACY],
                [position[IDS[name]] for name in _STRING_ATTRS if name != "MORPH"],
                position[IDS["MORPH"]],
            )
        wanted, stored, spacy_column, string_columns, morph_column = self._columns
        values = doc.to_array(wanted)
        if len(values.shape) == 1:
            values = values.reshape((values.shape[0], len(wanted)))
        self.tokens.append(values[:, stored])
        self.spaces.append(numpy.asarray(values[:, spacy_column : spacy_column + 1], dtype=bool))
        self.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
        self._add_token_strings(doc, values, string_columns, morph_column)
        self.cats.append(doc.cats)
        self.user_data.append(self._packer.pack(doc.user_data))
        self.span_groups.append(doc.spans.to_bytes())
        for group in doc.spans.values():
            for span in group:
                self.strings.add(span.label_)
                if span.kb_id in span.doc.vocab.strings:
                    self.strings.add(span.kb_id_)
                if span.id in span.doc.vocab.strings:
                    self.strings.add(span.id_)

    def _add_token_strings(self, doc: Doc, values, string_columns: list[int], morph_column: int) -> None:
        """The strings spaCy's ``DocBin.add`` collects token by token, from the distinct new hashes instead."""
        if not len(doc):
            return
        strings = doc.vocab.strings
        new = set(values[:, string_columns].ravel().tolist()) - self._hashes
        morphs = set(values[:, morph_column].tolist()) - self._morphs
        if not new and not morphs:
            return
        found: set[str] = set()
        try:
            for value in new:
                found.add(strings[value])
            empty_morph = doc.vocab.morphology.EMPTY_MORPH
            for value in morphs:
                text = strings[value]
                found.add("" if text == empty_morph else text)  # str(token.morph) of an empty analysis
        except KeyError:  # a hash without its string: do it spaCy's way
            for token in doc:
                found.update((token.text, token.tag_, token.lemma_, token.norm_, str(token.morph), token.dep_, token.ent_type_, token.ent_kb_id_, token.ent_id_))
        else:
            self._hashes |= new
            self._morphs |= morphs
        self.strings.update(found)


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


def example_to_doc(
    nlp: Language,
    example: Example,
    misaligned: str = "keep",
    on_misaligned: Callable[[Misaligned], None] | None = None,
) -> Doc:
    """Tokenise an example with ``nlp``'s tokenizer and set its spans as ``doc.ents``."""
    if misaligned not in MISALIGNED:
        raise VinerError(f"unknown misaligned policy {misaligned!r}: choose keep or drop")
    doc = nlp.make_doc(example.text)
    bad: list[Span] = []
    for span in example.spans:
        if doc.char_span(span.start, span.end, span.label, alignment_mode="strict") is None:
            bad.append(span)
            if on_misaligned is not None:
                covering = doc.char_span(span.start, span.end, alignment_mode="expand")
                on_misaligned(Misaligned(example, span, [t.text for t in covering] if covering is not None else []))
    if bad and misaligned == "keep":
        doc = split_tokens_at(doc, {s.start for s in bad} | {s.end for s in bad})
        bad = []
    keep = [s for s in example.spans if s not in bad]
    doc.ents = [doc.char_span(s.start, s.end, s.label, alignment_mode="strict") for s in keep]
    doc.user_data[USER_DATA_KEY] = {"id": example.id, "meta": example.meta}
    return doc


def doc_to_example(doc: Doc) -> Example:
    stored = doc.user_data.get(USER_DATA_KEY, {})
    spans = tuple(Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
    return Example(doc.text, spans, id=stored.get("id", ""), meta=dict(stored.get("meta", {})))


def write_docs(docs: Iterable[Doc], path: Path | str) -> int:
    """Write docs to a DocBin file atomically; returns the count."""
    docbin = ViDocBin()
    count = 0
    for doc in docs:
        docbin.add(doc)
        count += 1
    with atomic_path(path) as tmp:
        docbin.to_disk(tmp)
    return count


def write(
    examples: Iterable[Example],
    nlp: Language,
    path: Path | str,
    misaligned: str = "keep",
    on_misaligned: Callable[[Misaligned], None] | None = None,
) -> int:
    return write_docs((example_to_doc(nlp, e, misaligned, on_misaligned) for e in examples), path)


def read_docs(path: Path | str, nlp: Language) -> Iterator[Doc]:
    """Docs of a DocBin file, or of every shard in a folder of them (as `viner convert` writes large outputs)."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise VinerError(f"{path}: folder has no .spacy files")
    for file in files:
        try:
            docbin = DocBin().from_disk(file)
        except Exception as err:  # DocBin raises assorted errors on foreign bytes
            raise VinerError(f"{file}: not a spaCy DocBin file ({type(err).__name__}: {err}); create one with `viner convert`") from err
        yield from docbin.get_docs(nlp.vocab)


def read(path: Path | str, nlp: Language) -> Iterator[Example]:
    for doc in read_docs(path, nlp):
        yield doc_to_example(doc)
