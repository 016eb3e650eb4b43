"""Training docs of N consecutive sentences: spaCy's ``convert -n`` grouping, for a corpus of one sentence per doc.

VLSP 2016 comes one sentence per unit, so every training doc viner convert writes is a sentence. spaCy's converters
group sentences into documents (``spacy convert -n 10``): the model then sees the sentences around a sentence
(within its receptive field) and its batches hold fewer, longer docs. This writes the docs of a DocBin (a file or
a folder of shards, in their order, which is the corpus's) joined N at a time, entities kept, into one DocBin, for
rounds/round-3.md's measurement of that lever; dev stays one sentence per doc, so the runs are compared on the
same documents.

    python tools/group_sentences.py corpus/vlsp-syllable/train.spacy corpus/vlsp-grouped/train.spacy -n 10
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

from viner.formats.docbin import read_docs


def grouped(docs: list[Doc], n: int) -> list[Doc]:
    out = []
    for start in range(0, len(docs), n):
        group = docs[start : start + n]
        for doc in group:
            doc.user_data.clear()  # unit ids and meta are per sentence; a joined doc has none of its own
        out.append(Doc.from_docs(group, ensure_whitespace=True))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="DocBin file or folder of shards, one sentence per doc")
    parser.add_argument("output", type=Path, help="DocBin file to write")
    parser.add_argument("-n", "--n-sents", type=int, default=10, help="sentences per doc (spaCy's convert -n)")
    args = parser.parse_args()
    nlp = spacy.blank("vi")
    docs = list(read_docs(args.source, nlp))
    out = grouped(docs, args.n_sents)
    entities = sum(len(doc.ents) for doc in docs)
    assert sum(len(doc.ents) for doc in out) == entities, "an entity was lost in grouping"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=out, store_user_data=False).to_disk(args.output)
    print(f"{len(docs)} docs, {entities} entities -> {len(out)} docs of up to {args.n_sents} sentences: {args.output}")


if __name__ == "__main__":
    main()
