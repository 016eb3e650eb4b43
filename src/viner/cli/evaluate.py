"""`viner evaluate`: per-label precision, recall and F1 of a trained pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..evaluation.evaluate import evaluate, write_report
from ._util import Arg, Opt, app, msg, parse_labels


def per_label_table(report: dict) -> None:
    rows = []
    for label, m in report["per_label"].items():
        rows.append((label, f"{m['precision']:.1%}", f"{m['recall']:.1%}", f"{m['f1']:.1%}", m["support"]))
    o = report["overall"]
    rows.append(("ALL (micro)", f"{o['precision']:.1%}", f"{o['recall']:.1%}", f"{o['f1']:.1%}", o["support"]))
    msg.table(rows, header=("label", "precision", "recall", "F1", "support"), divider=True, aligns=("l", "r", "r", "r", "r"))


@app.command("evaluate")
def evaluate_cli(
    model: str = Arg(..., help="Trained pipeline folder (e.g. training/model-best) or installed package", show_default=False),
    data: Path = Arg(..., help="Gold test data: .spacy (from `viner convert`) or Doccano .jsonl", show_default=False),
    output: Optional[Path] = Opt(None, "--output", "-o", help="Report JSON to write, e.g. evaluate/reports/NAME.json"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help="Labels to report (default: the model's NER labels); labels without predictions are included"),
) -> None:
    """Score a pipeline's entities against gold spans (strict: same start, end and label).

    Prints overall and per-label precision, recall, F1 and support; the report also
    records the model path, a SHA-256 of the test data, versions and the date.
    """
    report = evaluate(model, data, labels=parse_labels(labels) if labels else None)
    per_label_table(report)
    speed = report["speed"]["words_per_second"]
    msg.info(f"{report['data']['examples']} examples, {report['data']['entities']} gold entities" + (f", {speed:,.0f} words/s" if speed else ""))
    if output:
        write_report(report, output)
        msg.good(f"Report written to {output}")
