"""Score a trained pipeline on gold data and write a report (JSON, Markdown, HTML).

The report is a plain dict (see ``evaluate/README.md`` for every key): the figures, the
hashes that tell whether two reports were measured on the same test data, and a bounded
sample of the errors. The per-document predictions go to a sidecar file beside the JSON,
``NAME.predictions.jsonl`` (one ``{"id", "source", "text", "gold", "pred"}`` per line), so
reports can be compared later (:mod:`.compare`) without the models.

Everything streams: the gold is read lazily, goes through ``nlp.pipe`` in batches, and each
document updates the counts (strict, per document for the bootstrap, nervaluate's schemas
in chunks, confusion, errors) and is written to the sidecar; nothing but those counts and
a compact per-document count array is kept, so a test set of 100,000 units needs about the
memory of one of 1,000.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import heapq
import itertools
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

import spacy

from .. import __version__
from ..errors import VinerError
from ..formats import docbin, doccano_jsonl
from ..identity import data_sha256, file_sha256
from ..io import atomic_path, file_target, write_json, write_text
from ..pipeline import load_pipeline
from ..record import DEFAULT_LABELS, Example, Span
from .analysis import ErrorCollector
from .bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, metric_intervals
from .metrics import DocumentCounter, label_order
from .schemas import SchemaCounter

REPORT_KIND = "viner-evaluation"
SCHEMA_VERSION = 3  # 3: per-document predictions in a sidecar file, a sample of the errors; 2: both inside the JSON
MAX_ERROR_EXAMPLES = 200  # errors of each category kept in the report (the counts are always complete)
PREDICTIONS_SUFFIX = ".predictions.jsonl"


def read_gold(path: Path | str, nlp) -> Iterator[Example]:
    """The gold examples of a ``.jsonl`` file or a ``.spacy`` DocBin (file or folder of shards), read lazily."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        return doccano_jsonl.read(path, labels=None)
    if path.suffix == ".spacy":
        return docbin.read(path, nlp)
    raise VinerError(f"{path}: unsupported test data; give a .spacy file (from `viner convert`) or a Doccano .jsonl file")


class GoldHasher:
    """:func:`gold_sha256` one example at a time, in bounded memory.

    The hash is of the examples' rows sorted (so it does not depend on order or format);
    rows are sorted in runs of ``run`` and spilled to temporary files, which are merged at
    the end, so a large test set is never held whole.
    """

    def __init__(self, run: int = 20_000) -> None:
        self.run = run
        self._rows: list[str] = []
        self._files: list[IO[str]] = []

    def add(self, example: Example) -> None:
        self._rows.append(json.dumps([example.id, example.text, [s.as_list() for s in sorted(example.spans)]], ensure_ascii=False))
        if len(self._rows) >= self.run:
            self._spill()

    def _spill(self) -> None:
        self._rows.sort()
        handle = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        for row in self._rows:  # json.dumps escapes newlines: one row per line
            handle.write(row)
            handle.write("\n")
        handle.seek(0)
        self._files.append(handle)
        self._rows = []

    def hexdigest(self) -> str:
        self._rows.sort()
        runs: list[Iterable[str]] = [self._rows] + [(line[:-1] for line in handle) for handle in self._files]
        digest = hashlib.sha256()
        try:
            for row in heapq.merge(*runs):
                digest.update(row.encode("utf-8"))
                digest.update(b"\n")
        finally:
            for handle in self._files:
                handle.close()
            self._files, self._rows = [], []
        return digest.hexdigest()


def gold_sha256(examples: Iterable[Example]) -> str:
    """Hash of the gold content (unit ids, texts and spans), independent of the file format and order.

    The same gold in a ``.jsonl`` and in a ``.spacy`` file hashes the same; any changed
    text or span changes it.
    """
    hasher = GoldHasher()
    for example in examples:
        hasher.add(example)
    return hasher.hexdigest()


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


