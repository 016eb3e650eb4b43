"""Reference implementations the evaluation is tested against (no product code calls them).

Each is the plain, all-in-memory definition of what the package computes one document
at a time: strict counts over a whole set, per-document count arrays, nervaluate's
schemas in one go, error analysis and confusion over lists of documents, a report built
from predictions held in memory, and the gold hash of a list of examples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from viner.evaluation.analysis import ErrorCollector
from viner.evaluation.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from viner.evaluation.metrics import Counts
from viner.evaluation.report import ModelInfo, Report, Speed, TestData, TrainingData
from viner.evaluation.schemas import SchemaCounter
from viner.evaluation.scoring import MAX_ERROR_EXAMPLES, GoldHasher, Scorer, document_row
from viner.evaluation.seen import Lexicon
from viner.record import Example, Span


def strict_counts(
    pairs: Iterable[tuple[Sequence[Span], Sequence[Span]]], labels: Sequence[str]
) -> tuple[Counts, dict[str, Counts]]:
    """Micro counts over (gold, predicted) span lists: a hit needs the same start, end and label.

    Every label in ``labels`` appears in the result, also when it was never predicted
    or never in the gold; predicted labels outside ``labels`` are added in the order met.
    """
    per_label: dict[str, Counts] = {label: Counts() for label in labels}
    for gold, pred in pairs:
        gold_n, pred_n = Counter(gold), Counter(pred)
        for span in dict.fromkeys([*gold_n, *pred_n]):
            counts = per_label.setdefault(span.label, Counts())
            hit = min(gold_n[span], pred_n[span])
            counts.tp += hit
            counts.fn += gold_n[span] - hit
            counts.fp += pred_n[span] - hit
    overall = Counts(
        tp=sum(c.tp for c in per_label.values()),
        fp=sum(c.fp for c in per_label.values()),
        fn=sum(c.fn for c in per_label.values()),
    )
    return overall, per_label


def document_counts(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]
) -> np.ndarray:
    """Strict tp/fp/fn per document and label, shape ``(documents, labels, 3)``; other labels ignored."""
    index = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(gold), len(labels), 3), dtype=np.int64)
    for d, (g, p) in enumerate(zip(gold, predicted)):
        gold_n, pred_n = Counter(g), Counter(p)
        for span in set(gold_n) | set(pred_n):
            i = index.get(span.label)
            if i is None:
                continue
            hit = min(gold_n[span], pred_n[span])
            out[d, i] += (hit, pred_n[span] - hit, gold_n[span] - hit)
    return out


def nervaluate_schemas(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]
) -> dict:
    """``{"overall": {schema: counts}, "per_label": {label: {schema: counts}}}`` for the four schemas."""
    counter = SchemaCounter(labels)
    for g, p in zip(gold, predicted):
        counter.add(g, p)
    return counter.result()


def confusion_matrix(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], labels: Sequence[str]
) -> dict:
    """Label confusion over aligned entities, with a ``NONE`` row (spurious) and column (missed)."""
    collector = ErrorCollector(max_examples=0)
    for g_doc, p_doc in zip(gold, predicted):
        collector.add("", "", g_doc, p_doc)
    return collector.confusion(labels)


def error_analysis(texts: Sequence[str], ids: Sequence[str], gold, predicted, labels: Sequence[str]) -> dict:
    """Every error with its text, plus counts per category overall and per label."""
    collector = ErrorCollector()
    for text, uid, g_doc, p_doc in zip(texts, ids, gold, predicted):
        collector.add(text, uid, g_doc, p_doc)
    return collector.errors(labels)


def gold_sha256(examples: Iterable[Example]) -> str:
    hasher = GoldHasher()
    for example in examples:
        hasher.add(example)
    return hasher.hexdigest()


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
    lexicon: Lexicon | None = None,
) -> Report:
    """The report of gold examples and predicted spans held in memory (no model), documents kept in it.

    With ``lexicon`` (the training data's entity texts) the report has the seen/unseen slice."""
    scorer = Scorer(labels, max_errors=max_errors, lexicon=lexicon)
    documents = []
    for example, pred in zip(gold, predicted):
        spans = scorer.add(example, pred)
        documents.append(document_row(example, spans, scorer.seen))
    report = scorer.report(
        name=name,
        model=ModelInfo(**model),
        data=TestData(**data),
        training_data=TrainingData(**training_data) if training_data else None,
        speed=Speed(**(speed or {})),
        resamples=resamples,
        seed=seed,
    )
    report.documents = documents
    return report
