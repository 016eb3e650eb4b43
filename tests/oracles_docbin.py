"""Test oracles for DocBins: a Doc per example added to a DocBin, as spaCy does it.

`viner convert` builds DocBin bytes from arrays a block at a time (viner.convert.rows and
.shards); these plain writers, which no product code calls, give what it must store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy
import srsly
from spacy.attrs import IDS, SPACY
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.tokens.doc import DOCBIN_ALL_ATTRS

from viner.convert.rows import unique_values
from viner.convert.shards import compress, docbin_msgpack
from viner.formats.docbin import Misaligned, example_to_doc
from viner.io import atomic_path
from viner.record import Example

# the token attributes whose values are string hashes (spaCy's DocBin.add stores the strings of these)
_STRING_ATTRS = ("ORTH", "TAG", "LEMMA", "NORM", "MORPH", "DEP", "ENT_TYPE", "ENT_KB_ID", "ENT_ID")


class ViDocBin(DocBin):
    """A DocBin that stores ``user_data`` (our id and meta) and adds docs faster, storing the same.

    spaCy's ``DocBin.add`` (3.8) calls ``srsly.msgpack_dumps`` per doc, which builds a new
    msgpack Packer each time, and collects each token's strings with nine property lookups per
    token. Here the packer is reused, and the strings are looked up when the bin is serialised,
    once per distinct hash. What is stored is the same (``test_vidocbin_stores_what_spacys_docbin_stores``),
    compressed at viner's level (:func:`viner.convert.shards.compress`).
    """

    def __init__(self, attrs=DOCBIN_ALL_ATTRS, **kwargs) -> None:
        kwargs["store_user_data"] = True
        super().__init__(attrs, **kwargs)
        self._packer = srsly.msgpack.Packer(use_bin_type=True)
        self._hashes: set[int] = set()  # hashes whose string is already in self.strings
        string_ids = {IDS[name] for name in _STRING_ATTRS}
        self._wanted = [*self.attrs, SPACY]
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
        """Copy the strings of the stored string columns of the docs added since the last call."""
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
        return compress(self.to_msgpack())

    def to_msgpack(self) -> bytes:
        self.collect_strings()
        lengths = numpy.asarray([len(tokens) for tokens in self.tokens], dtype="int32")
        tokens = numpy.vstack(self.tokens) if self.tokens else numpy.asarray([])
        spaces = numpy.vstack(self.spaces) if self.spaces else numpy.asarray([])
        return docbin_msgpack(
            self, tokens, spaces, lengths, self.strings, self.cats, self.flags, self.span_groups, self.user_data
        )


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
    """Write examples to a DocBin file, a Doc each."""
    return write_docs((example_to_doc(nlp, e, misaligned, on_misaligned) for e in examples), path)
