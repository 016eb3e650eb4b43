"""Inter-annotator agreement on a pull snapshot (what Prodigy's metric.iaa does; Doccano has none).

Which units are compared
    A unit counts for a pair of annotators when both finished it: in a snapshot from
    ``viner doccano pull`` that means both marked it as checked in Doccano
    (``meta.doccano_confirmed``); rows without that flag (files from elsewhere) count as
    finished. ``include_unconfirmed=True`` compares every unit both files contain.
    Unchecked units are left out by default because with pre-annotations an untouched
    unit would count as agreement with the model, not between people.

Span agreement (strict)
    Two spans agree when start, end and label are all equal (code-point offsets). For a
    pair (A, B), with A as the reference: TP = spans in both, precision = TP / |B|,
    recall = TP / |A|, F1 = 2·TP / (|A| + |B|) (symmetric). Per label and overall (micro:
    counts summed over units, then labels). ``overall`` pools the counts of every pair.
    F1 is undefined (None) when neither annotator marked anything.

Token agreement (Cohen's kappa, scikit-learn)
    Each text is cut into tokens with the regular expression ``\\w+|[^\\w\\s]`` (Vietnamese
    syllables, numbers, and each punctuation mark on its own; Unicode-aware). A token's
    category is the label of the first span that overlaps it, else ``O`` (no BIO
    prefixes: a token is in an entity of label L or not). Kappa is computed per pair over
    the tokens of all compared units, ``O`` included, with
    :func:`sklearn.metrics.cohen_kappa_score`; it is undefined (None) when both
    annotators used a single category for every token (observed agreement is then 1).
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import VinerError
from .evaluation.metrics import Counts, match
from .record import DEFAULT_LABELS, Span
from .snapshot import Annotations, SkippedUnit, is_done, read_snapshot

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
OUTSIDE = "O"


def tokens(text: str) -> list[tuple[int, int]]:
    """Character offsets of the tokens used for kappa (syllables and punctuation)."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def token_labels(text: str, spans: Sequence[Span]) -> list[str]:
    """One category per token: the label of the first span overlapping it, else ``O``."""
    ordered = sorted(spans)
    out = []
    for start, end in tokens(text):
        label = OUTSIDE
        for span in ordered:
            if span.start < end and start < span.end:
                label = span.label
                break
        out.append(label)
    return out


def span_counts(a: Sequence[Span], b: Sequence[Span]) -> tuple[Counts, dict[str, Counts]]:
    """Strict agreement of two span sets (A as the reference): overall and per label (sorted)."""
    per_label = dict(sorted(match(a, b).items()))
    return Counts.total(per_label.values()), per_label


def cohen_kappa(y1: Sequence[str], y2: Sequence[str]) -> float | None:
    """Cohen's kappa of two category sequences (scikit-learn); None when undefined."""
    if not y1 or len(set(y1) | set(y2)) < 2:
        return None
    from sklearn.metrics import (
        cohen_kappa_score,
    )  # here: scikit-learn takes a second to import, and only `viner agree` needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = float(cohen_kappa_score(list(y1), list(y2)))
    return None if value != value else value  # NaN -> None


def counts_dict(counts: Counts) -> dict[str, Any]:
    """Span agreement as the JSON report gives it: A's spans are the reference (the gold), B's the prediction."""
    return {
        "agreed": counts.tp,
        "spans_a": counts.gold,
        "spans_b": counts.predicted,
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
    }


@dataclass
class PairAgreement:
    a: str
    b: str
    units: int
    overall: Counts
    per_label: dict[str, Counts]
    tokens: int
    token_agreement: float | None
    kappa: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "units": self.units,
            "overall": counts_dict(self.overall),
            "per_label": {k: counts_dict(v) for k, v in self.per_label.items()},
            "tokens": self.tokens,
            "token_agreement": self.token_agreement,
            "kappa": self.kappa,
        }


@dataclass
class Disagreement:
    unit_id: str
    text: str
    versions: dict[str, tuple[Span, ...]]
    doccano_id: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "doccano_id": self.doccano_id,
            "text": self.text,
            "versions": {
                name: [[s.start, s.end, s.label, s.text_in(self.text)] for s in spans]
                for name, spans in self.versions.items()
            },
        }

    def differences(self) -> list[tuple[str, Span]]:
        """Spans that not every annotator has: (annotator, span)."""
        common = set.intersection(*(set(v) for v in self.versions.values()))
        return [(name, span) for name, spans in self.versions.items() for span in spans if span not in common]


