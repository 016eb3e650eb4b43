"""The learning curves of rounds/round-3.md and docs/results.md as one plot: dev F1 of two configs against the amount of
VLSP 2016 training data, overall (solid) and ORG (dashed), from the measured points in curves-vlsp.json.

    python tools/plot_curves.py curves-vlsp.json ../docs/curve-vlsp.png

Every point in the JSON is a run made with `viner curve` (or, at 100 %, the training run of the protocol) and
names the command that reproduces it; nothing here trains or scores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from viner.io import atomic_path


def plot(data: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 5.4), dpi=120)
    for (name, points), colour in zip(data["configs"].items(), ("tab:grey", "tab:blue", "tab:orange")):
        points = sorted(points, key=lambda p: p["train_sentences"])
        x = [p["train_sentences"] for p in points]
        ax.plot(x, [p["f1"] for p in points], marker="o", linewidth=2.2, color=colour, label=f"{name}: all labels")
        ax.plot(
            x, [p["ORG"] for p in points], marker=".", linewidth=1.2, linestyle="--", color=colour, label=f"{name}: ORG"
        )
    ax.set_xscale("log")
    ticks = sorted({p["train_sentences"] for points in data["configs"].values() for p in points})
    ax.set_xticks(ticks, [f"{t:,}" for t in ticks], fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("VLSP 2016 training sentences (log scale)")
    ax.set_ylabel("dev F1 (%)")
    lowest = min(p[key] for points in data["configs"].values() for p in points for key in ("f1", "ORG"))
    ax.set_ylim(10 * int((lowest - 5) // 10), 100)
    ax.grid(alpha=0.3)
    ax.set_title(data.get("title", "Learning curves"), fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("points", type=Path, help="curves-vlsp.json")
    parser.add_argument("output", type=Path, help="the PNG to write")
    args = parser.parse_args()
    plot(json.loads(args.points.read_text(encoding="utf-8")), args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
