"""Simulated active learning: does choosing sentences by the model's uncertainty save annotation?

The simulation of docs/annotate-less.md. A pool of gold sentences (VLSP 2016 train) plays the annotators: a
round "annotates" a batch by revealing its gold entities. Round 1 takes ``--start`` sentences at random (a seeded
shuffle); every later round adds ``--step`` sentences chosen either

- ``random``: the next sentences of the same seeded shuffle (what a team does without active learning), or
- ``uncertain``: the sentences the current model is least sure of, scored by ``viner.confidence`` (beam of 16, the
  uncertainty ``viner predict --scores`` writes and ``viner doccano push --select uncertain`` ranks by),

then trains a model from scratch on everything annotated so far with the same budget (``--max-steps`` updates,
whatever the data size) and scores it on dev with ``viner evaluate``. One file of rows per strategy and seed,
appended after each round, so a killed run resumes where it stopped:

    python tools/active_learning.py --strategy uncertain --seed 0 \
        --train corpus/vlsp-syllable/train.spacy --dev corpus/vlsp-syllable/dev.spacy \
        --config configs/syllable-efficiency.cfg --output evaluate/active-learning
    python tools/active_learning.py --table evaluate/active-learning    # Markdown table + PNG of all runs

Each row: strategy, seed, annotated sentences, dev F1 overall and per label, training seconds, the indices of the
annotated sentences (so a row can be re-trained exactly).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines() if line.strip()]


def choose_uncertain(
    model: Path, docs: list[Doc], candidates: list[int], count: int, pool_sample: int, seed: int
) -> list[int]:
    """The ``count`` candidates the model at ``model`` is least sure of (scored on a seeded sample of the pool)."""
    from viner.confidence import components_before, find_ner, run_components, score_docs

    nlp = spacy.load(model)
    ner = find_ner(nlp)
    rng = random.Random(seed)
    sample = candidates if len(candidates) <= pool_sample else rng.sample(candidates, pool_sample)
    scores = []
    for begin in range(0, len(sample), 256):
        batch = [
            Doc(nlp.vocab, words=[t.text for t in docs[i]], spaces=[bool(t.whitespace_) for t in docs[i]])
            for i in sample[begin : begin + 256]
        ]
        scores += score_docs(ner, run_components(nlp, components_before(nlp, ner), batch))
    ranked = sorted(zip(sample, scores), key=lambda pair: (-pair[1].uncertainty, pair[0]))
    return [index for index, _ in ranked[:count]]


def train_and_score(
    config: Path, docs: list[Doc], chosen: list[int], dev: Path, work: Path, seed: int, max_steps: int
) -> tuple[dict, float, Path]:
    from spacy.cli.train import train as spacy_train

    from viner.evaluation.evaluate import evaluate

    work.mkdir(parents=True, exist_ok=True)
    part = work / "train.spacy"
    DocBin(docs=[docs[i] for i in chosen], store_user_data=True).to_disk(part)
    output = work / "model"
    settings = {
        "paths.train": str(part),
        "paths.dev": str(dev),
        "system.seed": seed,
        "training.max_steps": max_steps,
        "training.eval_frequency": max(100, max_steps // 4),
        "training.patience": 0,
    }
    start = time.perf_counter()
    spacy_train(config, output, overrides=settings)
    seconds = time.perf_counter() - start
    report = evaluate(output / "model-best", dev)
    scores = {
        "overall": asdict(report.overall),
        "per_label": {label: asdict(s) for label, s in report.per_label.items()},
    }
    return scores, seconds, output / "model-best"


def simulate(args: argparse.Namespace) -> None:
    from viner.formats.docbin import read_docs

    docs = list(read_docs(Path(args.train), spacy.blank("vi")))  # a DocBin file or a folder of shards
    order = list(range(len(docs)))
    random.Random(args.seed).shuffle(order)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows_path = out / f"{args.strategy}-seed{args.seed}.jsonl"
    rows = read_rows(rows_path)
    chosen = rows[-1]["annotated"] if rows else order[: args.start]
    sizes = list(range(args.start, args.until + 1, args.step))
    work = out / "work" / f"{args.strategy}-seed{args.seed}"
    for size in sizes:
        if any(row["size"] == size for row in rows):
            continue
        if len(chosen) < size:
            taken = set(chosen)
            candidates = [i for i in order if i not in taken]
            if args.strategy == "random":
                chosen = chosen + candidates[: size - len(chosen)]
            else:
                model = work / f"{len(chosen)}" / "model" / "model-best"
                if not model.exists():  # resumed after the model was removed: retrain the last round's set
                    train_and_score(
                        Path(args.config),
                        docs,
                        chosen,
                        Path(args.dev),
                        work / f"{len(chosen)}",
                        args.seed,
                        args.max_steps,
                    )
                picked = choose_uncertain(
                    model, docs, candidates, size - len(chosen), args.pool_sample, args.seed + size
                )
                chosen = chosen + picked
        print(f"[{args.strategy} seed {args.seed}] training on {len(chosen)} sentences", file=sys.stderr, flush=True)
        scores, seconds, _ = train_and_score(
            Path(args.config), docs, chosen, Path(args.dev), work / f"{size}", args.seed, args.max_steps
        )
        row = {
            "strategy": args.strategy,
            "seed": args.seed,
            "size": size,
            "entities": sum(len(docs[i].ents) for i in chosen),
            "syllables": sum(len(docs[i]) for i in chosen),
            "f1": scores["overall"]["f1"],
            "per_label": {k: v["f1"] for k, v in scores["per_label"].items()},
            "seconds": round(seconds, 1),
            "max_steps": args.max_steps,
            "config": args.config,
            "annotated": chosen,
        }
        with rows_path.open("a", encoding="utf8") as handle:
            handle.write(json.dumps(row) + "\n")
        rows.append(row)
        print(
            f"[{args.strategy} seed {args.seed}] {size} sentences: dev F1 {row['f1']:.1%} ({seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        previous = work / f"{size - args.step}"
        if previous.exists():
            shutil.rmtree(previous)


def annotated_volume(rows: list[dict], train: Path) -> None:
    """Give every row its annotated syllables (rows written before they were recorded: counted from ``train``)."""
    if all("syllables" in row for row in rows) or not train.exists():
        return
    from viner.formats.docbin import read_docs

    lengths = [len(doc) for doc in read_docs(train, spacy.blank("vi"))]
    for row in rows:
        row.setdefault("syllables", sum(lengths[i] for i in row["annotated"]))


def table(folder: Path, train: Path) -> None:
    """Markdown tables of every run in ``folder`` (dev F1; what was annotated) and a PNG of F1 by sentences and by entities."""
    rows = [row for path in sorted(folder.glob("*-seed*.jsonl")) for row in read_rows(path)]
    annotated_volume(rows, train)
    by = {}
    for row in rows:
        by.setdefault((row["strategy"], row["size"]), []).append(row)
    sizes = sorted({size for _, size in by})
    strategies = sorted({strategy for strategy, _ in by})

    def mean(group: list[dict], key: str) -> float:
        return sum(r[key] for r in group) / len(group)

    print("| annotated sentences | " + " | ".join(f"{s}: dev F1 (seeds)" for s in strategies) + " |")
    print("|---:|" + "---:|" * len(strategies))
    for size in sizes:
        cells = []
        for strategy in strategies:
            group = sorted(by.get((strategy, size), []), key=lambda r: r["seed"])
            seeds = ", ".join(f"{r['f1']:.1%}" for r in group)
            cells.append(f"{mean(group, 'f1'):.1%} ({seeds})" if group else "")
        print(f"| {size:,} | " + " | ".join(cells) + " |")
    print("\n| annotated sentences | " + " | ".join(f"{s}: entities, syllables" for s in strategies) + " |")
    print("|---:|" + "---:|" * len(strategies))
    for size in sizes:
        cells = []
        for strategy in strategies:
            group = by.get((strategy, size), [])
            volume = f"{mean(group, 'entities'):,.0f}" + (
                f", {mean(group, 'syllables'):,.0f}" if all("syllables" in r for r in group) else ""
            )
            cells.append(volume if group else "")
        print(f"| {size:,} | " + " | ".join(cells) + " |")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120, sharey=True)
    for ax, key, xlabel in ((axes[0], "size", "annotated sentences"), (axes[1], "entities", "annotated entities")):
        for strategy in strategies:
            groups = [by[(strategy, size)] for size in sizes if (strategy, size) in by]
            xs = [size if key == "size" else mean(group, key) for size, group in zip(sizes, groups)]
            ax.plot(xs, [mean(group, "f1") * 100 for group in groups], marker="o", label=strategy)
        ax.set_xlabel(f"{xlabel} (VLSP 2016 train)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    axes[0].set_ylabel("dev F1 (%), mean of seeds")
    fig.suptitle("Simulated active learning: the same training budget per round")
    fig.tight_layout()
    fig.savefig(folder / "active-learning.png")
    print(f"\nplot: {folder / 'active-learning.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategy", choices=["random", "uncertain"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", default="corpus/vlsp-syllable/train.spacy")
    parser.add_argument("--dev", default="corpus/vlsp-syllable/dev.spacy")
    parser.add_argument("--config", default="configs/syllable-efficiency.cfg")
    parser.add_argument("--output", default="evaluate/active-learning")
    parser.add_argument("--start", type=int, default=500)
    parser.add_argument("--step", type=int, default=500)
    parser.add_argument("--until", type=int, default=4000)
    parser.add_argument(
        "--max-steps", type=int, default=1500, help="training updates per round, whatever the data size"
    )
    parser.add_argument(
        "--pool-sample", type=int, default=4000, help="pool sentences scored per round (a seeded sample)"
    )
    parser.add_argument("--table", type=Path, help="print the Markdown table of the runs in this folder and plot them")
    args = parser.parse_args()
    if args.table:
        table(args.table, Path(args.train))
    elif args.strategy:
        simulate(args)
    else:
        parser.error("give --strategy or --table")


if __name__ == "__main__":
    main()