@dataclass
class AgreementReport:
    annotators: list[str]
    pairs: list[PairAgreement]
    overall: Counts
    per_label: dict[str, Counts]
    mean_kappa: float | None
    units_compared: int
    units_single: int  # finished by only one annotator: not compared
    disagreements: list[Disagreement] = field(default_factory=list)
    include_unconfirmed: bool = False
    skipped: list[SkippedUnit] = field(default_factory=list)  # units left out: an annotator's row is invalid

    def to_dict(self) -> dict[str, Any]:
        return {
            "annotators": self.annotators,
            "units_compared": self.units_compared,
            "units_finished_by_one": self.units_single,
            "include_unconfirmed": self.include_unconfirmed,
            "overall": counts_dict(self.overall),
            "per_label": {k: counts_dict(v) for k, v in self.per_label.items()},
            "mean_pairwise_kappa": self.mean_kappa,
            "pairs": [p.to_dict() for p in self.pairs],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "skipped_invalid": [
                {
                    "unit_id": s.unit_id,
                    "annotator": s.annotator,
                    "checked": s.checked,
                    "problems": [str(p) for p in s.problems],
                }
                for s in self.skipped
            ],
            "method": {
                "spans": "strict: same start, end (code points) and label; F1 = 2*agreed/(spans_a + spans_b), micro",
                "kappa": "Cohen's kappa (scikit-learn) over tokens \\w+|[^\\w\\s], category = label of the overlapping span or O",
            },
        }


def unit_order(annotations: Annotations) -> list[str]:
    order: dict[str, None] = {}
    for name in sorted(annotations):
        for uid in annotations[name]:
            order.setdefault(uid, None)
    return list(order)


def check_same_text(annotations: Annotations) -> None:
    texts: dict[str, tuple[str, str]] = {}
    for name in sorted(annotations):
        for uid, example in annotations[name].items():
            if uid in texts and texts[uid][1] != example.text:
                raise VinerError(
                    f"unit {uid} has a different text for {texts[uid][0]} and {name}; the files are not from the same project"
                )
            texts.setdefault(uid, (name, example.text))


def agreement(annotations: Annotations, *, include_unconfirmed: bool = False) -> AgreementReport:
    """Pairwise strict span agreement and token kappa over the units each pair finished."""
    names = sorted(annotations)
    if len(names) < 2:
        raise VinerError(f"agreement needs at least two annotators; found {len(names)} ({', '.join(names) or 'none'})")
    check_same_text(annotations)
    pairs: list[PairAgreement] = []
    pooled, pooled_labels = Counts(), dict[str, Counts]()
    compared: set[str] = set()
    for a, b in itertools.combinations(names, 2):
        A, B = annotations[a], annotations[b]
        overall, per_label = Counts(), dict[str, Counts]()
        ya: list[str] = []
        yb: list[str] = []
        units = 0
        for uid in unit_order({a: A, b: B}):
            if (
                uid not in A
                or uid not in B
                or not is_done(A[uid], include_unconfirmed)
                or not is_done(B[uid], include_unconfirmed)
            ):
                continue
            units += 1
            compared.add(uid)
            unit_overall, unit_labels = span_counts(A[uid].spans, B[uid].spans)
            overall.add(unit_overall)
            for label, counts in unit_labels.items():
                per_label.setdefault(label, Counts()).add(counts)
            ya += token_labels(A[uid].text, A[uid].spans)
            yb += token_labels(B[uid].text, B[uid].spans)
        same = sum(x == y for x, y in zip(ya, yb))
        pairs.append(
            PairAgreement(
                a,
                b,
                units,
                overall,
                dict(sorted(per_label.items())),
                len(ya),
                same / len(ya) if ya else None,
                cohen_kappa(ya, yb),
            )
        )
        pooled.add(overall)
        for label, counts in per_label.items():
            pooled_labels.setdefault(label, Counts()).add(counts)
    kappas = [p.kappa for p in pairs if p.kappa is not None]
    disagreements = []
    single = 0
    for uid in unit_order(annotations):
        versions = {
            n: annotations[n][uid]
            for n in names
            if uid in annotations[n] and is_done(annotations[n][uid], include_unconfirmed)
        }
        if len(versions) < 2:
            single += len(versions) == 1
            continue
        spans = {n: e.spans for n, e in versions.items()}
        if len(set(spans.values())) > 1:
            first = next(iter(versions.values()))
            disagreements.append(Disagreement(uid, first.text, spans, first.meta.get("doccano_id")))
    return AgreementReport(
        annotators=names,
        pairs=pairs,
        overall=pooled,
        per_label=dict(sorted(pooled_labels.items())),
        mean_kappa=sum(kappas) / len(kappas) if kappas else None,
        units_compared=len(compared),
        units_single=single,
        disagreements=disagreements,
        include_unconfirmed=include_unconfirmed,
    )


def agree(
    paths: Sequence[Path | str],
    *,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    include_unconfirmed: bool = False,
    skip_invalid: bool = False,
) -> AgreementReport:
    """Agreement of the annotator files in a snapshot folder (or of the files given); ``skip_invalid`` leaves out
    the units an annotator's invalid row would otherwise stop (viner.snapshot)."""
    snapshot = read_snapshot(paths, labels, skip_invalid=skip_invalid, include_unconfirmed=include_unconfirmed)
    report = agreement(snapshot.annotations, include_unconfirmed=include_unconfirmed)
    report.skipped = snapshot.skipped
    return report
