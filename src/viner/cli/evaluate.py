"""`viner evaluate`: per-label precision, recall and F1 of a trained pipeline (or of another system's
predictions file), with a full report."""

from __future__ import annotations

from pathlib import Path

from ..errors import VinerError
from ..evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from ..evaluation.evaluate import evaluate
from ..evaluation.external import evaluate_predictions, is_predictions_file
from ..evaluation.index import index_root
from ..evaluation.report import Report, report_paths
from ..evaluation.write import write_report
from ._util import Arg, Opt, app, msg, parse_labels


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


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


def slices_table(report: Report) -> None:
    """Recall and F1 of the entities the model has seen in its training data and of those it has not."""
    s = report.slices
    if s is None:
        return
    if s.seen is None or s.unseen is None:
        msg.warn(f"no seen/unseen split: {s.reason}")
        return
    rows = []
    for label in [*report.per_label, "overall"]:
        seen, unseen = s.seen.scores(label), s.unseen.scores(label)
        if seen is None or unseen is None:
            continue
        rows.append(
            (
                "ALL (micro)" if label == "overall" else label,
                seen.support,
                _pct(seen.get("recall")),
                _pct(seen.get("f1")),
                unseen.support,
                _pct(unseen.get("recall")),
                _pct(unseen.get("f1")),
                _interval(s.unseen.ci(label)),
            )
        )
    msg.table(
        rows,
        header=("label", "seen", "recall", "F1", "unseen", "recall", "F1", "unseen F1 95% interval"),
        divider=True,
        aligns=("l", "r", "r", "r", "r", "r", "r", "r"),
        title="Entities seen / unseen in the training data",
    )
    msg.text(f"seen: the entity's text is an entity text of {s.train_path} ({s.match}); see evaluate/README.md")


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
        ...,
        help="Trained pipeline folder (e.g. training/model-best) or installed package; or a Doccano .jsonl of another system's predictions (spans on the gold texts), scored the same way",
        show_default=False,
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
        help="Labels to report (default: the model's NER labels; for a predictions file, the label scheme's and every label predicted); labels without predictions are included",
    ),
    name: str | None = Opt(
        None,
        "--name",
        "-n",
        help="Name of the report (default: the output file's name, else the model's name or the predictions file's name)",
    ),
    words_per_second: float | None = Opt(
        None,
        "--words-per-second",
        help="With a predictions file: the system's speed as measured where it ran, shown as given (without it the report has no speed)",
        show_default=False,
    ),
    resamples: int = Opt(
        DEFAULT_RESAMPLES, "--resamples", help="Bootstrap resamples of the documents for the 95% intervals"
    ),
    seed: int = Opt(DEFAULT_SEED, "--seed", help="Seed of the bootstrap (fixed, so reports are reproducible)"),
    train: Path | None = Opt(
        None,
        "--train",
        help="The training data of the model (or of the system whose predictions are scored): .spacy file, "
        "folder of .spacy shards, or Doccano .jsonl, for the seen/unseen split; default for a model: paths.train "
        "of its config, looked for from here and from the folders above the model",
    ),
) -> None:
    """Score a pipeline's entities, or another system's predictions, against gold spans (strict: same start, end and label).

    Prints overall and per-label precision, recall, F1 (with 95% bootstrap intervals) and
    support. The report also holds nervaluate's exact/partial/type schemas, a confusion
    matrix, error counts with the first 200 errors of each category, speed, model size,
    hashes of the config, training and test data and versions; the per-document
    predictions (for `viner compare`) go to NAME.predictions.jsonl beside it. The test
    data is streamed, so memory stays flat however large it is.

    A Doccano .jsonl instead of a model (`viner evaluate PREDICTIONS.jsonl GOLD`) scores a
    system viner did not run: a transformer fine-tuned on `viner export --format hf`,
    another toolkit, a vendor's API. Each gold unit takes the row with its unit id
    (meta.unit_id), else the row with its text; a gold unit without a row, or a row whose
    text differs from its unit's, is an error with file and line. The report marks the
    version as external (its name and the file's hash) and has no speed unless
    --words-per-second gives one.

    Recall and F1 are also split by whether each entity's text occurs as an entity in the
    model's training data (seen) or not (unseen): how well the model does on names it has
    never met. Without the training data (or --train) the split is left out and the report
    says why.
    """
    paths = report_paths(output) if output else None
    report_name = name or (paths["json"].stem if paths else None)
    if is_predictions_file(model):
        report = evaluate_predictions(
            model,
            data,
            labels=parse_labels(labels) if labels else None,
            name=report_name,
            words_per_second=words_per_second,
            resamples=resamples,
            seed=seed,
            sidecar=paths["predictions"] if paths else None,
            train=train,
        )
    else:
        if words_per_second is not None:
            raise VinerError(
                "--words-per-second is for a predictions file (.jsonl): a model's speed is measured as it runs"
            )
        report = evaluate(
            model,
            data,
            labels=parse_labels(labels) if labels else None,
            name=report_name,
            resamples=resamples,
            seed=seed,
            predictions=paths["predictions"] if paths else None,
            train=train,
        )
    per_label_table(report)
    slices_table(report)
    error_summary(report)
    msg.info(f"{report.data.examples} examples, {report.data.entities} gold entities" + _speed(report))
    if report.external:
        x = report.external
        msg.info(
            f"external system {report.model.name}: {x.rows} prediction rows, {x.by_id} matched by unit id, "
            f"{x.by_text} by text, {x.unused} matching no gold unit (not scored)"
        )
    if paths:
        write_report(report, paths["json"])
        msg.good(
            f"Report written to {paths['json']} (+ {paths['md'].name}, {paths['html'].name}, {paths['predictions'].name})"
        )
        msg.good(f"Index of reports updated: {index_root(paths['json']) / 'index.html'}")


def _speed(report: Report) -> str:
    speed = report.speed.words_per_second
    if not speed:
        return ", no speed (an external system's: give --words-per-second)" if report.external else ""
    return f", {speed:,.0f} words/s" + (" (given)" if report.speed.given else "")
