"""Correction effort: how many span edits an annotator makes to turn suggestions into gold.

The measurement of docs/annotate-less.md. On the seed gold (annotations/gold/, one article per source file), leave
one article out: the other articles stand for what the team has annotated so far, the held-out one for the
next units to annotate. For each held-out unit the suggestions are compared with its gold spans:

- a suggestion equal to a gold span (start, end, label) costs nothing;
- a suggestion that overlaps a gold span but differs (label or boundary) is one **fix**;
- a gold span that no suggestion overlaps is one **add**;
- a suggestion that overlaps no gold span is one **delete**.

Suggestion sources: none (everything is an add), the shipped lexicon alone (a true cold start: nothing annotated
yet), patterns from the other articles' gold (``viner patterns``) with the lexicon, a model trained on the other
articles (the config given, ``--steps`` updates), and that model with those patterns (patterns win on overlap
except inside a longer model entity: viner.patterns.ruler).

    python tools/correction_effort.py ../annotations/gold/ --config configs/syllable-efficiency.cfg \
        --steps 300 --output ../docs/correction-effort.png

Prints a Markdown table (edits per unit, the share of the work saved, the suggestions' precision) and writes a PNG.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from viner.formats import doccano_jsonl
from viner.formats.docbin import example_to_doc
from viner.io import find_files
from viner.patterns import build_patterns, lexicon_patterns, pipeline_with_patterns
from viner.patterns.ruler import add_patterns
from viner.pipeline import tokenizer_from_config
from viner.record import DEFAULT_LABELS, Span


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def edits(gold, suggested) -> dict[str, int]:
    """Adds, deletes and fixes to turn ``suggested`` spans into ``gold`` spans, and the exact matches."""
    gold, suggested = set(gold), set(suggested)
    exact = gold & suggested
    rest_gold, rest_suggested = gold - exact, suggested - exact
    fixes = sum(1 for s in rest_suggested if any(overlaps(s, g) for g in rest_gold))
    deletes = len(rest_suggested) - fixes
    adds = sum(1 for g in rest_gold if not any(overlaps(g, s) for s in rest_suggested))
    return {
        "add": adds,
        "delete": deletes,
        "fix": fixes,
        "exact": len(exact),
        "suggested": len(suggested),
        "gold": len(gold),
    }


def train(config: Path, units, work: Path, steps: int, seed: int):
    """A model trained on ``units`` (the other articles) with the config, ``steps`` updates; returns it loaded.

    The gold is tokenised as `viner convert` tokenises it: the config's own tokenizer, and a span that does not fall
    on token edges keeps its entity by splitting the token (convert's default, ``--misaligned keep``).
    """
    from spacy.cli.train import train as spacy_train

    nlp = tokenizer_from_config(config)
    docs = [example_to_doc(nlp, unit, misaligned="keep") for unit in units]
    DocBin(docs=docs).to_disk(work / "train.spacy")
    spacy_train(
        config,
        work / "model",
        overrides={
            "paths.train": str(work / "train.spacy"),
            "paths.dev": str(work / "train.spacy"),
            "paths.vectors": None,
            "training.max_steps": steps,
            "training.eval_frequency": steps,
            "training.patience": 0,
            "system.seed": seed,
        },
    )
    return spacy.load(work / "model" / "model-last")


def spans_of(nlp, text):
    return {Span(e.start_char, e.end_char, e.label_) for e in nlp(text).ents}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", type=Path)
    parser.add_argument("--config", type=Path, default=Path("configs/syllable-efficiency.cfg"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-precision", type=float, default=0.9)
    parser.add_argument("--output", type=Path, help="PNG of the edits per unit by suggestion source")
    args = parser.parse_args()

    units = [
        u
        for path in find_files([args.gold], doccano_jsonl.SUFFIXES)
        for u in doccano_jsonl.read(path, labels=DEFAULT_LABELS)
    ]
    articles = defaultdict(list)
    for unit in units:
        articles[unit.meta.get("source") or unit.meta.get("article")].append(unit)
    sources = ["none", "lexicon (cold start)", "patterns: gold so far + lexicon", "model", "model + patterns"]
    totals = {s: defaultdict(int) for s in sources}
    lexicon = lexicon_patterns(DEFAULT_LABELS)
    for held_out in sorted(articles):
        others = [u for name, group in articles.items() if name != held_out for u in group]
        gold_patterns, _ = build_patterns(others, min_precision=args.min_precision)
        known = {p["pattern"] for p in gold_patterns}
        both = gold_patterns + [p for p in lexicon if p["pattern"] not in known]
        print(
            f"held out {held_out}: {len(articles[held_out])} units; {len(gold_patterns)} gold patterns from {len(others)} units",
            file=sys.stderr,
        )
        with tempfile.TemporaryDirectory() as tmp:
            model = train(args.config, others, Path(tmp), args.steps, args.seed)
            pipelines = {
                "lexicon (cold start)": lambda: pipeline_with_patterns("blank:vi", lexicon),
                "patterns: gold so far + lexicon": lambda both=both: pipeline_with_patterns("blank:vi", both),
                "model": lambda model=model: model,
                # after "model": the same weights, patterns added
                "model + patterns": lambda model=model, both=both: add_patterns(model, both),
            }
            for source in sources:
                nlp = None if source == "none" else pipelines[source]()
                for unit in articles[held_out]:
                    suggested = set() if nlp is None else spans_of(nlp, unit.text)
                    for key, value in edits(unit.spans, suggested).items():
                        totals[source][key] += value
                    totals[source]["units"] += 1
    base = sum(totals["none"][k] for k in ("add", "delete", "fix"))
    print("| suggestions | adds | deletes | fixes | edits per unit | work saved | precision of suggestions |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for source in sources:
        t = totals[source]
        work = t["add"] + t["delete"] + t["fix"]
        precision = f"{t['exact'] / t['suggested']:.2f}" if t["suggested"] else "-"
        print(
            f"| {source} | {t['add']} | {t['delete']} | {t['fix']} | {work / t['units']:.2f} | {1 - work / base:.0%} | {precision} |"
        )
    if args.output:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=120)
        left = [0.0] * len(sources)
        for kind, colour in (("add", "#4c72b0"), ("fix", "#dd8452"), ("delete", "#c44e52")):
            values = [totals[s][kind] / totals[s]["units"] for s in sources]
            ax.barh(sources, values, left=left, color=colour, label=kind)
            left = [a + b for a, b in zip(left, values)]
        ax.invert_yaxis()
        ax.set_xlabel("span edits per unit (seed gold, leave one article out)")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(args.output)
        print(f"\nplot: {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
