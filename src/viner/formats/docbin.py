"""spaCy DocBin (``.spacy``): gold docs for training and evaluation.

Each doc keeps its unit id and meta in ``doc.user_data["viner"]``, so a DocBin reads
back into the same examples. A span that does not fall on the tokenizer's token
boundaries is never dropped silently: by default the token is split at the span's
edges so the gold entity survives (``misaligned="keep"``), or the span is left out
(``misaligned="drop"``); either way the caller is told about every such span.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import zlib

import numpy

try:  # ISA-L's zlib: the same format, 3x faster to compress than zlib at level 1, similar size
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal has wheels for the usual platforms; zlib does the same, slower
    _zlib = zlib
import srsly
from spacy.attrs import IDS, IDX, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
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
        hashes = set(unique_values(table[:, self._string_columns]).tolist())
        for value in hashes - self._hashes:
            found.add(strings[value])  # KeyError: a hash without its string, as in spaCy's add
        if self._morph_column is not None:
            empty_morph = self._vocab.morphology.EMPTY_MORPH
            for value in unique_values(table[:, self._morph_column]).tolist():
                text = strings[value]
                found.add("" if text == empty_morph else text)  # str(token.morph) of an empty analysis
        self._hashes |= hashes
        self.strings.update(found)

    def to_bytes(self) -> bytes:
        """spaCy's ``DocBin.to_bytes`` compressed at level 1 instead of 6 (see :func:`compress`): 3-4x
        faster to write, files ~50 % larger, read by spaCy's ``DocBin.from_bytes`` unchanged."""
        return compress(self.to_msgpack())

    def to_msgpack(self) -> bytes:
        """What :meth:`to_bytes` compresses (so the compression can run in another thread)."""
        self.collect_strings()
        lengths = numpy.asarray([len(tokens) for tokens in self.tokens], dtype="int32")
        tokens = numpy.vstack(self.tokens) if self.tokens else numpy.asarray([])
        spaces = numpy.vstack(self.spaces) if self.spaces else numpy.asarray([])
        return _docbin_msgpack(self, tokens, spaces, lengths, self.strings, self.cats, self.flags, self.span_groups, self.user_data)


def _docbin_msgpack(bin_: DocBin, tokens, spaces, lengths, strings, cats, flags, span_groups, user_data) -> bytes:
    """The message spaCy's ``DocBin.to_bytes`` compresses (``bin_`` gives the version and the attrs)."""
    msg = {
        "version": bin_.version,
        "attrs": bin_.attrs,
        "tokens": tokens.tobytes("C"),
        "spaces": spaces.tobytes("C"),
        "lengths": lengths.tobytes("C"),
        "strings": sorted(strings),
        "cats": cats,
        "flags": flags,
        "span_groups": span_groups,
        "user_data": user_data,
    }
    return pack(msg)


def compress(data: bytes) -> bytes:
    """The bytes of a DocBin file, from :meth:`ViDocBin.to_msgpack`: a zlib stream, made by ISA-L when
    installed (``isal``; 3x faster than zlib at level 1), which spaCy's ``zlib.decompress`` reads.
    Both release the GIL while they work."""
    return _zlib.compress(data, ZLIB_LEVEL)


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


# --- gold rows: a block of examples straight to DocBin arrays -------------------------------
#
# `viner convert` turns hundreds of thousands of units into DocBins. Building a Doc per unit,
# setting `doc.ents` and reading it back costs more than tokenising it; here a block of
# examples is tokenised, and its entity columns are filled, with a few array operations for
# the whole block. The result is the same rows `example_to_doc` + `ViDocBin.add` store.

