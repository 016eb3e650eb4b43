from dataclasses import asdict

import pytest

from oracles_evaluation import strict_counts
from viner.evaluation.report import Scores
from viner.record import Span


def test_strict_counts_by_hand():
    gold = [
        [Span(0, 3, "GPE"), Span(4, 10, "PERSON"), Span(20, 25, "ORG")],
        [Span(0, 5, "ORG")],
    ]
    pred = [
        [Span(0, 3, "GPE"), Span(4, 9, "PERSON"), Span(20, 25, "GPE")],  # 1 hit, wrong boundary, wrong label
        [Span(0, 5, "ORG"), Span(6, 8, "PERSON")],  # 1 hit, 1 spurious
    ]
    overall, per_label = strict_counts(zip(gold, pred), ["PERSON", "ORG", "GPE", "EVENT"])
    assert (overall.tp, overall.fp, overall.fn) == (2, 3, 2)
    assert overall.precision == pytest.approx(2 / 5)
    assert overall.recall == pytest.approx(2 / 4)
    assert overall.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    assert (per_label["PERSON"].tp, per_label["PERSON"].fp, per_label["PERSON"].fn) == (0, 2, 1)
    assert (per_label["ORG"].tp, per_label["ORG"].fp, per_label["ORG"].fn) == (1, 0, 1)
    assert (per_label["GPE"].tp, per_label["GPE"].fp, per_label["GPE"].fn) == (1, 1, 0)
    assert asdict(Scores.from_counts(per_label["EVENT"])) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support": 0,
        "tp": 0,
        "fp": 0,
        "fn": 0,
    }
    assert list(per_label) == ["PERSON", "ORG", "GPE", "EVENT"]


def test_unknown_predicted_label_is_added():
    overall, per_label = strict_counts([([], [Span(0, 1, "MISC")])], ["PERSON"])
    assert per_label["MISC"].fp == 1 and overall.fp == 1
