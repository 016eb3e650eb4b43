"""Gold rows: a block of examples straight to the DocBin arrays of their gold docs.

`viner convert` turns hundreds of thousands of units into DocBins. Building a Doc per unit,
setting `doc.ents` and reading it back costs more than tokenising it; here a block of
examples is tokenised, and its entity columns are filled, with a few array operations for
the whole block. The rows are the ones :func:`viner.formats.docbin.example_to_doc` and
spaCy's ``DocBin.add`` store (``tests/test_gold_rows.py`` checks it).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy
from spacy.attrs import IDS, IDX, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from ..formats.docbin import GOLD_ATTRS, Misaligned, example_to_doc
from ..record import Example

TOKEN_COLUMNS = (ORTH, NORM, IDX, SPACY)
# Texts of a block are tokenised as one string joined by this separator: a whitespace
# character that is no special case of spaCy's tokenizer, so it becomes a token of its own
# between two texts (see `token_rows`).
JOINER = "\r"
JOINED_TEXTS = 200  # texts per joined string: longer strings make spaCy grow the doc more often
_IOB_OUTSIDE, _IOB_INSIDE, _IOB_BEGIN = 2, 1, 3


def lean_vocab(nlp: Language) -> Language:
    """Make ``nlp`` compute only the NORM of each new word; returns ``nlp``.

    spaCy computes 23 lexical attributes (shape, prefix, like_num...) for every word its
    vocabulary has not seen, in Python: about a third of tokenising a news paragraph with
    syllable tokens. A gold DocBin stores ORTH and NORM only (:data:`GOLD_ATTRS`), so a
    tokenizer used only to make gold rows needs no other attribute. Tokens are the same:
    the tokenizer never reads lexical attributes.
    """
    # spaCy's vocab.pyi lacks Vocab.lex_attr_getters, a public attribute (vocab.pxd)
    getters = nlp.vocab.lex_attr_getters or {}  # type: ignore[attr-defined]
    nlp.vocab.lex_attr_getters = {attr: getter for attr, getter in getters.items() if attr == NORM}  # type: ignore[attr-defined]
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


def doc_rows(doc: Doc) -> numpy.ndarray:
    """``[ORTH, NORM, IDX, SPACY]`` rows of a doc's tokens."""
    values = doc.to_array(list(TOKEN_COLUMNS))
    return values.reshape((len(doc), len(TOKEN_COLUMNS)))