TOKEN_COLUMNS = (ORTH, NORM, IDX, SPACY)
# Texts of a block are tokenised as one string joined by this separator: a whitespace
# character that is no special case of spaCy's tokenizer, so it becomes a token of its own
# between two texts (see `token_rows`).
JOINER = "\r"
JOINED_TEXTS = 200  # texts per joined string: longer strings make spaCy grow the doc more often
_IOB_OUTSIDE, _IOB_INSIDE, _IOB_BEGIN = 2, 1, 3
_NO_SPAN_GROUPS = b"\x90"  # Doc.spans.to_bytes() of a doc without span groups: an empty msgpack list


def lean_vocab(nlp: Language) -> Language:
    """Make ``nlp`` compute only the NORM of each new word; returns ``nlp``.

    spaCy computes 23 lexical attributes (shape, prefix, like_num...) for every word its
    vocabulary has not seen, in Python: about a third of tokenising a news paragraph with
    syllable tokens. A gold DocBin stores ORTH and NORM only (:data:`GOLD_ATTRS`), so a
    tokenizer used only to make gold rows needs no other attribute. Tokens are the same:
    the tokenizer never reads lexical attributes.
    """
    getters = nlp.vocab.lex_attr_getters or {}
    nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in getters.items() if attr == NORM}
    return nlp


def unique_values(values: numpy.ndarray) -> numpy.ndarray:
    """The distinct values of an array, sorted (numpy.unique's hash path is ~10x slower here)."""
    flat = numpy.sort(values, axis=None)
    if not len(flat):
        return flat
    keep = numpy.empty(len(flat), dtype=bool)
    keep[0] = True
    numpy.not_equal(flat[1:], flat[:-1], out=keep[1:])
    return flat[keep]


def _joins_texts(nlp: Language) -> bool:
    """Whether texts may be tokenised joined: spaCy's own rule-based tokenizer, and no special
    case contains the joiner (then no special case can match across two texts)."""
    tokenizer = nlp.tokenizer
    return type(tokenizer) is Tokenizer and not any(JOINER in rule for rule in tokenizer.rules)


