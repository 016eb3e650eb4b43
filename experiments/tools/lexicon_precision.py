"""The shipped lexicon's precision on gold: the table of docs/annotate-less.md.

Every lexicon entry is looked up in the gold text at syllable boundaries (viner.patterns.lexicon.score_patterns)
and each occurrence counted as labelled with the entry's label, with another label, inside a longer entity,
or unlabelled. Precision is ``as label / occurrences``; "precision, alone" leaves out the occurrences inside a
longer entity (``Hà Nội`` in ``UBND Hà Nội``), which a model beside the patterns keeps (a pattern never splits a
longer model entity), so it is the precision a pattern has where it is the only suggestion.

    python tools/lexicon_precision.py assets/vlsp2016/train.jsonl   # VLSP 2016 train, PER->PERSON, LOC->GPE
    python tools/lexicon_precision.py ../annotations/gold/           # the seed gold

Prints a Markdown table per kind of entry and the entries most often wrong.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from viner.patterns.lexicon import lexicon_patterns, score_patterns
from viner.patterns.make import read_gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", nargs="+", type=Path, help="Doccano JSONL files or folders of them")
    parser.add_argument("--worst", type=int, default=8, help="list this many entries with the most wrong matches")
    args = parser.parse_args()

    examples = read_gold(args.gold, labels=None)
    patterns = lexicon_patterns()
    stats = score_patterns(patterns, examples)
    by_kind = defaultdict(list)
    for pattern, entry in zip(patterns, stats):
        by_kind[pattern.get("id", "lexicon")].append(entry)

    print(f"{len(examples):,} units; {len(patterns)} lexicon entries\n")
    print(
        "| kind | entries | found | occurrences | as label | other label | inside an entity | unlabelled | precision | precision, alone |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, entries in sorted(by_kind.items()) + [("all", stats)]:
        occ = sum(e.occurrences for e in entries)
        right = sum(e.as_label for e in entries)
        inside = sum(e.inside for e in entries)
        found = sum(1 for e in entries if e.occurrences)
        precision = f"{right / occ:.2f}" if occ else "-"
        alone = f"{right / (occ - inside):.2f}" if occ - inside else "-"
        print(
            f"| {kind} | {len(entries)} | {found} | {occ:,} | {right:,} | {sum(e.other_label for e in entries):,} "
            f"| {inside:,} | {sum(e.unlabelled for e in entries):,} | {precision} | {alone} |"
        )

    wrong = sorted(stats, key=lambda e: e.other_label + e.unlabelled, reverse=True)[: args.worst]
    print("\nentries most often wrong (outside a longer entity):\n")
    print("| entry | label | occurrences | as label | other label | inside | unlabelled |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for e in wrong:
        if e.other_label + e.unlabelled:
            print(
                f"| {e.text} | {e.label} | {e.occurrences} | {e.as_label} | {e.other_label} | {e.inside} | {e.unlabelled} |"
            )


if __name__ == "__main__":
    main()
