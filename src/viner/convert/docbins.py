"""The one seam between `viner convert` and spaCy's DocBin format: a fast maker on the spaCy versions it was
checked with, spaCy's own ``DocBin.add`` on any other.

Convert needs two things of a DocBin maker: the rows of a block of examples (:class:`~.rows.GoldRows`, pooled
until the split is known) and, per output file or shard, the file's bytes from the rows of its docs.

- :class:`FastDocBins` builds the rows of a whole block with a few array operations (:func:`.rows.gold_rows`,
  a tokenizer that computes only NORM: :func:`.rows.lean_vocab`) and writes the message that spaCy's
  ``DocBin.to_bytes`` would write, compressed by ISA-L (:func:`.shards.gold_docbin_msgpack`). It relies on what
  spaCy does not promise: the DocBin message's layout, the ENT_IOB codes, ``Vocab.lex_attr_getters``. It is
  used on the spaCy versions of :data:`FAST_SPACY` only, the ones the tests compare it on.
- :class:`PlainDocBins` uses spaCy's public API only: a Doc per example (:func:`~viner.formats.docbin.example_to_doc`),
  its columns read with ``Doc.to_array``, and each output written by ``DocBin.add`` and ``DocBin.to_bytes``. It is
  slower, and it is what a newer spaCy gets, so convert works there instead of breaking.

Both store the same docs: the tests compare the uncompressed messages of both, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Protocol, cast

import numpy
import spacy
import srsly
from spacy.attrs import IDS, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab
from thinc.types import Ints2d

from ..formats.docbin import GOLD_ATTRS, Misaligned, example_to_doc
from ..record import Example
from .rows import GoldRows, gold_rows, lean_vocab, unique_values
from .shards import compress, gold_docbin_msgpack

FAST_SPACY = ("3.8",)  # the spaCy versions (major.minor) whose DocBin format the fast maker is checked against

OnMisaligned = Callable[[Misaligned], None]
_COLUMNS = [IDS[name] for name in GOLD_ATTRS]


class DocBinMaker(Protocol):
    name: str  # "fast" or "plain", in convert-report.json

    def tokenizer(self, nlp: Language) -> Language:
        """The tokenizer the rows are made with (``nlp`` itself, or changed)."""
        ...

    def rows(
        self, nlp: Language, examples: Sequence[Example], misaligned: str, on_misaligned: OnMisaligned | None
    ) -> GoldRows:
        """The rows of the gold docs of a block of examples."""
        ...

    def encoder(self, blocks: Sequence[GoldRows], user_data: Sequence[bytes]) -> Callable[[], bytes]:
        """What makes the bytes of a DocBin file of these docs (called in a background thread)."""
        ...


class FastDocBins:
    name = "fast"

    def tokenizer(self, nlp: Language) -> Language:
        return lean_vocab(nlp)

    def rows(
        self, nlp: Language, examples: Sequence[Example], misaligned: str, on_misaligned: OnMisaligned | None
    ) -> GoldRows:
        return gold_rows(nlp, examples, misaligned, on_misaligned)

    def encoder(self, blocks: Sequence[GoldRows], user_data: Sequence[bytes]) -> Callable[[], bytes]:
        return partial(compress, gold_docbin_msgpack(blocks, user_data))


class PlainDocBins:
    name = "plain"

    def tokenizer(self, nlp: Language) -> Language:
        return nlp

    def rows(
        self, nlp: Language, examples: Sequence[Example], misaligned: str, on_misaligned: OnMisaligned | None
    ) -> GoldRows:
        tokens, spaces = [], []
        for example in examples:
            doc = example_to_doc(nlp, example, misaligned, on_misaligned)
            tokens.append(doc.to_array(_COLUMNS).reshape((len(doc), len(_COLUMNS))))
            spaces.append(doc.to_array(SPACY).reshape(len(doc)).astype(bool))
        store = nlp.vocab.strings
        labels = [span.label for example in examples for span in example.spans]
        table = numpy.vstack(tokens) if tokens else numpy.zeros((0, len(_COLUMNS)), dtype=numpy.uint64)
        strings = {value: store[value] for value in unique_values(table[:, [0, 1, 3]]).tolist()}
        strings.update((store.add(label), label) for label in set(labels))
        strings[0] = ""  # ENT_TYPE of a token outside every entity
        return GoldRows(
            tokens=table,
            spaces=numpy.concatenate(spaces) if spaces else numpy.zeros(0, dtype=bool),
            lengths=numpy.asarray([len(t) for t in tokens], dtype=numpy.int64),
            strings=strings,
            span_counts=numpy.asarray([len(example.spans) for example in examples], dtype=numpy.int64),
            span_labels=numpy.asarray([store.add(label) for label in labels], dtype=numpy.uint64),
        )

    def encoder(self, blocks: Sequence[GoldRows], user_data: Sequence[bytes]) -> Callable[[], bytes]:
        """A Doc per pooled doc, as ``DocBin.get_docs`` makes it from the same columns, added to a DocBin."""
        vocab = Vocab()  # one per file: its strings go with it
        docbin = DocBin(attrs=list(GOLD_ATTRS), store_user_data=True)
        number = 0
        for block in blocks:
            for text in block.strings.values():
                vocab.strings.add(text)
            ends = numpy.cumsum(block.lengths).tolist()
            for start, end in zip([0, *ends[:-1]], ends):
                columns = block.tokens[start:end]
                words = [block.strings[value] for value in columns[:, 0].tolist()]
                doc = Doc(vocab, words=words, spaces=block.spaces[start:end].tolist())
                doc.from_array(_COLUMNS, cast(Ints2d, columns))  # thinc's name for a 2-D integer array
                doc.user_data.update(srsly.msgpack_loads(user_data[number]))
                docbin.add(doc)
                number += 1
        return docbin.to_bytes


def docbin_maker(spacy_version: str | None = None) -> DocBinMaker:
    """The fast maker on a spaCy version of :data:`FAST_SPACY` (default: the installed spaCy's), else the plain one."""
    version = spacy_version if spacy_version is not None else spacy.__version__
    return FastDocBins() if ".".join(version.split(".")[:2]) in FAST_SPACY else PlainDocBins()
