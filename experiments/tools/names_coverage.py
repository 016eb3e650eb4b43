"""How many gold entities of a dev set a name list knows: what the viner_names feature can tell the model at best.

For each name source (the list viner_names makes from the training gold and viner's lexicon; a names file such
as `viner names` writes; both together), every dev entity is counted as **known** when the component marks
exactly its tokens as one name with its label, **other label** when it marks them as one name with another
label; the rest the list does not know. Also counts names marked where the dev gold has no entity.

    python tools/names_coverage.py corpus/vlsp-syllable/train.spacy corpus/vlsp-syllable/dev.spacy \
        --names assets/names-news.jsonl
"""

from __future__ import annotations

import argparse
from collections import Counter

import spacy
from spacy.training import Corpus

from viner.patterns.ruler import read_patterns

SYLLABLES = {"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}}


def coverage(component, nlp, dev) -> tuple[dict, int]:
    known, other, total, stray = Counter(), Counter(), Counter(), 0
    for gold in dev:
        doc = component(nlp.make_doc(gold.text))
        marks = [str(token.morph) for token in doc]
        for ent in gold.ents:
            total[ent.label_] += 1
            first, last = marks[ent.start], marks[ent.end - 1]
            whole = first[5:6] in ("B", "U") and last[5:6] in ("L", "U") and all(marks[ent.start : ent.end])
            if whole and first.endswith("_" + ent.label_):
                known[ent.label_] += 1
            elif whole:
                other[ent.label_] += 1
        inside = {i for ent in gold.ents for i in range(ent.start, ent.end)}
        stray += sum(1 for i, mark in enumerate(marks) if mark[5:6] in ("B", "U") and i not in inside)
    return {label: (known[label], other[label], total[label]) for label in total}, stray


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train")
    parser.add_argument("dev")
    parser.add_argument("--names", help="a names file (EntityRuler JSONL), e.g. from `viner names`")
    args = parser.parse_args()
    nlp = spacy.blank("vi", config=SYLLABLES)
    component = nlp.add_pipe("viner_names")
    train = list(Corpus(args.train)(nlp))
    dev = [example.reference for example in Corpus(args.dev)(nlp)]
    component.initialize(lambda: train, nlp=nlp)
    sources = {"training gold (min_count 2) + lexicon": dict(component.names)}
    if args.names:
        harvested = {p["pattern"]: p["label"] for p in read_patterns(args.names) if isinstance(p["pattern"], str)}
        sources[f"{args.names}"] = harvested
        sources["both"] = {**harvested, **component.names}
    print(
        "| names | count | "
        + " | ".join(f"{label} known / other label / all" for label in ("PERSON", "ORG", "GPE"))
        + " | marked outside gold entities |"
    )
    print("|---|---:|" + "---:|" * 4)
    for title, names in sources.items():
        component.set_names(names)
        found, stray = coverage(component, nlp, dev)
        cells = " | ".join("{} / {} / {}".format(*found.get(label, (0, 0, 0))) for label in ("PERSON", "ORG", "GPE"))
        print(f"| {title} | {len(names):,} | {cells} | {stray} |")


if __name__ == "__main__":
    main()
