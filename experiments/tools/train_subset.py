"""A fraction of a training DocBin: the docs `viner curve` trains on at that fraction (the same seeded shuffle).

Round 4 measures self-training with few annotations (10 % of VLSP train, 1,480 sentences): the teachers, the
baseline and the self-trained model all train on this one subset, the one `viner curve --fractions 0.1` used for
the 10 % point of the learning curves, so the figures line up with the curve's.

    python tools/train_subset.py corpus/vlsp-syllable/train.spacy corpus/vlsp-10/train.spacy --fraction 0.1
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from viner.curve import subsets
from viner.formats.docbin import read_docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="training DocBin (file or folder of shards)")
    parser.add_argument("output", type=Path, help="DocBin file to write")
    parser.add_argument("--fraction", type=float, required=True, help="share of the docs (0.1: a tenth)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffle (viner curve's --seed)")
    args = parser.parse_args()
    docs = list(read_docs(args.source, spacy.blank("xx")))
    [(_, subset)] = subsets(docs, [args.fraction], args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=subset, store_user_data=True).to_disk(args.output)
    entities = sum(len(doc.ents) for doc in subset)
    print(f"{len(subset)} of {len(docs)} docs ({entities} entities) -> {args.output}")


if __name__ == "__main__":
    main()