class Scorer:
    """Every figure of a report, accumulated one document at a time (see the module docstring)."""

    def __init__(self, labels: Sequence[str], *, max_errors: int | None = MAX_ERROR_EXAMPLES) -> None:
        self.labels = list(labels)
        self.strict = DocumentCounter(self.labels)
        self.schemas = SchemaCounter(self.labels, grow=True)
        self.errors = ErrorCollector(max_errors, context=True)
        self.hasher = GoldHasher()
        self.max_errors = max_errors
        self.documents = 0

    def add(self, example: Example, predicted: Sequence[Span]) -> list[Span]:
        """Score one document; returns its predicted spans sorted."""
        gold = list(example.spans)
        pred = sorted(predicted)
        self.strict.add(gold, pred)
        self.schemas.add(gold, pred)
        self.errors.add(example.text, example.id, gold, pred)
        self.hasher.add(example)
        self.documents += 1
        return pred

    def figures(self, resamples: int, seed: int) -> dict:
        # the labels asked for, then every other label met in the gold or the predictions (sorted)
        all_labels = label_order(self.labels, [[Span(0, 1, label) for label in self.schemas.labels]])
        per_label = self.strict.per_label
        overall = self.strict.overall()
        errors = self.errors.errors(all_labels)
        errors["examples_total"] = sum(n for c, n in errors["counts"].items() if c != "correct")
        errors["examples_kept"] = len(errors["examples"])
        errors["max_examples_per_category"] = self.max_errors
        return {
            "gold_sha256": self.hasher.hexdigest(),
            "examples": self.documents,
            "entities": overall.support,
            "overall": overall.as_dict(),
            "per_label": {label: counts.as_dict() for label, counts in per_label.items()},
            "uncertainty": metric_intervals(self.strict.array(), list(per_label), resamples=resamples, seed=seed),
            "schemas": self.schemas.result(all_labels),
            "confusion": self.errors.confusion(all_labels),
            "errors": errors,
        }


def document_row(example: Example, predicted: Sequence[Span]) -> dict:
    """One line of the predictions sidecar (and of the ``documents`` of older reports)."""
    return {
        "id": example.id,
        "source": example.meta.get("source"),
        "text": example.text,
        "gold": [s.as_list() for s in example.spans],
        "pred": [s.as_list() for s in predicted],
    }


