"""How good is silver: `viner silver` run on gold text, its docs checked against the gold, per label.

Round 4's self-training teaches the entities the teacher is sure of, leaves the tokens it doubts missing and
teaches "O" everywhere else. Run on text whose gold is known (VLSP dev, as Doccano JSONL: `viner silver` ignores
its spans), the silver says how right each of the three is:

- kept: silver entities, and the share of them that are a gold entity exactly (precision of what is taught);
- taught: gold entities kept exactly (recall), and split by whether the entity's text is an entity of the
  training data (seen / unseen, exactly as `viner evaluate` splits it);
- missing: gold entities with a token the silver leaves missing (taught neither way);
- taught as O: gold entities every token of which the silver marks O, the harm silver can do;
- otherwise: gold entities under a kept entity of another label or other edges.

    python tools/silver_quality.py corpus/silver-dev corpus/vlsp-syllable/dev.spacy --train corpus/vlsp-syllable/train.spacy
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import Doc

from viner.evaluation.seen import Lexicon, load_lexicon
from viner.formats.docbin import read_docs

Span = tuple[int, int, str]


def entities(doc: Doc) -> set[Span]:
    return {(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents}


def token_states(doc: Doc, start: int, end: int) -> set[str]:
    """The IOB states ("" = missing, "O", "B", "I") of the silver tokens under the characters start..end."""
    return {token.ent_iob_ for token in doc if token.idx < end and token.idx + len(token) > start}


def quality(silver: list[Doc], gold: list[Doc], train: Lexicon) -> dict[str, dict[str, int]]:
    """Counts per label (and "ALL") of what the silver does with the gold of the units it labelled."""
    by_text = {doc.text: doc for doc in gold}
    counts: dict[str, Counter[str]] = {}
    units = 0
    for doc in silver:
        gold_doc = by_text.get(doc.text)
        if gold_doc is None:
            continue
        units += 1
        kept, truth = entities(doc), entities(gold_doc)
        for start, end, label in kept:
            for key in (label, "ALL"):
                counts.setdefault(key, Counter()).update(kept=1, kept_right=(start, end, label) in truth)
        for start, end, label in truth:
            seen = "seen" if train.seen(gold_doc.text[start:end]) else "unseen"
            states = token_states(doc, start, end)
            for key in (label, "ALL"):
                c = counts.setdefault(key, Counter())
                c.update(gold=1, **{f"gold_{seen}": 1})
                if (start, end, label) in kept:
                    c.update(taught=1, **{f"taught_{seen}": 1})
                elif "" in states:
                    c.update(missing=1)
                elif states == {"O"}:
                    c.update(taught_as_o=1)
                else:
                    c.update(taught_otherwise=1)
    return {"units": {"matched": units}, **{key: dict(c) for key, c in sorted(counts.items())}}


def table(result: dict[str, dict[str, int]]) -> str:
    rows = [
        "| label | kept | precision | gold | recall | seen | unseen | missing | taught as O | otherwise |",
        "|---" * 10 + "|",
    ]
    for label, c in result.items():
        if label == "units":
            continue

        def share(part: str, whole: str, c: dict[str, int] = c) -> str:
            return f"{c.get(part, 0) / c[whole]:.3f}" if c.get(whole) else "-"

        rows.append(
            f"| {label} | {c.get('kept', 0)} | {share('kept_right', 'kept')} | {c.get('gold', 0)} | "
            f"{share('taught', 'gold')} | {share('taught_seen', 'gold_seen')} | {share('taught_unseen', 'gold_unseen')} | "
            f"{share('missing', 'gold')} | {share('taught_as_o', 'gold')} | {share('taught_otherwise', 'gold')} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("silver", type=Path, help="folder `viner silver` wrote (run on the gold's text)")
    parser.add_argument("gold", type=Path, help="the gold DocBin (file or folder of shards)")
    parser.add_argument("--train", type=Path, required=True, help="training DocBin, for the seen / unseen split")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()
    nlp = spacy.blank("vi")
    result = quality(list(read_docs(args.silver, nlp)), list(read_docs(args.gold, nlp)), load_lexicon(args.train))
    print(f"{result['units']['matched']} silver units matched a gold unit by text")
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
