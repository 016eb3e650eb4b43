"""Bootstrap over documents: confidence intervals of F1 and of F1 differences.

Documents are resampled with replacement (a test set is a sample of documents, and the
entities of one document are not independent), the strict tp/fp/fn of the resampled
documents are summed and F1 recomputed. For two models on the same test data the same
resamples are used for both (a *paired* bootstrap, Berg-Kirkpatrick et al. 2012), so the
interval of the difference reflects only how the models differ on the documents.

Everything runs on count arrays of shape ``(documents, labels, 3)`` with numpy: a resample
is a vector of document weights, and the summed counts of a block of resamples are one
matrix product. 10,000 resamples of a few hundred documents take well under a second.
The seed is fixed, so a report is reproducible to the last digit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .metrics import f1_from_counts, ratio

DEFAULT_RESAMPLES = 10_000
DEFAULT_SEED = 0
DEFAULT_LEVEL = 0.95
_BLOCK_CELLS = 2_000_000  # resamples x documents per block (bounds memory)


def resampled_sums(counts: np.ndarray, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED) -> np.ndarray:
    """Sums of ``counts`` (shape ``(documents, ...)``) over ``resamples`` bootstrap resamples of the documents.

    Returns shape ``(resamples, ...)``. Deterministic for a given seed and number of documents.
    """
    counts = np.asarray(counts)
    docs = counts.shape[0]
    if docs == 0:
        raise ValueError("no documents to resample")
    flat = counts.reshape(docs, -1).astype(np.float64)
    out = np.empty((resamples, flat.shape[1]), dtype=np.float64)
    rng = np.random.default_rng(seed)
    block = max(1, min(resamples, _BLOCK_CELLS // docs))
    done = 0
    while done < resamples:
        m = min(block, resamples - done)
        picks = rng.integers(0, docs, size=(m, docs))
        picks += (np.arange(m) * docs)[:, None]
        weights = np.bincount(picks.ravel(), minlength=m * docs).reshape(m, docs).astype(np.float64)
        out[done : done + m] = weights @ flat
        done += m
    return out.reshape((resamples,) + counts.shape[1:])


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha], axis=0)
    return float(low), float(high)


def _with_total(counts: np.ndarray) -> np.ndarray:
    """Append the micro total over labels as a last label column: (docs, labels+1, 3)."""
    return np.concatenate([counts, counts.sum(axis=1, keepdims=True)], axis=1)


def metric_intervals(
    counts: np.ndarray,
    labels: Sequence[str],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> dict:
    """Percentile intervals of precision, recall and F1 per label and overall (micro) for one model."""
    sums = resampled_sums(_with_total(counts), resamples, seed)  # (R, L+1, 3)
    tp, fp, fn = sums[..., 0], sums[..., 1], sums[..., 2]
    metrics = {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn), "f1": f1_from_counts(tp, fp, fn)}
    names = list(labels) + ["__overall__"]
    result = {
        name: {metric: list(_interval(values[:, i], level)) for metric, values in metrics.items()}
        for i, name in enumerate(names)
    }
    overall = result.pop("__overall__")
    return {
        "method": "bootstrap over documents (percentile interval)",
        "resamples": resamples,
        "seed": seed,
        "level": level,
        "overall": overall,
        "per_label": result,
    }


NOT_MEASURED = "not measured"
NEITHER_PREDICTS = "neither predicts it"  # gold entities of the label, and no prediction of it from either version


def verdict(low: float, high: float, name_a: str = "A", name_b: str = "B") -> str:
    """Which of A and B is better by the interval of F1(B) - F1(A), in the versions' names."""
    if low > 0:
        return f"{name_b} better"
    if high < 0:
        return f"{name_a} better"
    return "no clear difference"


def _label_verdict(low: float, high: float, names: tuple[str, str], *, support: int, predicted: int) -> str:
    if predicted:
        return verdict(low, high, *names)
    if support:
        return f"{NEITHER_PREDICTS} (F1 0 for both)"
    return f"{NOT_MEASURED} (no gold or predicted entities)"


def paired_bootstrap(
    counts_a: np.ndarray,
    counts_b: np.ndarray,
    labels: Sequence[str],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
    names: tuple[str, str] = ("A", "B"),
) -> dict:
    """Interval of F1(B) - F1(A) per label and overall, resampling the paired documents.

    ``counts_a`` and ``counts_b`` are ``(documents, labels, 3)`` strict tp/fp/fn arrays with the
    documents in the same order. Per label and ``overall``: ``f1_a``, ``f1_b``, ``delta``,
    ``ci`` ``[low, high]``, ``b_wins`` (share of resamples where B's F1 is higher),
    ``a_wins``, ``support`` and ``verdict`` ("B better" when the whole interval is above 0,
    "A better" when below, else "no clear difference"; A and B are ``names``; "neither predicts it" when the
    label has gold entities and neither version predicts one, "not measured" when it has neither).
    """
    counts_a, counts_b = np.asarray(counts_a), np.asarray(counts_b)
    if counts_a.shape != counts_b.shape:
        raise ValueError(f"count arrays differ in shape: {counts_a.shape} vs {counts_b.shape}")
    both = np.stack([_with_total(counts_a), _with_total(counts_b)], axis=1)  # (D, 2, L+1, 3)
    sums = resampled_sums(both, resamples, seed)  # (R, 2, L+1, 3)
    f1 = f1_from_counts(sums[..., 0], sums[..., 1], sums[..., 2])  # (R, 2, L+1)
    deltas = f1[:, 1] - f1[:, 0]  # (R, L+1)
    observed = both.sum(axis=0)  # (2, L+1, 3)
    observed_f1 = f1_from_counts(observed[..., 0], observed[..., 1], observed[..., 2])
    out = {}
    for i, name in enumerate([*labels, "__overall__"]):
        low, high = _interval(deltas[:, i], level)
        support = int(observed[0, i, 0] + observed[0, i, 2])
        predicted = int(observed[:, i, 0].sum() + observed[:, i, 1].sum())
        out[name] = {
            "f1_a": float(observed_f1[0, i]),
            "f1_b": float(observed_f1[1, i]),
            "delta": float(observed_f1[1, i] - observed_f1[0, i]),
            "ci": [low, high],
            "b_wins": float(np.mean(deltas[:, i] > 0)),
            "a_wins": float(np.mean(deltas[:, i] < 0)),
            "support": support,
            "verdict": _label_verdict(low, high, names, support=support, predicted=predicted),
        }
    overall = out.pop("__overall__")
    return {
        "method": "paired bootstrap over documents (percentile interval of F1(B) - F1(A))",
        "resamples": resamples,
        "seed": seed,
        "level": level,
        "documents": int(counts_a.shape[0]),
        "overall": overall,
        "per_label": out,
    }
