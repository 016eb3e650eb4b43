"""Error classes of a trained pipeline on a dev set: the error analysis of configs/README.md, round 3.

Each gold and predicted entity is aligned one to one as `viner evaluate` aligns them (same boundaries
first, then largest overlap) and falls in one of its categories (missed, spurious, wrong label, wrong
boundary, wrong label and boundary). Gold entities are then sorted into the classes the round-3 levers
aim at, by what their text looks like and what the model did with it:

- ``as GPE`` / ``as PERSON`` / ``as ORG``: right span, other label (a team called after its country, a
  company named like a person);
- ``cut short`` / ``too long``: right label, the prediction inside the gold span or around it (long official
  names, names run into the next word);
- ``missed, acronym``: an all-capital name missed (UBND, FIFA); ``missed, lower-case head``: a name that
  starts with a common noun written in lower case (``công ty``, ``đội``); ``missed, other``;
- ``spurious``: a prediction that touches no gold entity (counted against the predicted label).

    python configs/tools/error_classes.py training/NAME/model-best corpus/vlsp-syllable/dev.spacy [--examples 4]

Prints a Markdown table per label (counts and a few examples each) to paste into configs/README.md.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

import spacy
from spacy.tokens import DocBin


def spans(doc) -> list[tuple[int, int, str]]:
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def align(gold: list, pred: list) -> list[tuple]:
    """One-to-one pairs ``(gold or None, pred or None)``: same boundaries first, then largest overlap."""
    pairs, free_g, free_p = [], list(gold), list(pred)
    for g in list(free_g):
        same = [p for p in free_p if p[:2] == g[:2]]
        if same:
            p = next((p for p in same if p[2] == g[2]), same[0])
            pairs.append((g, p))
            free_g.remove(g)
            free_p.remove(p)
    overlaps = sorted(
        (
            (min(g[1], p[1]) - max(g[0], p[0]), g, p)
            for g in free_g
            for p in free_p
            if min(g[1], p[1]) > max(g[0], p[0])
        ),
        key=lambda t: (-t[0], t[1][2] != t[2][2]),
    )
    for _, g, p in overlaps:
        if g in free_g and p in free_p:
            pairs.append((g, p))
            free_g.remove(g)
            free_p.remove(p)
    return pairs + [(g, None) for g in free_g] + [(None, p) for p in free_p]


def error_class(text: str, g, p) -> str | None:
    if g is None:
        return "spurious"
    surface = text[g[0] : g[1]]
    if p is None:
        if surface.replace(" ", "").replace(".", "").isupper():
            return "missed, acronym"
        if surface[:1].islower():
            return "missed, lower-case head"
        return "missed, other"
    if p[:2] == g[:2]:
        return None if p[2] == g[2] else f"as {p[2]}"
    if p[2] == g[2]:
        return (
            "cut short" if g[0] <= p[0] and p[1] <= g[1] else "too long" if p[0] <= g[0] and g[1] <= p[1] else "shifted"
        )
    return f"as {p[2]}, other boundaries"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path, help="gold DocBin (e.g. corpus/vlsp-syllable/dev.spacy)")
    parser.add_argument("--examples", type=int, default=4, help="examples shown per class")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    gold_docs = list(DocBin().from_disk(args.data).get_docs(nlp.vocab))
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    support: Counter = Counter()
    for gold, pred in zip(gold_docs, nlp.pipe(d.text for d in gold_docs)):
        for g, p in align(spans(gold), spans(pred)):
            label = (g or p)[2]
            if g is not None:
                support[label] += 1
            kind = error_class(gold.text, g, p)
            if kind is None:
                continue
            counts[label][kind] += 1
            if len(examples[label, kind]) < args.examples:
                shown = gold.text[g[0] : g[1]] if g else gold.text[p[0] : p[1]]
                got = "" if g is None or p is None else f" → {gold.text[p[0] : p[1]]!r} {p[2]}"
                examples[label, kind].append(f"{shown!r}{got}")
    for label in sorted(counts):
        errors = sum(counts[label].values())
        print(f"\n**{label}** ({support[label]} gold entities, {errors} errors)\n")
        print("| class | count | examples |\n|---|---:|---|")
        for kind, n in counts[label].most_common():
            print(f"| {kind} | {n} | {'; '.join(examples[label, kind])} |")


if __name__ == "__main__":
    main()
