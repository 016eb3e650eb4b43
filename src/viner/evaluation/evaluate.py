"""Score a trained pipeline on gold data and write a report (JSON, Markdown, HTML).

The report is a plain dict (see ``evaluate/README.md`` for every key). Beside the
figures it keeps the per-document predictions, so reports can be compared later
(:mod:`.compare`) without the models, and the hashes that tell whether two reports
were measured on the same test data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from pathlib import Path
from typing import Sequence

import spacy

from .. import __version__
from ..convert import file_sha256
from ..errors import VinerError
from ..formats import docbin, doccano_jsonl
from ..io import write_json, write_text
from ..pipeline import load_pipeline
from ..record import DEFAULT_LABELS, Example, Span
from .analysis import confusion_matrix, error_analysis
from .bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, metric_intervals
from .metrics import document_counts, label_order, strict_counts
from .schemas import nervaluate_schemas

REPORT_KIND = "viner-evaluation"
SCHEMA_VERSION = 2


def read_gold(path: Path | str, nlp) -> list[Example]:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return list(doccano_jsonl.read(path, labels=None))
    if path.suffix == ".spacy":
        return list(docbin.read(path, nlp))
    raise VinerError(f"{path}: unsupported test data; give a .spacy file (from `viner convert`) or a Doccano .jsonl file")


def gold_sha256(examples: Sequence[Example]) -> str:
    """Hash of the gold content (unit ids, texts and spans), independent of the file format and order.

    The same gold in a ``.jsonl`` and in a ``.spacy`` file hashes the same; any changed
    text or span changes it.
    """
    rows = sorted(json.dumps([e.id, e.text, [s.as_list() for s in sorted(e.spans)]], ensure_ascii=False) for e in examples)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def model_metadata(model: Path | str, nlp) -> tuple[dict, dict]:
    """``(model, training_data)`` metadata: name, version, config hash, size; the training data's hash or why not."""
    folder = Path(getattr(nlp, "_path", None) or model)
    config_file = folder / "config.cfg"
    if config_file.is_file():
        config_sha = file_sha256(config_file)
    else:
        config_sha = hashlib.sha256(nlp.config.to_str().encode("utf-8")).hexdigest()
    info = {
        "path": str(model),
        "name": nlp.meta.get("name"),
        "version": nlp.meta.get("version"),
        "lang": nlp.lang,
        "pipeline": list(nlp.pipe_names),
        "config_sha256": config_sha,
        "size_bytes": folder_size(folder) if folder.is_dir() else None,
    }
    train = None
    try:
        train = nlp.config["paths"]["train"]
    except (KeyError, TypeError):
        pass
    training: dict = {"path": train, "sha256": None, "reason": None}
    if not train:
        training["reason"] = "the model's config has no paths.train"
    else:
        path = Path(str(train))
        if path.is_file():
            training["sha256"] = file_sha256(path)
        elif path.is_dir():
            training["reason"] = f"{path} is a folder, not a file"
        else:
            training["reason"] = f"{path} not found from {Path.cwd()} (paths.train is relative to where `spacy train` ran)"
    return info, training