def token_rows(nlp: Language, texts: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Tokenise texts with ``nlp``'s tokenizer: ``[ORTH, NORM, IDX, SPACY]`` rows of all their
    tokens in order (``IDX`` relative to each text), and each text's token count.

    The same rows as ``nlp.make_doc(text)`` text by text. spaCy's tokenizer splits a string at
    whitespace first and handles each piece on its own, so texts that neither start nor end
    with whitespace are tokenised as one string joined by :data:`JOINER`, which becomes one
    token between them: one call and one array per :data:`JOINED_TEXTS` texts instead of one
    per text. Kept because bench/ shows convert would miss its target without it (see
    experiments/bench.md). Where the rows show the joiner was not one token of its own, the texts
    are tokenised one by one instead.
    """
    rows: list[numpy.ndarray] = []
    counts: list[int] = []
    joinable = joins_texts(nlp)
    run: list[str] = []

    def tokenise_run() -> None:
        joined = _joined_rows(nlp, run) if len(run) > 1 else None
        if joined is not None:
            rows.append(joined[0])
            counts.extend(joined[1].tolist())
        else:
            for text in run:
                values = doc_rows(nlp.make_doc(text))
                rows.append(values)
                counts.append(len(values))
        run.clear()

    for text in texts:
        run.append(text)
        if not (joinable and text and not text[0].isspace() and not text[-1].isspace() and len(text) <= nlp.max_length):
            run.pop()
            tokenise_run()
            run.append(text)
            tokenise_run()
        elif len(run) == JOINED_TEXTS:
            tokenise_run()
    tokenise_run()
    if not rows:
        return numpy.zeros((0, len(TOKEN_COLUMNS)), dtype=numpy.uint64), numpy.zeros(0, dtype=numpy.int64)
    return numpy.vstack(rows), numpy.asarray(counts, dtype=numpy.int64)


def joins_texts(nlp: Language) -> bool:
    """Whether texts may be tokenised joined: spaCy's own rule-based tokenizer, and no special
    case contains the joiner (then no special case can match across two texts)."""
    tokenizer = nlp.tokenizer
    if type(tokenizer) is not Tokenizer:
        return False
    rules: dict[str, list[dict[int, str]]] = tokenizer.rules  # type: ignore[union-attr]  # spaCy's tokenizer is untyped
    return not any(JOINER in rule for rule in rules)


def _joined_rows(nlp: Language, texts: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray] | None:
    """The rows of ``texts`` tokenised as one string, or None where the joiner was not a token of its own."""
    values = doc_rows(nlp.tokenizer(JOINER.join(texts)))
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

    def select(self, docs: numpy.ndarray) -> GoldRows:
        """The rows of the docs where ``docs`` (a boolean mask over docs) is true, in order."""
        rows = numpy.repeat(docs, self.lengths)
        spans = numpy.repeat(docs, self.span_counts)
        return GoldRows(
            self.tokens[rows],
            self.spaces[rows],
            self.lengths[docs],
            self.strings,
            self.span_counts[docs],
            self.span_labels[spans],
        )

    def slice(self, start: int, stop: int) -> GoldRows:
        """The rows of docs ``start`` to ``stop``."""
        first, last = int(self.lengths[:start].sum()), int(self.lengths[:stop].sum())
        low, high = int(self.span_counts[:start].sum()), int(self.span_counts[:stop].sum())
        return GoldRows(
            self.tokens[first:last],
            self.spaces[first:last],
            self.lengths[start:stop],
            self.strings,
            self.span_counts[start:stop],
            self.span_labels[low:high],
        )

    def label_counts(self) -> Counter:
        """How many spans of each label the docs have."""
        values, counts = numpy.unique(self.span_labels, return_counts=True)
        return Counter({self.strings[value]: count for value, count in zip(values.tolist(), counts.tolist())})


def gold_rows(
    nlp: Language,
    examples: Sequence[Example],
    misaligned: str = "keep",
    on_misaligned: Callable[[Misaligned], None] | None = None,
) -> GoldRows:
    """Tokenise a block of examples and mark their spans: the rows ``example_to_doc`` and
    ``DocBin.add`` would store for them, doc by doc, built for the whole block at once.

    Spans off the token edges are handled as in :func:`example_to_doc` (reported to
    ``on_misaligned``; ``keep`` splits the tokens, ``drop`` leaves the span out).
    """
    texts = [e.text for e in examples]
    values, lengths = token_rows(nlp, texts)
    if not texts:
        return GoldRows(
            values,
            numpy.zeros(0, dtype=bool),
            lengths,
            {},
            numpy.zeros(0, dtype=numpy.int64),
            numpy.zeros(0, dtype=numpy.uint64),
        )
    doc_starts = numpy.concatenate(([0], numpy.cumsum(lengths)))
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
    ends[doc_starts[1:][lengths > 0] - 1] = (bases + sizes)[lengths > 0]  # a doc's last token ends with its text
    label_ids = {label: get_string_id(label) for label in set(span_names)}
    span_labels = numpy.asarray([label_ids[label] for label in span_names], dtype=numpy.uint64)
    span_starts = numpy.asarray(span_starts_, dtype=numpy.int64)
    span_ends = numpy.asarray(span_ends_, dtype=numpy.int64)
    span_base = numpy.repeat(bases, span_counts)
    first = numpy.searchsorted(starts, span_starts + span_base)
    after = numpy.searchsorted(ends, span_ends + span_base) + 1
    inside = numpy.minimum(first, len(starts) - 1), numpy.minimum(after - 1, len(ends) - 1)
    aligned = (
        (starts[inside[0]] == span_starts + span_base) & (ends[inside[1]] == span_ends + span_base)
        if len(starts)
        else numpy.zeros(len(span_starts), dtype=bool)
    )
    tokens = numpy.empty((len(values), len(GOLD_ATTRS)), dtype=numpy.uint64)  # ORTH, NORM, ENT_IOB, ENT_TYPE
    tokens[:, :2] = values[:, :2]
    iob, types = tokens[:, 2], tokens[:, 3]  # views: filled in place
    iob.fill(_IOB_OUTSIDE)
    types.fill(0)
    first, after = first[aligned], after[aligned]
    widths = after - first
    covered = numpy.repeat(first - numpy.concatenate(([0], numpy.cumsum(widths)[:-1])), widths) + numpy.arange(
        int(widths.sum())
    )
    iob[covered] = _IOB_INSIDE
    iob[first] = _IOB_BEGIN
    types[covered] = numpy.repeat(span_labels[aligned], widths)
    if not aligned.all():
        tokens, spaces, lengths = _redo_misaligned(
            nlp, examples, aligned, span_counts, tokens, spaces, lengths, misaligned, on_misaligned
        )
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
