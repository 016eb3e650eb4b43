"""The seen/unseen slice of a report: strict scores of the entities the model has and has not seen.

A gold entity is *seen* when its text is an entity text of the training data (as compared by
:func:`~.seen.entity_key`, any label), else *unseen*; a predicted entity goes to the slice of
its own text. A correct prediction has the gold entity's offsets, so the same text and the
same slice: precision, recall and F1 are defined within each slice, and the two slices' counts
add up to the report's. The flags are kept per document in the predictions sidecar
(``gold_seen``, ``pred_seen``), so `viner compare` can pair the slices without the training data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..record import Span
from .bootstrap import metric_intervals
from .figures import Scores, Slice, Slices, Uncertainty
from .metrics import Counts, DocumentCounter
from .seen import Lexicon

SLICES = ("seen", "unseen")


def flags(text: str, spans: Sequence[Span], lexicon: Lexicon) -> list[bool]:
    """Whether each span's text is seen in the training data."""
    return [lexicon.seen(text[s.start : s.end]) for s in spans]


def sliced(spans: Sequence[Span], seen: Sequence[bool], want: bool) -> list[Span]:
    """The spans whose flag is ``want`` (``True``: the seen ones)."""
    return [s for s, flag in zip(spans, seen) if flag == want]


def unseen_spans(row: dict, lexicon: Lexicon | None) -> tuple[list[Span], list[Span]] | None:
    """The unseen gold and predicted spans of a sidecar row: by the flags it stores, else by ``lexicon``;
    ``None`` when it stores none and there is no lexicon."""
    gold = [Span(int(s), int(e), str(label)) for s, e, label in row["gold"]]
    pred = [Span(int(s), int(e), str(label)) for s, e, label in row["pred"]]
    if "gold_seen" in row and "pred_seen" in row:
        gold_seen, pred_seen = list(row["gold_seen"]), list(row["pred_seen"])
    elif lexicon is not None:
        gold_seen, pred_seen = flags(row["text"], gold, lexicon), flags(row["text"], pred, lexicon)
    else:
        return None
    return sorted(sliced(gold, gold_seen, False)), sorted(sliced(pred, pred_seen, False))


class SliceCounter:
    """Strict counts of the seen and of the unseen entities, one document at a time (as :class:`DocumentCounter`)."""

    def __init__(self, labels: Sequence[str], lexicon: Lexicon) -> None:
        self.labels = list(labels)
        self.lexicon = lexicon
        self.counters = {name: DocumentCounter(self.labels) for name in SLICES}

    def add(self, text: str, gold: Sequence[Span], pred: Sequence[Span]) -> tuple[list[bool], list[bool]]:
        """Count one document; returns the seen flags of its gold and of its predicted spans."""
        gold_seen, pred_seen = flags(text, gold, self.lexicon), flags(text, pred, self.lexicon)
        for name in SLICES:
            want = name == "seen"
            self.counters[name].add(sliced(gold, gold_seen, want), sliced(pred, pred_seen, want))
        return gold_seen, pred_seen

    def slices(self, labels: Sequence[str], *, resamples: int, seed: int) -> Slices:
        """The :class:`Slices` of the documents added, per label in the order of ``labels`` (then any other)."""
        out = Slices(
            train_path=self.lexicon.path,
            train_sha256=self.lexicon.sha256,
            train_entities=self.lexicon.entities,
            train_texts=len(self.lexicon.keys),
        )
        for name in SLICES:
            counter = self.counters[name]
            order = list(dict.fromkeys([*labels, *counter.per_label]))
            per_label = {label: Scores.from_counts(counter.per_label.get(label, Counts())) for label in order}
            uncertainty = None
            if counter.documents:
                uncertainty = Uncertainty(
                    **metric_intervals(counter.array(), list(counter.per_label), resamples=resamples, seed=seed)
                )
            setattr(out, name, Slice(Scores.from_counts(counter.overall()), per_label, uncertainty))
        return out


def slice_scores(counts: np.ndarray, labels: Sequence[str], runs: int = 1) -> Slice:
    """The scores of a ``(documents, labels, 3)`` count array summed over ``runs`` pooled runs (support: one run's)."""
    totals = counts.sum(axis=0)

    def scores(tp: int, fp: int, fn: int) -> Scores:
        out = Scores.from_counts(Counts(int(tp), int(fp), int(fn)))
        out.support //= runs
        return out

    per_label = {label: scores(*totals[i]) for i, label in enumerate(labels)}
    return Slice(scores(*totals.sum(axis=0)), per_label)
