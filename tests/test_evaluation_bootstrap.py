"""Bootstrap over documents: intervals, paired differences, determinism, speed."""

import time

import numpy as np
import pytest

from viner.evaluation.bootstrap import metric_intervals, paired_bootstrap, resampled_sums
from viner.evaluation.comparison import Bootstrap
from viner.evaluation.metrics import f1_from_counts

LABELS = ["PERSON", "ORG", "GPE", "EVENT"]


def random_counts(docs, seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 4, size=(docs, len(LABELS), 3))


def test_resampled_sums_are_sums_of_whole_documents():
    counts = np.arange(5)[:, None] * np.ones((5, 3), dtype=int)  # document d holds d in every column
    sums = resampled_sums(counts, resamples=2000, seed=3)
    assert sums.shape == (2000, 3)
    assert (sums[:, 0] == sums[:, 1]).all()  # one weight per document, shared by its columns
    assert sums[:, 0].min() >= 0 and sums[:, 0].max() <= 4 * 5
    assert sums[:, 0].mean() == pytest.approx(counts[:, 0].sum(), rel=0.05)  # unbiased: E[sum] = observed sum


def test_blocks_do_not_change_the_distribution(monkeypatch):
    import viner.evaluation.bootstrap as b

    counts = random_counts(40)
    whole = resampled_sums(counts, resamples=4000, seed=0)
    monkeypatch.setattr(b, "_BLOCK_CELLS", 40 * 7)  # blocks of 7 resamples
    blocked = resampled_sums(counts, resamples=4000, seed=0)
    assert blocked.shape == whole.shape
    assert blocked.mean() == pytest.approx(whole.mean(), rel=0.02)


def test_identical_models_give_an_interval_of_zero():
    counts = random_counts(50)
    result = paired_bootstrap(counts, counts.copy(), LABELS, resamples=2000)
    for row in [result["overall"], *result["per_label"].values()]:
        assert row["delta"] == 0.0 and row["ci"] == [0.0, 0.0]
        assert row["b_wins"] == 0.0 and row["verdict"] == "no clear difference"


def test_a_dominating_model_is_better_with_an_interval_above_zero():
    rng = np.random.default_rng(7)
    docs = 60
    gold = rng.integers(1, 4, size=(docs, len(LABELS)))  # entities per document and label
    found_a = rng.binomial(gold, 0.5)
    a = np.stack([found_a, rng.integers(0, 2, size=gold.shape), gold - found_a], axis=-1)
    b = np.stack([gold, np.zeros_like(gold), np.zeros_like(gold)], axis=-1)  # B finds every entity, no false positive
    result = paired_bootstrap(a, b, LABELS)
    assert result["resamples"] == 10_000 and result["documents"] == docs
    for row in [result["overall"], *result["per_label"].values()]:
        assert row["f1_b"] == 1.0 and row["delta"] > 0
        assert 0 < row["ci"][0] <= row["delta"] <= row["ci"][1]
        assert row["verdict"] == "B better" and row["b_wins"] == 1.0
    swapped = paired_bootstrap(b, a, LABELS)
    assert swapped["overall"]["verdict"] == "A better" and swapped["overall"]["ci"][1] < 0


def test_observed_f1_matches_the_totals():
    a, b = random_counts(30, seed=2), random_counts(30, seed=3)
    result = paired_bootstrap(a, b, LABELS, resamples=500)
    tp, fp, fn = a.sum(axis=(0, 1))
    assert result["overall"]["f1_a"] == pytest.approx(float(f1_from_counts(tp, fp, fn)))
    tp, fp, fn = b[:, 1].sum(axis=0)
    assert result["per_label"]["ORG"]["f1_b"] == pytest.approx(float(f1_from_counts(tp, fp, fn)))
    assert result["per_label"]["ORG"]["support"] == int(a[:, 1, 0].sum() + a[:, 1, 2].sum())


def test_fixed_seed_is_deterministic_and_other_seeds_differ():
    a, b = random_counts(40, seed=4), random_counts(40, seed=5)
    first = paired_bootstrap(a, b, LABELS, resamples=3000, seed=0)
    assert paired_bootstrap(a, b, LABELS, resamples=3000, seed=0) == first
    assert paired_bootstrap(a, b, LABELS, resamples=3000, seed=1)["overall"]["ci"] != first["overall"]["ci"]


def test_label_without_any_entity_is_not_measured():
    a = random_counts(10)
    a[:, 3, :] = 0
    result = paired_bootstrap(a, a.copy(), LABELS, resamples=200)
    assert result["per_label"]["EVENT"]["verdict"].startswith("not measured")


def test_label_neither_version_predicts_says_so_and_keeps_saying_it_when_read_back():
    a, b = random_counts(10, seed=2), random_counts(10, seed=3)
    for counts in (a, b):
        counts[:, 3, :2] = 0  # EVENT: gold entities (fn), no prediction (tp, fp) in either version
    result = paired_bootstrap(a, b, LABELS, resamples=200, names=("base", "silver"))
    event = result["per_label"]["EVENT"]
    assert event["support"] == a[:, 3, 2].sum() > 0
    assert event["verdict"] == "neither predicts it (F1 0 for both)"
    assert Bootstrap.from_dict(result, "base", "silver").per_label["EVENT"].verdict == event["verdict"]
    assert result["per_label"]["ORG"]["verdict"] in ("base better", "silver better", "no clear difference")


def test_metric_intervals_contain_the_observed_values():
    counts = random_counts(80, seed=9)
    u = metric_intervals(counts, LABELS, resamples=2000)
    tp, fp, fn = counts.sum(axis=(0, 1))
    f1 = float(f1_from_counts(tp, fp, fn))
    low, high = u["overall"]["f1"]
    assert low < f1 < high and high - low < 0.3
    assert set(u["per_label"]) == set(LABELS) and u["level"] == 0.95 and u["seed"] == 0


def test_ten_thousand_resamples_are_fast():
    a, b = random_counts(500, seed=1), random_counts(500, seed=2)
    start = time.perf_counter()
    paired_bootstrap(a, b, LABELS, resamples=10_000)
    assert time.perf_counter() - start < 5.0  # about 0.1 s on 2 cores
