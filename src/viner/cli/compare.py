"""`viner compare`: model versions side by side, with paired bootstrap intervals of the F1 differences."""

from __future__ import annotations

from pathlib import Path

from ..evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from ..evaluation.compare import compare_files
from ..evaluation.comparison import Bootstrap, Comparison
from ..evaluation.index import index_root
from ..evaluation.write import write_comparison
from ._util import Arg, Opt, app, existing, msg


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def print_comparison(comparison: Comparison) -> None:
    models, labels = comparison.models, comparison.labels
    f1_rows = []
    for label in [*labels, "overall"]:
        cells = []
        for m in models:
            v = m.scores(label)
            cells.append(f"{v.f1:.1%}" if v else "-")
        f1_rows.append(("ALL (micro)" if label == "overall" else label, *cells))
    msg.table(
        f1_rows,
        header=("F1", *(m.name for m in models)),
        aligns=["l" if i == 0 else "r" for i in range(len(models) + 1)],
        divider=True,
        title="F1 per label, side by side",
    )
    if any(m.unseen for m in models):
        rows = [
            (
                "ALL (micro)" if label == "overall" else label,
                *(_pct(v.get("f1")) if (v := m.unseen.scores(label) if m.unseen else None) else "-" for m in models),
            )
            for label in [*labels, "overall"]
        ]
        msg.table(
            rows,
            header=("unseen F1", *(m.name for m in models)),
            aligns=["l" if i == 0 else "r" for i in range(len(models) + 1)],
            divider=True,
            title="F1 of the entities unseen in training, side by side",
        )
    for c in comparison.comparisons:
        title = f"{c.b_name} vs {c.a_name}"
        if not c.comparable:
            msg.divider(title)
            msg.warn(f"NOT COMPARABLE: {c.reason}; no differences are shown")
            continue
        b = c.bootstrap
        if not b:
            msg.divider(title)
            msg.warn(c.note or "no per-document predictions: no intervals")
            continue
        _delta_table(b, labels, title)
        msg.text(
            f"paired bootstrap over {b.documents} documents, {b.resamples:,} resamples, seed {b.seed}; "
            f"delta = F1({c.b_name}) - F1({c.a_name}) in points"
        )
        if c.unseen:
            _delta_table(c.unseen, labels, f"{title}: entities unseen in training")
        elif c.unseen_note:
            msg.info(c.unseen_note)
    for m in models:
        if m.external:
            wps = m.speed.words_per_second
            speed = f"{wps:,.0f} words/s given" if wps else "no speed"
            msg.text(f"{m.name}: external system, scored from {m.external.path} ({speed})")
        if len(m.runs) > 1:
            runs = ", ".join(f"{r.name} {r.f1:.1%}" for r in m.runs)
            msg.text(f"{m.name}: {len(m.runs)} runs pooled (F1 of each: {runs})")


def _delta_table(b: Bootstrap, labels: list[str], title: str) -> None:
    rows = []
    for label in [*labels, "overall"]:
        r = b.row(label)
        rows.append(
            (
                "ALL (micro)" if label == "overall" else label,
                r.support,
                _pts(r.delta),
                f"{_pts(r.ci[0])} to {_pts(r.ci[1])}",
                r.verdict,
            )
        )
    msg.table(
        rows,
        header=("label", "support", "delta F1", f"{int(b.level * 100)}% interval", "verdict"),
        aligns=("l", "r", "r", "r", "l"),
        divider=True,
        title=title,
    )


@app.command("compare")
def compare_cli(
    reports: list[str] = Arg(
        ...,
        help="Report JSON files from `viner evaluate`, one per model version; the first is the baseline. Several runs of one version (seeds) joined by commas are pooled: a.json,b.json",
        show_default=False,
    ),
    output: Path | None = Opt(
        None,
        "--output",
        "-o",
        help="Comparison to write, e.g. evaluate/compare-NAME.html (.md and .json beside it; evaluate/index.html is updated)",
    ),
    resamples: int = Opt(DEFAULT_RESAMPLES, "--resamples", help="Bootstrap resamples of the paired documents"),
    seed: int = Opt(DEFAULT_SEED, "--seed", help="Seed of the bootstrap (fixed, so comparisons are reproducible)"),
    train: Path | None = Opt(
        None,
        "--train",
        help="Training data (.spacy, folder of .spacy shards, or Doccano .jsonl) for the unseen-entity comparison "
        "of reports that lack the seen/unseen split (made without their training data at hand)",
    ),
) -> None:
    """Compare model versions: F1 per label side by side and, for each model against the
    baseline (the first report), the difference with a paired bootstrap 95% interval.

    Reports measured on different test data (other gold hash) are flagged and get no
    differences: their scores are not comparable.

    A version trained with several seeds is given as its runs' reports joined by commas
    (`viner compare words-s0.json,words-s1.json beam-s0.json,beam-s1.json`): the runs are
    pooled (each document's counts summed over them), so the interval compares versions,
    not one lucky or unlucky seed of each.

    The F1 of the entities the models have not seen in their training data is compared the
    same way (see `viner evaluate`); give --train for reports that lack the split.
    """
    versions = [existing([Path(p) for p in version.split(",") if p]) for version in reports]
    comparison = compare_files(versions, resamples=resamples, seed=seed, train=train)
    for warning in comparison.warnings:
        msg.warn(warning)
    print_comparison(comparison)
    if output:
        paths = write_comparison(comparison, output)
        msg.good(f"Comparison written to {paths['html']} (+ {paths['md'].name}, {paths['json'].name})")
        msg.good(f"Index of reports updated: {index_root(paths['json']) / 'index.html'}")
    if not comparison.all_comparable:
        msg.warn("some reports were measured on different test data: their scores cannot be compared")
