"""`viner evaluate`: per-label precision, recall and F1 of a trained pipeline, with a full report."""

from __future__ import annotations

from pathlib import Path

from ..evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from ..evaluation.evaluate import evaluate
from ..evaluation.index import index_root
from ..evaluation.report import Report, report_paths
from ..evaluation.write import write_report
from ._util import Arg, Opt, app, msg, parse_labels


def _interval(ci) -> str:
    return f"{ci[0]:.1%} to {ci[1]:.1%}" if ci else ""


def per_label_table(report: Report) -> None:
    rows = []
    for label, m in report.per_label.items():
        rows.append(
            (label, f"{m.precision:.1%}", f"{m.recall:.1%}", f"{m.f1:.1%}", _interval(report.ci(label)), m.support)
        )
    o = report.overall
    rows.append(
        ("ALL (micro)", f"{o.precision:.1%}", f"{o.recall:.1%}", f"{o.f1:.1%}", _interval(report.ci()), o.support)
    )
    msg.table(
        rows,
        header=("label", "precision", "recall", "F1", "F1 95% interval", "support"),
        divider=True,
        aligns=("l", "r", "r", "r", "r", "r"),
    )


def error_summary(report: Report) -> None:
    if not report.errors:
        return
    c = report.errors.counts
    msg.info(
        f"errors: {c['false_negative']} missed, {c['false_positive']} spurious, {c['wrong_label']} wrong label, "
        f"{c['wrong_boundary']} wrong boundary, {c['wrong_label_boundary']} wrong label and boundary"
    )


@app.command("evaluate")
def evaluate_cli(
    model: str = Arg(
        ..., help="Trained pipeline folder (e.g. training/model-best) or installed package", show_default=False
    ),
    data: Path = Arg(..., help="Gold test data: .spacy (from `viner convert`) or Doccano .jsonl", show_default=False),
    output: Path | None = Opt(
        None,
        "--output",
        "-o",
        help="Report to write, e.g. evaluate/reports/NAME.json (NAME.md and NAME.html are written beside it, and evaluate/index.html is updated)",
    ),
    labels: str | None = Opt(
        None,
        "--labels",
        "-l",
        help="Labels to report (default: the model's NER labels); labels without predictions are included",
    ),
    name: str | None = Opt(
        None, "--name", "-n", help="Name of the report (default: the output file's name, else the model's name)"
    ),
    resamples: int = Opt(
        DEFAULT_RESAMPLES, "--resamples", help="Bootstrap resamples of the documents for the 95% intervals"
    ),
    seed: int = Opt(DEFAULT_SEED, "--seed", help="Seed of the bootstrap (fixed, so reports are reproducible)"),
) -> None:
    """Score a pipeline's entities against gold spans (strict: same start, end and label).

    Prints overall and per-label precision, recall, F1 (with 95% bootstrap intervals) and
    support. The report also holds nervaluate's exact/partial/type schemas, a confusion
    matrix, error counts with the first 200 errors of each category, speed, model size,
    hashes of the config, training and test data and versions; the per-document
    predictions (for `viner compare`) go to NAME.predictions.jsonl beside it. The test
    data is streamed, so memory stays flat however large it is.
    """
    paths = report_paths(output) if output else None
    report = evaluate(
        model,
        data,
        labels=parse_labels(labels) if labels else None,
        name=name or (paths["json"].stem if paths else None),
        resamples=resamples,
        seed=seed,
        predictions=paths["predictions"] if paths else None,
    )
    per_label_table(report)
    error_summary(report)
    speed = report.speed.words_per_second
    msg.info(
        f"{report.data.examples} examples, {report.data.entities} gold entities"
        + (f", {speed:,.0f} words/s" if speed else "")
    )
    if paths:
        write_report(report, paths["json"])
        msg.good(
            f"Report written to {paths['json']} (+ {paths['md'].name}, {paths['html'].name}, {paths['predictions'].name})"
        )
        msg.good(f"Index of reports updated: {index_root(paths['json']) / 'index.html'}")
