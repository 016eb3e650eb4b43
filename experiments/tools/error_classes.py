"""Error classes of a trained pipeline on a dev set: the error analysis of rounds/round-3.md.

Each gold and predicted entity is aligned one to one by `viner evaluate`'s own alignment
(viner.evaluation.analysis.align: same boundaries first, then largest overlap) and falls in one of its categories
(missed, spurious, wrong label, wrong boundary, wrong label and boundary). Gold entities are then sorted into the classes the round-3 levers
aim at, by what their text looks like and what the model did with it:

- ``as GPE`` / ``as PERSON`` / ``as ORG``: right span, other label (a team called after its country, a
  company named like a person);
- ``cut short`` / ``too long``: right label, the prediction inside the gold span or around it (long official
  names, names run into the next word);
- ``missed, acronym``: an all-capital name missed (UBND, FIFA); ``missed, lower-case head``: a name that
  starts with a common noun written in lower case (``công ty``, ``đội``); ``missed, other``;
- ``spurious``: a prediction that touches no gold entity (counted against the predicted label).

    python tools/error_classes.py training/NAME/model-best corpus/vlsp-syllable/dev.spacy [--examples 4]

Prints a Markdown table per label (counts and a few examples each) to paste into a round page (rounds/).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import spacy
from spacy.tokens import Doc

from viner.evaluation.analysis import Pair, align
from viner.formats.docbin import read_docs
from viner.record import Span


def spans(doc: Doc) -> list[Span]:
    return [Span(e.start_char, e.end_char, e.label_) for e in doc.ents]


def error_class(text: str, pair: Pair) -> str | None:
    """The class of one aligned pair (None when the prediction is right)."""
    g, p = pair.gold, pair.pred
    if g is None:
        return "spurious"
    surface = g.text_in(text)
    if p is None:
        if surface.replace(" ", "").replace(".", "").isupper():
            return "missed, acronym"
        if surface[:1].islower():
            return "missed, lower-case head"
        return "missed, other"
    if (p.start, p.end) == (g.start, g.end):
        return None if p.label == g.label else f"as {p.label}"
    if p.label == g.label:
        if g.start <= p.start and p.end <= g.end:
            return "cut short"
        return "too long" if p.start <= g.start and g.end <= p.end else "shifted"
    return f"as {p.label}, other boundaries"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path, help="gold DocBin (e.g. corpus/vlsp-syllable/dev.spacy)")
    parser.add_argument("--examples", type=int, default=4, help="examples shown per class")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    gold_docs = list(read_docs(args.data, nlp))
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    support: Counter = Counter()
    for gold, pred in zip(gold_docs, nlp.pipe(d.text for d in gold_docs)):
        for pair in align(spans(gold), spans(pred)):
            g, p = pair.gold, pair.pred
            label = (g or p).label
            if g is not None:
                support[label] += 1
            kind = error_class(gold.text, pair)
            if kind is None:
                continue
            counts[label][kind] += 1
            if len(examples[label, kind]) < args.examples:
                shown = (g or p).text_in(gold.text)
                got = "" if g is None or p is None else f" → {p.text_in(gold.text)!r} {p.label}"
                examples[label, kind].append(f"{shown!r}{got}")
    for label in sorted(counts):
        errors = sum(counts[label].values())
        print(f"\n**{label}** ({support[label]} gold entities, {errors} errors)\n")
        print("| class | count | examples |\n|---|---:|---|")
        for kind, n in counts[label].most_common():
            print(f"| {kind} | {n} | {'; '.join(examples[label, kind])} |")


if __name__ == "__main__":
    main()