def evaluate(
    model: Path | str,
    data: Path | str,
    *,
    labels: Sequence[str] | None = None,
    batch_size: int = 256,
    name: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict:
    """Run the model over the gold texts and score its entities against the gold spans.

    Strict P/R/F1 overall and per label (with bootstrap intervals), nervaluate's four schemas,
    a confusion matrix, every error, speed, metadata and the per-document predictions.
    """
    nlp = load_pipeline(model)
    gold = read_gold(data, nlp)
    if not gold:
        raise VinerError(f"{data}: holds no examples to evaluate on")
    labels = list(labels or _ordered(_model_labels(nlp)) or DEFAULT_LABELS)
    # speed: one untimed warm-up doc, then the whole set through nlp.pipe
    list(nlp.pipe([gold[0].text]))
    start = time.perf_counter()
    predicted: list[list[Span]] = []
    words = 0
    for doc in nlp.pipe((e.text for e in gold), batch_size=batch_size):
        predicted.append([Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
        words += sum(1 for t in doc if not t.is_space)
    seconds = time.perf_counter() - start
    model_info, training = model_metadata(model, nlp)
    model_info["labels"] = _model_labels(nlp)
    return build_report(
        gold,
        predicted,
        labels=labels,
        model=model_info,
        training_data=training,
        data={"path": str(data), "sha256": file_sha256(data)},
        speed={"words": words, "seconds": seconds, "documents": len(gold)},
        name=name or model_info.get("name") or Path(str(model)).name,
        resamples=resamples,
        seed=seed,
    )


def build_report(
    gold: Sequence[Example],
    predicted: Sequence[Sequence[Span]],
    *,
    labels: Sequence[str],
    model: dict,
    data: dict,
    training_data: dict | None = None,
    speed: dict | None = None,
    name: str = "model",
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict:
    """The report dict from gold examples and predicted spans (no model needed: used by tests and tools)."""
    gold_spans = [list(e.spans) for e in gold]
    predicted = [sorted(p) for p in predicted]
    labels = list(labels)
    overall, per_label = strict_counts(zip(gold_spans, predicted), labels)
    all_labels = label_order(labels, gold_spans, predicted)
    speed = dict(speed or {})
    seconds, words = speed.get("seconds"), speed.get("words")
    speed["words_per_second"] = words / seconds if seconds and words is not None else None
    if seconds and speed.get("documents") is not None:
        speed["documents_per_second"] = speed["documents"] / seconds
    return {
        "kind": REPORT_KIND,
        "schema_version": SCHEMA_VERSION,
        "name": name,
        "model": model,
        "training_data": training_data or {"path": None, "sha256": None, "reason": "unknown"},
        "data": {
            **data,
            "gold_sha256": gold_sha256(gold),
            "examples": len(gold),
            "entities": overall.support,
        },
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "labels": labels,
        "overall": overall.as_dict(),
        "per_label": {label: counts.as_dict() for label, counts in per_label.items()},
        "uncertainty": metric_intervals(document_counts(gold_spans, predicted, list(per_label)), list(per_label), resamples=resamples, seed=seed),
        "schemas": nervaluate_schemas(gold_spans, predicted, all_labels),
        "confusion": confusion_matrix(gold_spans, predicted, all_labels),
        "errors": error_analysis([e.text for e in gold], [e.id for e in gold], gold_spans, predicted, all_labels),
        "speed": speed,
        "documents": [
            {
                "id": e.id,
                "source": e.meta.get("source"),
                "text": e.text,
                "gold": [s.as_list() for s in e.spans],
                "pred": [s.as_list() for s in p],
            }
            for e, p in zip(gold, predicted)
        ],
    }


def _versions() -> dict:
    versions = {"viner": __version__, "spacy": spacy.__version__, "python": platform.python_version()}
    try:
        from importlib.metadata import version

        versions["nervaluate"] = version("nervaluate")
    except Exception:  # pragma: no cover - metadata missing in odd installs
        pass
    return versions


def _ordered(labels: Sequence[str]) -> list[str]:
    """PERSON, ORG, GPE, EVENT first (in that order), then any other label alphabetically."""
    rank = {label: i for i, label in enumerate(DEFAULT_LABELS)}
    return sorted(labels, key=lambda label: (rank.get(label, len(rank)), label))


def _model_labels(nlp) -> list[str]:
    if "ner" in nlp.pipe_names:
        return list(nlp.get_pipe("ner").labels)
    return []


def report_paths(output: Path | str) -> dict[str, Path]:
    """The three files of a report: ``NAME.json``, ``NAME.md`` and ``NAME.html`` side by side."""
    output = Path(output)
    base = output.with_suffix("") if output.suffix.lower() in (".json", ".md", ".html") else output
    return {"json": base.with_suffix(".json"), "md": base.with_suffix(".md"), "html": base.with_suffix(".html")}


def write_report(report: dict, output: Path | str, *, index: bool = True) -> Path:
    """Write the report as JSON, Markdown and self-contained HTML; regenerate the index of reports.

    Returns the JSON path. ``output`` may end in .json (or .md/.html: the siblings are written too).
    """
    from .index import index_root, write_index
    from .render import report_html, report_markdown

    paths = report_paths(output)
    write_json(report, paths["json"])
    write_text(report_markdown(report), paths["md"])
    write_text(report_html(report), paths["html"])
    if index:
        write_index(index_root(paths["json"]))
    return paths["json"]


def load_report(path: Path | str) -> dict:
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such report")
    try:
        report = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise VinerError(f"{path}: not a JSON report ({err})") from err
    if not isinstance(report, dict) or "overall" not in report or "per_label" not in report:
        raise VinerError(f"{path}: not a viner evaluation report (no overall/per_label figures); make one with `viner evaluate`")
    return report
