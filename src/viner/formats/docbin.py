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

import zlib

import numpy
import srsly
from spacy.attrs import IDS, IDX, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.tokens.doc import DOCBIN_ALL_ATTRS
from spacy.tokens import Span as SpacySpan

from ..errors import VinerError
from ..io import atomic_path
from ..record import Example, Span

SUFFIXES = (".spacy",)
MISALIGNED = ("keep", "drop")
USER_DATA_KEY = "viner"
ZLIB_LEVEL = 1


@dataclass(frozen=True)
class Misaligned:
    example: Example
    span: Span
    tokens: list[str]  # the tokens the span cuts through

    def describe(self) -> str:
        return f"{self.span.text_in(self.example.text)!r} ({self.span.label}) cuts through token(s) {' | '.join(self.tokens)}"


# the token attributes whose values are string hashes (spaCy's DocBin.add stores the strings of these)
_STRING_ATTRS = ("ORTH", "TAG", "LEMMA", "NORM", "MORPH", "DEP", "ENT_TYPE", "ENT_KB_ID", "ENT_ID")
# what a gold NER doc made by `viner convert` carries: its words, their norms and the entities
# (spaces are stored apart by every DocBin); the other columns of spaCy's default are all empty
GOLD_ATTRS = ("ORTH", "NORM", "ENT_IOB", "ENT_TYPE")


class ViDocBin(DocBin):
    """A DocBin that stores ``user_data`` (our id and meta) and adds docs faster, storing the same.

    spaCy's ``DocBin.add`` (3.8) calls ``srsly.msgpack_dumps`` per doc, which builds a new
    msgpack Packer and rescans the Python entry points each time (1-2 ms a doc, more than
    tokenising it), and collects each token's strings with nine property lookups per token
    (another ~0.5 ms a doc). Here the packer is reused, and the strings are looked up when the
    bin is serialised, once per distinct hash of all its docs' token arrays (one ``numpy.unique``).
    What is stored (token arrays, strings of the stored attributes, user data, spans) is the
    same; ``tests/test_convert.py`` checks it against spaCy's. ``viner convert`` stores only
    :data:`GOLD_ATTRS` (``attrs=GOLD_ATTRS``), a third of the columns, so shards are smaller
    and faster to write; spaCy reads both kinds alike.
    """

    def __init__(self, attrs=DOCBIN_ALL_ATTRS, **kwargs) -> None:
        kwargs["store_user_data"] = True
        super().__init__(attrs, **kwargs)
        self._packer = srsly.msgpack.Packer(use_bin_type=True)
        self._hashes: set[int] = set()  # hashes whose string is already in self.strings
        wanted = [*self.attrs, SPACY]
        string_ids = {IDS[name] for name in _STRING_ATTRS}
        self._wanted = wanted
        self._string_columns = [i for i, attr in enumerate(self.attrs) if attr in string_ids and attr != IDS["MORPH"]]
        self._morph_column = self.attrs.index(IDS["MORPH"]) if IDS["MORPH"] in self.attrs else None
        self._vocab = None
        self._pending = 0  # docs whose token strings are not collected yet start here

    def add(self, doc: Doc) -> None:
        values = doc.to_array(self._wanted)
        if len(values.shape) == 1:
            values = values.reshape((values.shape[0], len(self._wanted)))
        self.tokens.append(values[:, :-1])
        self.spaces.append(numpy.asarray(values[:, -1:], dtype=bool))
        self.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
        self._vocab = doc.vocab
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

    def collect_strings(self) -> None:
        """Copy the strings of the stored string columns of the docs added since the last call.

        Serialising does it too; call it before leaving a ``memory_zone`` that frees the strings."""
        arrays = [a for a in self.tokens[self._pending :] if len(a)]
        self._pending = len(self.tokens)
        if not arrays or self._vocab is None:
            return
        table = numpy.vstack(arrays)
        strings = self._vocab.strings
        found: set[str] = set()
        hashes = set(numpy.unique(table[:, self._string_columns]).tolist())
        for value in hashes - self._hashes:
            found.add(strings[value])  # KeyError: a hash without its string, as in spaCy's add
        if self._morph_column is not None:
            empty_morph = self._vocab.morphology.EMPTY_MORPH
            for value in numpy.unique(table[:, self._morph_column]).tolist():
                text = strings[value]
                found.add("" if text == empty_morph else text)  # str(token.morph) of an empty analysis
        self._hashes |= hashes
        self.strings.update(found)

    def to_bytes(self) -> bytes:
        """spaCy's ``DocBin.to_bytes`` with zlib level 1 instead of 6: 3-4x faster to write,
        files ~50 % larger, read by spaCy's ``DocBin.from_bytes`` unchanged (zlib reads any level)."""
        self.collect_strings()
        lengths = [len(tokens) for tokens in self.tokens]
        tokens = numpy.vstack(self.tokens) if self.tokens else numpy.asarray([])
        spaces = numpy.vstack(self.spaces) if self.spaces else numpy.asarray([])
        msg = {
            "version": self.version,
            "attrs": self.attrs,
            "tokens": tokens.tobytes("C"),
            "spaces": spaces.tobytes("C"),
            "lengths": numpy.asarray(lengths, dtype="int32").tobytes("C"),
            "strings": sorted(self.strings),
            "cats": self.cats,
            "flags": self.flags,
            "span_groups": self.span_groups,
            "user_data": self.user_data,
        }
        return zlib.compress(srsly.msgpack_dumps(msg), ZLIB_LEVEL)


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
    """Tokenise an example with ``nlp``'s tokenizer and set its spans as ``doc.ents``."""
    if misaligned not in MISALIGNED:
        raise VinerError(f"unknown misaligned policy {misaligned!r}: choose keep or drop")
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
