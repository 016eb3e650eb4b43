"""Pairing two reports' documents: whether they were measured on the same test data, and their counts per document.

The bootstrap of :mod:`.compare` pairs documents by unit id, so it needs the per-document
predictions that ``viner evaluate`` writes beside every report (``NAME.predictions.jsonl``;
reports of viner before schema 3 hold them in the JSON as ``documents``). Both files are
streamed; what is kept is one compact row of counts per document (strict, and of the unseen
entities) and a hash of its text and gold, never the texts.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import VinerError
from ..record import Span
from .metrics import DocumentCounter
from .predictions import documents
from .report import Report
from .seen import Lexicon
from .slices import unseen_spans


def same_test_data(a: Report, b: Report) -> tuple[bool, str]:
    """Whether two reports were measured on the same test data, and a sentence saying why (not)."""
    da, db = a.data, b.data
    ga, gb = da.gold_sha256, db.gold_sha256
    fa, fb = da.sha256, db.sha256
    if ga and gb:
        if ga == gb:
            extra = "" if fa == fb else " (different files, identical gold texts and spans)"
            return True, f"same test data: gold hash {ga[:12]}{extra}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} "
            f"({da.examples} examples, gold hash {ga[:12]}), {b.name} on {db.path} "
            f"({db.examples} examples, gold hash {gb[:12]})"
        )
    if fa and fb:
        if fa == fb:
            return True, f"same test data file: sha256 {fa[:12]}"
        return False, (
            f"different test data: {a.name} was tested on {da.path} (sha256 {fa[:12]}), "
            f"{b.name} on {db.path} (sha256 {fb[:12]})"
        )
    return False, "cannot tell whether the test data are the same: a report has no test-data hash"


def _spans(rows) -> list[Span]:
    return sorted(Span(int(s), int(e), str(label)) for s, e, label in rows)


def _document_key(doc: dict) -> bytes:
    """A hash of a document's text and gold spans: enough to check that two reports saw the same document."""
    return hashlib.blake2b(
        json.dumps([doc["text"], [s.as_list() for s in _spans(doc["gold"])]], ensure_ascii=False).encode("utf-8"),
        digest_size=16,
    ).digest()


class _Counts:
    """The strict counts of a report's documents and of their unseen entities (``None`` once a document has no
    seen flags and there is no training data to tell), in rows given by the baseline's document order."""

    def __init__(self, labels: Sequence[str], lexicon: Lexicon | None) -> None:
        self.strict = DocumentCounter(labels, fixed=True)
        self.unseen: DocumentCounter | None = DocumentCounter(labels, fixed=True)
        self.lexicon = lexicon

    def add(self, doc: dict, row: int | None = None) -> None:
        self.strict.add(_spans(doc["gold"]), _spans(doc["pred"]), row=row)
        if self.unseen is not None:
            unseen = unseen_spans(doc, self.lexicon)
            if unseen is None:
                self.unseen = None
            else:
                self.unseen.add(*unseen, row=row)

    def arrays(self, documents: int) -> tuple[np.ndarray, np.ndarray | None]:
        unseen = self.unseen.array(documents) if self.unseen is not None else None
        return self.strict.array(documents), unseen


class Pairing:
    """The baseline's documents indexed by unit id once; any report's strict counts then come in its order.

    :meth:`of` builds it (``None`` when the baseline has no per-document predictions); ``base``
    holds the baseline's own counts (and ``base_unseen`` those of its unseen entities); :meth:`counts`
    streams another report's documents and returns its counts and its unseen entities' counts as
    arrays of shape ``(documents, labels, 3)`` in the baseline's document order (the second ``None``
    when the report cannot tell seen from unseen entities), or ``None`` when it has no per-document
    predictions. Raises :class:`VinerError` when the documents do not pair up (an id missing from
    one report, or the same id with another text or other gold spans). Only the counts and one hash
    per document are kept, never the texts.
    """

    def __init__(self, a: Report, labels: Sequence[str], rows: dict, base, base_unseen) -> None:
        self.a, self.labels, self.rows, self.base, self.base_unseen = a, list(labels), rows, base, base_unseen

    @classmethod
    def of(
        cls, a: Report, labels: Sequence[str], path_a: Path | str | None = None, lexicon: Lexicon | None = None
    ) -> Pairing | None:
        docs_a = documents(a, path_a)
        if docs_a is None:
            return None
        counts = _Counts(labels, lexicon)
        rows: dict[tuple[str, int], tuple[int, bytes]] = {}
        seen: Counter[str] = Counter()
        for doc in docs_a:
            key = (doc["id"], seen[doc["id"]])
            seen[doc["id"]] += 1
            rows[key] = (counts.strict.documents, _document_key(doc))
            counts.add(doc)
        return cls(a, labels, rows, *counts.arrays(counts.strict.documents))

    def counts(
        self, b: Report, path_b: Path | str | None = None, lexicon: Lexicon | None = None
    ) -> tuple[np.ndarray, np.ndarray | None] | None:
        docs_b = documents(b, path_b)
        if docs_b is None:
            return None
        counts = _Counts(self.labels, lexicon)
        seen: Counter[str] = Counter()
        paired = unpaired = 0
        for doc in docs_b:
            key = (doc["id"], seen[doc["id"]])
            seen[doc["id"]] += 1
            if key not in self.rows:
                unpaired += 1
                continue
            row, digest = self.rows[key]
            if digest != _document_key(doc):
                raise VinerError(f"{self.a.name} and {b.name}: document {key[0]} differs in text or gold spans")
            counts.add(doc, row=row)
            paired += 1
        unpaired += len(self.rows) - paired
        if unpaired:
            raise VinerError(
                f"{self.a.name} and {b.name}: the documents do not pair up by unit id ({unpaired} unpaired)"
            )
        return counts.arrays(len(self.rows))