def token_rows(nlp: Language, texts: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Tokenise texts with ``nlp``'s tokenizer: ``[ORTH, NORM, IDX, SPACY]`` rows of all their
    tokens in order (``IDX`` relative to each text), and each text's token count.

    The same rows as ``nlp.make_doc(text).to_array(...)`` text by text. spaCy's tokenizer
    splits a string at whitespace first and handles each piece on its own, so texts that
    neither start nor end with whitespace are tokenised as one string joined by
    :data:`JOINER`, which becomes one token between them (one call and one array per
    :data:`JOINED_TEXTS` texts instead of one per text: ~6 % of `viner convert` with syllable
    tokens). Where the rows show the joiner was not one token of its own, the texts are
    tokenised one by one instead.
    """
    rows: list[numpy.ndarray] = []
    counts: list[int] = []
    joinable = _joins_texts(nlp)
    run: list[str] = []

    def tokenise_run() -> None:
        if len(run) > 1:
            joined = _joined_rows(nlp, run)
            if joined is not None:
                rows.append(joined[0])
                counts.extend(joined[1])
                run.clear()
                return
        for text in run:
            values = _doc_rows(nlp.make_doc(text))
            rows.append(values)
            counts.append(len(values))
        run.clear()

    for text in texts:
        if joinable and text and not text[0].isspace() and not text[-1].isspace() and len(text) <= nlp.max_length:
            run.append(text)
            if len(run) == JOINED_TEXTS:
                tokenise_run()
            continue
        tokenise_run()
        run.append(text)
        tokenise_run()
    tokenise_run()
    if not rows:
        return numpy.zeros((0, len(TOKEN_COLUMNS)), dtype=numpy.uint64), numpy.zeros(0, dtype=numpy.int64)
    return numpy.vstack(rows), numpy.asarray(counts, dtype=numpy.int64)


def _doc_rows(doc: Doc) -> numpy.ndarray:
    values = doc.to_array(list(TOKEN_COLUMNS))
    return values.reshape((len(doc), len(TOKEN_COLUMNS)))


def _joined_rows(nlp: Language, texts: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray] | None:
    values = _doc_rows(nlp.tokenizer(JOINER.join(texts)))
    sizes = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=len(texts))
    bases = numpy.concatenate(([0], numpy.cumsum(sizes + 1)[:-1]))
    joiners = bases[1:] - 1  # character offset of each joiner
    starts = values[:, 2].astype(numpy.int64)
    where = numpy.searchsorted(starts, joiners)
    # each joiner must be a token that starts at its offset and ends where the next text starts
    if where[-1] + 1 >= len(starts) or not (
        numpy.array_equal(starts[where], joiners) and numpy.array_equal(starts[where + 1], joiners + 1)
    ):
        return None
    keep = numpy.ones(len(values), dtype=bool)
    keep[where] = False
    counts = numpy.diff(numpy.concatenate(([-1], where, [len(values)]))) - 1
    values = values[keep]
    values[:, 2] -= numpy.repeat(bases, counts).astype(numpy.uint64)
    return values, counts


@dataclass
class GoldRows:
    """The DocBin arrays of a block of gold docs.

    ``tokens``: one row per token, columns :data:`GOLD_ATTRS` (ORTH, NORM, ENT_IOB, ENT_TYPE);
    ``spaces``: whether each token is followed by a space; ``lengths``: tokens per doc;
    ``strings``: the string of every hash in the string columns (ORTH, NORM, ENT_TYPE),
    kept here so the rows outlive a ``memory_zone`` in which the vocabulary had them;
    ``span_counts``: the example's spans per doc; ``span_labels``: the hash of each span's label
    (all spans, also those a ``drop`` policy left out of the docs: for reports).
    """

    tokens: numpy.ndarray
    spaces: numpy.ndarray
    lengths: numpy.ndarray
    strings: dict[int, str]
    span_counts: numpy.ndarray
    span_labels: numpy.ndarray

    def select(self, docs: numpy.ndarray) -> "GoldRows":
        """The rows of the docs where ``docs`` (a boolean mask over docs) is true, in order."""
        rows = numpy.repeat(docs, self.lengths)
        spans = numpy.repeat(docs, self.span_counts)
        return GoldRows(self.tokens[rows], self.spaces[rows], self.lengths[docs], self.strings, self.span_counts[docs], self.span_labels[spans])

    def slice(self, start: int, stop: int) -> "GoldRows":
        """The rows of docs ``start`` to ``stop``."""
        first, last = int(self.lengths[:start].sum()), int(self.lengths[:stop].sum())
        low, high = int(self.span_counts[:start].sum()), int(self.span_counts[:stop].sum())
        return GoldRows(self.tokens[first:last], self.spaces[first:last], self.lengths[start:stop], self.strings, self.span_counts[start:stop], self.span_labels[low:high])

    def label_counts(self) -> Counter:
        """How many spans of each label the docs have."""
        values, counts = numpy.unique(self.span_labels, return_counts=True)
        return Counter({self.strings[value]: count for value, count in zip(values.tolist(), counts.tolist())})


_GOLD_BIN = DocBin(attrs=GOLD_ATTRS)


def gold_docbin_msgpack(blocks: Sequence[GoldRows], user_data: Sequence[bytes]) -> bytes:
    """The DocBin of the docs of ``blocks``, as :meth:`ViDocBin.to_msgpack` makes it (compress it with
    :func:`compress`): the same bytes as adding ``example_to_doc`` of each example to a
    ``ViDocBin(GOLD_ATTRS)``, built from the arrays at once (``tests/test_convert.py`` checks it).
    ``user_data`` holds :func:`user_data_bytes` of each doc.
    """
    count = sum(len(block.lengths) for block in blocks)
    if count != len(user_data):
        raise VinerError(f"internal error: {count} docs but {len(user_data)} user data")
    if blocks:
        tokens = numpy.vstack([block.tokens for block in blocks])
        spaces = numpy.concatenate([block.spaces for block in blocks]).reshape(-1, 1)
        lengths = numpy.concatenate([block.lengths for block in blocks]).astype("int32")
    else:
        tokens, spaces, lengths = numpy.asarray([]), numpy.asarray([]), numpy.asarray([], dtype="int32")
    strings: set[str] = set()
    if len(tokens):
        table = blocks[0].strings
        if any(block.strings is not table for block in blocks):
            table = {}
            for block in blocks:
                table.update(block.strings)
        strings = {table[value] for value in unique_values(tokens[:, [0, 1, 3]]).tolist()}
    return _docbin_msgpack(
        _GOLD_BIN, tokens, spaces, lengths, strings, [{}] * count, [{"has_unknown_spaces": False}] * count, [_NO_SPAN_GROUPS] * count, list(user_data)
    )


def gold_rows(
    nlp: Language,
    examples: Sequence[Example],
    misaligned: str = "keep",
    on_misaligned: Callable[[Misaligned], None] | None = None,
) -> GoldRows:
    """Tokenise a block of examples and mark their spans: the rows ``example_to_doc`` and
    ``ViDocBin.add`` would store for them, doc by doc, built for the whole block at once.

    Spans off the token edges are handled as in :func:`example_to_doc` (reported to
    ``on_misaligned``; ``keep`` splits the tokens, ``drop`` leaves the span out).
    """
    if misaligned not in MISALIGNED:
        raise VinerError(f"unknown misaligned policy {misaligned!r}: choose keep or drop")
    texts = [e.text for e in examples]
    values, lengths = token_rows(nlp, texts)
    if not texts:
        return GoldRows(values, numpy.zeros(0, dtype=bool), lengths, {}, numpy.zeros(0, dtype=numpy.int64), numpy.zeros(0, dtype=numpy.uint64))
    doc_rows = numpy.concatenate(([0], numpy.cumsum(lengths)))
    count = len(texts)
    sizes = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=count)
    all_spans = [e.spans for e in examples]
    span_counts = numpy.fromiter(map(len, all_spans), dtype=numpy.int64, count=count)
    flat = list(itertools.chain.from_iterable(all_spans))
    span_starts_, span_ends_, span_names = zip(*flat) if flat else ((), (), ())
    # positions in the block: a token's start and end, a span's start and end, offset by the
    # text's position in a virtual concatenation of the texts (one character apart)
    bases = numpy.concatenate(([0], numpy.cumsum(sizes + 1)[:-1]))
    token_base = numpy.repeat(bases, lengths)
    spaces = values[:, 3].astype(bool)
    starts = values[:, 2].astype(numpy.int64) + token_base
    ends = numpy.empty(len(starts), dtype=numpy.int64)
    ends[:-1] = starts[1:] - spaces[:-1]
    ends[doc_rows[1:][lengths > 0] - 1] = (bases + sizes)[lengths > 0]  # a doc's last token ends with its text
    label_ids = {label: get_string_id(label) for label in set(span_names)}
    span_labels = numpy.asarray([label_ids[label] for label in span_names], dtype=numpy.uint64)
    span_starts = numpy.asarray(span_starts_, dtype=numpy.int64)
    span_ends = numpy.asarray(span_ends_, dtype=numpy.int64)
    span_base = numpy.repeat(bases, span_counts)
    first = numpy.searchsorted(starts, span_starts + span_base)
    after = numpy.searchsorted(ends, span_ends + span_base) + 1
    inside = numpy.minimum(first, len(starts) - 1), numpy.minimum(after - 1, len(ends) - 1)
    aligned = (starts[inside[0]] == span_starts + span_base) & (ends[inside[1]] == span_ends + span_base) if len(starts) else numpy.zeros(len(span_starts), dtype=bool)
    tokens = numpy.empty((len(values), len(GOLD_ATTRS)), dtype=numpy.uint64)  # ORTH, NORM, ENT_IOB, ENT_TYPE
    tokens[:, :2] = values[:, :2]
    iob, types = tokens[:, 2], tokens[:, 3]  # views: filled in place
    iob.fill(_IOB_OUTSIDE)
    types.fill(0)
    first, after = first[aligned], after[aligned]
    widths = after - first
    covered = numpy.repeat(first - numpy.concatenate(([0], numpy.cumsum(widths)[:-1])), widths) + numpy.arange(int(widths.sum()))
    iob[covered] = _IOB_INSIDE
    iob[first] = _IOB_BEGIN
    types[covered] = numpy.repeat(span_labels[aligned], widths)
    if not aligned.all():
        tokens, spaces, lengths = _redo_misaligned(nlp, examples, aligned, span_counts, tokens, spaces, lengths, misaligned, on_misaligned)
    store = nlp.vocab.strings
    strings = {value: store[value] for value in unique_values(tokens[:, :2]).tolist()}
    strings.update((value, label) for label, value in label_ids.items())
    strings[0] = ""  # ENT_TYPE of a token outside every entity, stored as "" by spaCy too
    return GoldRows(tokens, spaces, lengths, strings, span_counts, span_labels)


def _redo_misaligned(nlp, examples, aligned, span_counts, tokens, spaces, lengths, misaligned, on_misaligned):
    """Report the spans off token edges; with ``keep``, make those docs again with split tokens."""
    bounds = numpy.concatenate(([0], numpy.cumsum(lengths)))
    token_parts = numpy.split(tokens, bounds[1:-1])
    space_parts = numpy.split(spaces, bounds[1:-1])
    span_docs = numpy.repeat(numpy.arange(len(examples)), span_counts)
    for number in unique_values(span_docs[~aligned]).tolist():
        doc = example_to_doc(nlp, examples[number], misaligned, on_misaligned)
        if misaligned == "keep":
            values = doc.to_array([IDS[name] for name in GOLD_ATTRS] + [SPACY]).reshape((len(doc), len(GOLD_ATTRS) + 1))
            token_parts[number] = values[:, :-1]
            space_parts[number] = values[:, -1].astype(bool)
    lengths = numpy.fromiter(map(len, token_parts), dtype=numpy.int64, count=len(token_parts))
    return numpy.vstack(token_parts), numpy.concatenate(space_parts), lengths


_PACKER = srsly.msgpack.Packer(use_bin_type=True)


def pack(value) -> bytes:
    """``srsly.msgpack_dumps(value)`` for plain values, with one reused packer (``msgpack_dumps`` makes
    a new one per call, which rescans Python's entry points: ~0.6 ms)."""
    return _PACKER.pack(value)


def user_data_bytes(example: Example) -> bytes:
    """What a DocBin stores as the ``user_data`` of ``example_to_doc(nlp, example)``."""
    return pack({USER_DATA_KEY: {"id": example.id, "meta": example.meta}})


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
    for docbin in _docbins(path):
        yield from docbin.get_docs(nlp.vocab)


def read(path: Path | str, nlp: Language) -> Iterator[Example]:
    """The examples of a DocBin file or folder of shards.

    Each file is read in a spaCy memory zone: the strings its docs add to ``nlp``'s
    vocabulary are freed once they are examples, so reading a large corpus does not grow
    the vocabulary (the examples of one file are in memory at a time).
    """
    for docbin in _docbins(path):
        with nlp.memory_zone():
            examples = [doc_to_example(doc) for doc in docbin.get_docs(nlp.vocab)]
        yield from examples


def _docbins(path: Path | str) -> Iterator[DocBin]:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise VinerError(f"{path}: folder has no .spacy files")
    for file in files:
        try:
            yield DocBin().from_disk(file)
        except Exception as err:  # DocBin raises assorted errors on foreign bytes
            raise VinerError(f"{file}: not a spaCy DocBin file ({type(err).__name__}: {err}); create one with `viner convert`") from err