class PredictionsWriter:
    """Streams the per-document predictions to ``NAME.predictions.jsonl`` atomically, hashing what it writes."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.documents = 0

    def write(self, row: dict) -> None:
        data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
        self.handle.write(data)
        self.digest.update(data)
        self.documents += 1

    def info(self, path: Path) -> dict:
        return {"file": path.name, "sha256": self.digest.hexdigest(), "documents": self.documents}


@contextlib.contextmanager
def predictions_file(path: Path | str | None) -> Iterator[PredictionsWriter | None]:
    """A :class:`PredictionsWriter` on a temporary file that replaces ``path`` when the block succeeds (``None``: no file)."""
    if path is None:
        yield None
        return
    with atomic_path(file_target(path)) as tmp, tmp.open("wb") as handle:
        yield PredictionsWriter(handle)


def evaluate(
    model: Path | str,
    data: Path | str,
    *,
    labels: Sequence[str] | None = None,
    batch_size: int = 256,
    name: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    predictions: Path | str | None = None,
) -> dict:
    """Run the model over the gold texts and score its entities against the gold spans.

    Strict P/R/F1 overall and per label (with bootstrap intervals), nervaluate's four schemas,
    a confusion matrix, error counts with the first errors of each category, speed and
    metadata. The gold is streamed through ``nlp.pipe``; with ``predictions`` the
    per-document predictions are written there (atomically; ``write_report`` expects it
    beside the report as ``NAME.predictions.jsonl``, see :func:`report_paths`).
    """
    nlp = load_pipeline(model)
    gold = read_gold(data, nlp)
    first = next(gold, None)
    if first is None:
        raise VinerError(f"{data}: holds no examples to evaluate on")
    labels = list(labels or _ordered(_model_labels(nlp)) or DEFAULT_LABELS)
    list(nlp.pipe([first.text]))  # speed: one untimed warm-up doc, then the whole set through nlp.pipe
    scorer = Scorer(labels)
    words = 0
    seconds = 0.0
    clock = time.perf_counter
    with predictions_file(predictions) as sidecar:
        docs = nlp.pipe(((e.text, e) for e in itertools.chain([first], gold)), as_tuples=True, batch_size=batch_size)
        while True:
            start = clock()
            item = next(docs, None)
            seconds += clock() - start  # the model's time (and reading the gold), not the scoring
            if item is None:
                break
            doc, example = item
            words += sum(1 for t in doc if not t.is_space)
            pred = scorer.add(example, [Span(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents])
            if sidecar is not None:
                sidecar.write(document_row(example, pred))
    model_info, training = model_metadata(model, nlp)
    model_info["labels"] = _model_labels(nlp)
    report = _report(
        scorer,
        model=model_info,
        training_data=training,
        data={"path": str(data), "sha256": data_sha256(data)},
        speed={"words": words, "seconds": seconds, "documents": scorer.documents},
        name=name or model_info.get("name") or Path(str(model)).name,
        resamples=resamples,
        seed=seed,
    )
    if sidecar is not None:
        report["predictions"] = {**sidecar.info(Path(predictions)), "path": str(predictions)}
    return report


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
    max_errors: int | None = MAX_ERROR_EXAMPLES,
) -> dict:
    """The report dict from gold examples and predicted spans held in memory (no model needed: tests and tools).

    It keeps the per-document predictions in ``documents``; :func:`write_report` moves them
    to the sidecar file.
    """
    scorer = Scorer(labels, max_errors=max_errors)
    documents = []
    for example, pred in zip(gold, predicted):
        documents.append(document_row(example, scorer.add(example, pred)))
    report = _report(scorer, model=model, data=data, training_data=training_data, speed=speed, name=name, resamples=resamples, seed=seed)
    report["documents"] = documents
    return report


def _report(
    scorer: Scorer,
    *,
    model: dict,
    data: dict,
    training_data: dict | None,
    speed: dict | None,
    name: str,
    resamples: int,
    seed: int,
) -> dict:
    figures = scorer.figures(resamples, seed)
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
            "gold_sha256": figures["gold_sha256"],
            "examples": figures["examples"],
            "entities": figures["entities"],
        },
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "labels": list(scorer.labels),
        "overall": figures["overall"],
        "per_label": figures["per_label"],
        "uncertainty": figures["uncertainty"],
        "schemas": figures["schemas"],
        "confusion": figures["confusion"],
        "errors": figures["errors"],
        "speed": speed,
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
    """The files of a report side by side: ``NAME.json``, ``NAME.md``, ``NAME.html`` and ``NAME.predictions.jsonl``."""
    output = Path(output)
    base = output.with_suffix("") if output.suffix.lower() in (".json", ".md", ".html") else output
    return {
        "json": base.with_suffix(".json"),
        "md": base.with_suffix(".md"),
        "html": base.with_suffix(".html"),
        "predictions": base.with_name(base.name + PREDICTIONS_SUFFIX),
    }


def write_report(report: dict, output: Path | str, *, index: bool = True) -> Path:
    """Write the report as JSON, Markdown and self-contained HTML; regenerate the index of reports.

    Returns the JSON path. ``output`` may end in .json (or .md/.html: the siblings are written too).
    Per-document predictions held in the report (``documents``, from :func:`build_report` or an
    older report) are written to the sidecar ``NAME.predictions.jsonl``; a sidecar that
    :func:`evaluate` wrote elsewhere is copied there. The JSON names the sidecar and its hash.
    """
    from .index import index_root, write_index
    from .render import report_html, report_markdown

    paths = report_paths(output)
    report = dict(report)
    documents = report.pop("documents", None)
    if documents is not None:
        with predictions_file(paths["predictions"]) as sidecar:
            for row in documents:
                sidecar.write(row)
        report["predictions"] = sidecar.info(paths["predictions"])
    elif report.get("predictions"):
        source = Path(report["predictions"].get("path") or report["predictions"]["file"])
        if source.resolve() != paths["predictions"].resolve() and source.is_file():
            with atomic_path(file_target(paths["predictions"])) as tmp:
                shutil.copyfile(source, tmp)
        report["predictions"] = {**report["predictions"], "file": paths["predictions"].name}
    report["predictions"] = {k: v for k, v in (report.get("predictions") or {}).items() if k != "path"} or None
    if report["predictions"] is None:
        del report["predictions"]
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
