"""Score a trained pipeline on gold data: the :class:`~.report.Report` of ``viner evaluate``.

Everything streams: the gold is read lazily, goes through ``nlp.pipe`` in batches, and each
document goes to the :class:`~.scoring.Scorer` and, with ``predictions``, to the sidecar
file of per-document predictions. Writing the report's files is :mod:`.write`'s job.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import VinerError
from ..formats import docbin, doccano_jsonl
from ..identity import data_sha256, file_sha256
from ..labels import workspace_scheme
from ..pipeline import load_pipeline
from ..record import DEFAULT_LABELS, Example, Span
from .bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from .predictions import predictions_file
from .report import ModelInfo, Report, Speed, TestData, TrainingData
from .scoring import Scorer, document_row
from .seen import Lexicon, find_training_data, load_lexicon


def read_gold(path: Path | str, nlp) -> Iterator[Example]:
    """The gold examples of a ``.jsonl`` file or a ``.spacy`` DocBin (file or folder of shards), read lazily."""
    return (example for _, example in read_gold_located(path, nlp))


GoldPlace = tuple[str, int | None, str | None]  # file, line (JSONL) or None, "doc N" (DocBin) or None


def read_gold_located(path: Path | str, nlp) -> Iterator[tuple[GoldPlace, Example]]:
    """Like :func:`read_gold`, each example with where it is: its file and line (JSONL) or its place in the DocBin."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such file")
    name = str(path)
    if path.suffix == ".jsonl":
        return (((name, line, None), e) for line, e in doccano_jsonl.read_located(path, labels=None))
    if path.suffix == ".spacy":
        return (((name, None, f"doc {i}"), e) for i, e in enumerate(docbin.read(path, nlp), start=1))
    raise VinerError(
        f"{path}: unsupported test data; give a .spacy file (from `viner convert`) or a Doccano .jsonl file"
    )


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def model_metadata(model: Path | str, nlp) -> tuple[ModelInfo, TrainingData]:
    """The model's name, version, config hash and size; the training data's hash or why not."""
    folder = Path(getattr(nlp, "_path", None) or model)
    config_file = folder / "config.cfg"
    if config_file.is_file():
        config_sha = file_sha256(config_file)
    else:
        config_sha = hashlib.sha256(nlp.config.to_str().encode("utf-8")).hexdigest()
    info = ModelInfo(
        path=str(model),
        name=nlp.meta.get("name"),
        version=nlp.meta.get("version"),
        lang=nlp.lang,
        pipeline=list(nlp.pipe_names),
        config_sha256=config_sha,
        size_bytes=folder_size(folder) if folder.is_dir() else None,
    )
    try:
        train = nlp.config["paths"]["train"]
    except (KeyError, TypeError):
        train = None
    found, reason = find_training_data(train, folder if folder.is_dir() else None)
    if found is None:
        return info, TrainingData(path=train, reason=reason)
    # a folder of shards (convert's large outputs) hashes as its shards' names and hashes
    return info, TrainingData(path=str(found), sha256=data_sha256(found), reason=None)


def training_lexicon(training: TrainingData, train: Path | str | None) -> tuple[Lexicon | None, str | None]:
    """The entity texts the model was trained on (from ``train`` when given, else the model's training data),
    or ``None`` and why not. ``training`` becomes the data read."""
    if train is not None:
        lexicon = load_lexicon(train)  # given by the user: an error if it cannot be read
        training.path, training.sha256, training.reason = str(train), lexicon.sha256, None
        return lexicon, None
    if not training.sha256 or not training.path:
        return None, f"the model's training data is unknown ({training.reason}); give it with --train"
    try:
        return load_lexicon(training.path), None
    except VinerError as err:
        return None, f"the model's training data could not be read ({err}); give it with --train"


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
    train: Path | str | None = None,
) -> Report:
    """Run the model over the gold texts and score its entities against the gold spans.

    Strict P/R/F1 overall and per label (with bootstrap intervals), the same for the entities the
    model has seen in its training data and those it has not (``train`` overrides the training data
    the model's config names; see :mod:`.slices`), nervaluate's four schemas, a confusion matrix,
    error counts with the first errors of each category, speed and metadata. The gold is streamed
    through ``nlp.pipe``; with ``predictions`` the per-document predictions are written there
    (atomically; :func:`~.write.write_report` expects them beside the report as
    ``NAME.predictions.jsonl``, see :func:`~.report.report_paths`).
    """
    nlp = load_pipeline(model)
    gold = read_gold(data, nlp)
    first = next(gold, None)
    if first is None:
        raise VinerError(f"{data}: holds no examples to evaluate on")
    labels = list(labels or ordered_labels(_model_labels(nlp)) or DEFAULT_LABELS)
    model_info, training = model_metadata(model, nlp)
    model_info.labels = _model_labels(nlp)
    lexicon, unseen_reason = training_lexicon(training, train)
    list(nlp.pipe([first.text]))  # speed: one untimed warm-up doc, then the whole set through nlp.pipe
    scorer = Scorer(labels, lexicon=lexicon, unseen_reason=unseen_reason)
    words = 0
    seconds = 0.0
    clock = time.perf_counter
    with predictions_file(predictions) if predictions is not None else contextlib.nullcontext() as sidecar:
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
                sidecar.write(document_row(example, pred, scorer.seen))
    report = scorer.report(
        name=name or model_info.name or Path(str(model)).name,
        model=model_info,
        training_data=training,
        data=TestData(path=str(data), sha256=data_sha256(data)),
        speed=Speed(words=words, seconds=seconds, documents=scorer.documents),
        resamples=resamples,
        seed=seed,
    )
    if sidecar is not None and predictions is not None:
        report.predictions = sidecar.info(Path(predictions))
        report.predictions.path = str(predictions)
    return report


def ordered_labels(labels: Sequence[str]) -> list[str]:
    """The labels of the workspace's scheme first, in its order (PERSON, ORG, GPE, EVENT without a scheme file), then any other alphabetically."""
    rank = {label: i for i, label in enumerate(workspace_scheme().names)}
    return sorted(labels, key=lambda label: (rank.get(label, len(rank)), label))


def _model_labels(nlp) -> list[str]:
    if "ner" in nlp.pipe_names:
        return list(nlp.get_pipe("ner").labels)
    return []
