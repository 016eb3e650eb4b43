"""Score a trained pipeline on gold data and write a report."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Sequence

import spacy

from .. import __version__
from ..convert import file_sha256
from ..errors import VinerError
from ..formats import docbin, doccano_jsonl
from ..io import write_json
from ..pipeline import load_pipeline
from ..record import DEFAULT_LABELS, Example, Span
from .metrics import strict_counts


def read_gold(path: Path | str, nlp) -> list[Example]:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return list(doccano_jsonl.read(path, labels=None))
    if path.suffix == ".spacy":
        return list(docbin.read(path, nlp))
    raise VinerError(f"{path}: unsupported test data; give a .spacy file (from `viner convert`) or a Doccano .jsonl file")


def evaluate(
    model: Path | str,
    data: Path | str,
    *,
    labels: Sequence[str] | None = None,
    batch_size: int = 256,
) -> dict:
    """Run the model over the gold texts and score its entities against the gold spans (strict)."""
    nlp = load_pipeline(model)
    gold = read_gold(data, nlp)
    if not gold:
        raise VinerError(f"{data}: holds no examples to evaluate on")
    labels = list(labels or _model_labels(nlp) or DEFAULT_LABELS)
    start = time.perf_counter()
    predicted: list[list[Span]] = []
    words = 0
    for doc in nlp.pipe((e.text for e in gold), batch_size=batch_size):
        predicted.append([Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
        words += len(doc)
    seconds = time.perf_counter() - start
    overall, per_label = strict_counts(((list(e.spans), p) for e, p in zip(gold, predicted)), labels)
    return {
        "model": {
            "path": str(model),
            "name": nlp.meta.get("name"),
            "version": nlp.meta.get("version"),
        },
        "data": {"path": str(data), "sha256": file_sha256(data), "examples": len(gold), "entities": overall.support},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"viner": __version__, "spacy": spacy.__version__},
        "labels": labels,
        "overall": overall.as_dict(),
        "per_label": {label: counts.as_dict() for label, counts in per_label.items()},
        "speed": {"words": words, "seconds": seconds, "words_per_second": words / seconds if seconds else None},
    }


def _model_labels(nlp) -> list[str]:
    if "ner" in nlp.pipe_names:
        return list(nlp.get_pipe("ner").labels)
    return []


def write_report(report: dict, output: Path | str) -> Path:
    return write_json(report, output)
