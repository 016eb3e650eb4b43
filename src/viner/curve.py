"""Learning curve: train on growing fractions of the training data, score each model on dev.

Answers the lead's question "does more annotation still help?" the way Prodigy's
``train-curve`` does: the same config and dev set, 25/50/75/100 % of the training
docs (a seeded shuffle, each fraction a superset of the previous one), dev F1
overall and per label at each size, as a table, JSON and a PNG plot.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin

from .errors import VinerError
from .evaluation.evaluate import evaluate
from .formats.docbin import read_docs
from .io import atomic_path, write_json, write_text


@dataclass
class CurvePoint:
    fraction: float
    train_docs: int
    train_entities: int
    seconds: float
    overall: dict
    per_label: dict


@dataclass
class Curve:
    config: str
    train: str
    dev: str
    seed: int
    points: list[CurvePoint] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return list(self.points[-1].per_label) if self.points else []

    def as_dict(self) -> dict:
        return {
            "config": self.config,
            "train": self.train,
            "dev": self.dev,
            "seed": self.seed,
            "points": [vars(p) for p in self.points],
            "verdict": self.verdict(),
        }

    def verdict(self) -> str:
        """Prodigy-style reading of the last segment of the curve."""
        if len(self.points) < 2:
            return "not enough points to tell"
        last, before = self.points[-1].overall["f1"], self.points[-2].overall["f1"]
        delta = (last - before) * 100
        if delta > 1.0:
            return f"F1 still rose by {delta:.1f} points over the last segment: more annotation is likely to help"
        if delta > 0:
            return f"F1 rose by only {delta:.1f} points over the last segment: more annotation may help a little"
        return f"F1 did not rise over the last segment ({delta:+.1f} points): more of the same data is unlikely to help much"

    def markdown(self) -> str:
        labels = self.labels
        head = (
            "| fraction | train docs | train entities | F1 | P | R | "
            + " | ".join(f"{label} F1" for label in labels)
            + " | train time |"
        )
        rule = "|" + "---|" * (7 + len(labels))
        rows = [
            f"| {p.fraction:.0%} | {p.train_docs} | {p.train_entities} | {p.overall['f1']:.1%} | {p.overall['precision']:.1%} | {p.overall['recall']:.1%} | "
            + " | ".join(f"{p.per_label[label]['f1']:.1%}" for label in labels)
            + f" | {p.seconds:.0f} s |"
            for p in self.points
        ]
        return "\n".join(
            [
                f"# Learning curve\n\nconfig `{self.config}`, train `{self.train}`, dev `{self.dev}`, seed {self.seed}\n",
                head,
                rule,
                *rows,
                "",
                self.verdict(),
                "",
            ]
        )


def parse_fractions(text: str) -> list[float]:
    try:
        values = sorted({float(v) for v in text.split(",") if v.strip()})
    except ValueError as err:
        raise VinerError(f"--fractions {text!r}: expected comma-separated numbers such as 0.25,0.5,0.75,1") from err
    if not values or values[0] <= 0 or values[-1] > 1:
        raise VinerError(f"--fractions {text!r}: every fraction must be in (0, 1]")
    return values


def subsets(docs: Sequence[Doc], fractions: Sequence[float], seed: int = 0) -> Iterator[tuple[float, list[Doc]]]:
    """Each fraction's training docs: the first ``round(fraction * len(docs))`` of one seeded shuffle, so each
    fraction's docs are a superset of every smaller fraction's."""
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    for fraction in fractions:
        yield fraction, [docs[i] for i in order[: max(1, round(fraction * len(docs)))]]


def learning_curve(
    config: Path | str,
    train: Path | str,
    dev: Path | str,
    *,
    fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    seed: int = 0,
    overrides: dict | None = None,
    on_point: Callable[[CurvePoint], None] | None = None,
) -> Curve:
    """Train ``config`` on each fraction of ``train`` and score the best model on ``dev``."""
    from spacy.cli.train import train as spacy_train

    config, train, dev = Path(config), Path(train), Path(dev)
    for path in (config, train, dev):
        if not path.exists():
            raise VinerError(f"{path}: no such file")
    vectors = (overrides or {}).get(
        "paths.vectors", spacy.util.load_config(config, interpolate=False).get("paths", {}).get("vectors")
    )
    if vectors and not Path(vectors).exists():
        raise VinerError(
            f"{config}: reads static vectors from {vectors}, which does not exist: make them with "
            f"`viner vectors corpus/raw -o {vectors}`, or pass --paths.vectors PATH"
        )
    nlp = spacy.blank("xx")
    docs = list(read_docs(train, nlp))  # a DocBin file or a folder of shards; errors name the file
    if len(docs) < len(fractions):
        raise VinerError(f"{train}: {len(docs)} docs are too few for {len(fractions)} fractions")
    curve = Curve(str(config), str(train), str(dev), seed)
    work = Path(tempfile.mkdtemp(prefix="viner-curve-"))
    try:
        for fraction, subset in subsets(docs, fractions, seed):
            count = len(subset)
            part = work / f"train-{fraction:.2f}.spacy"
            DocBin(docs=subset, store_user_data=True).to_disk(part)
            output = work / f"model-{fraction:.2f}"
            settings = {"paths.train": str(part), "paths.dev": str(dev), "system.seed": seed, **(overrides or {})}
            start = time.perf_counter()
            spacy_train(config, output, overrides=settings)
            seconds = time.perf_counter() - start
            report = evaluate(output / "model-best", dev)
            per_label = {label: asdict(scores) for label, scores in report.per_label.items()}
            point = CurvePoint(
                fraction, count, sum(len(d.ents) for d in subset), seconds, asdict(report.overall), per_label
            )
            curve.points.append(point)
            if on_point is not None:
                on_point(point)
            shutil.rmtree(output, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return curve


def plot(curve: Curve, path: Path | str) -> Path:
    """A PNG of dev F1 against the number of training docs, overall and per label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [p.train_docs for p in curve.points]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.plot(
        x, [p.overall["f1"] * 100 for p in curve.points], marker="o", linewidth=2.5, color="black", label="all (micro)"
    )
    for label in curve.labels:
        ax.plot(x, [p.per_label[label]["f1"] * 100 for p in curve.points], marker=".", linewidth=1.2, label=label)
    ax.set_xlabel("training docs")
    ax.set_ylabel("dev F1 (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title("Learning curve")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def write_outputs(curve: Curve, output_dir: Path | str) -> dict[str, Path]:
    output_dir = Path(output_dir)
    return {
        "json": write_json(curve.as_dict(), output_dir / "curve.json"),
        "markdown": write_text(curve.markdown(), output_dir / "curve.md"),
        "png": plot(curve, output_dir / "curve.png"),
    }
