"""Alignment, error categories, confusion matrix and nervaluate schemas on a case computed by hand."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import no_overlaps
from oracles_evaluation import confusion_matrix, document_counts, error_analysis, nervaluate_schemas, strict_counts
from viner.evaluation.analysis import align
from viner.evaluation.report import Scores
from viner.record import Span

LABELS = ["PERSON", "ORG", "GPE", "EVENT"]

# doc 1: GPE right, PERSON one character short, ORG called GPE, EVENT overlapped by an ORG, a spurious PERSON
# doc 2: ORG right, PERSON missed
GOLD = [
    [Span(0, 3, "GPE"), Span(4, 10, "PERSON"), Span(20, 25, "ORG"), Span(30, 35, "EVENT")],
    [Span(0, 5, "ORG"), Span(10, 15, "PERSON")],
]
PRED = [
    [Span(0, 3, "GPE"), Span(4, 9, "PERSON"), Span(20, 25, "GPE"), Span(28, 33, "ORG"), Span(40, 45, "PERSON")],
    [Span(0, 5, "ORG")],
]
TEXTS = ["x" * 50, "y" * 20]


def test_categories_by_hand():
    cats = [[(p.gold, p.pred, p.category) for p in align(g, p)] for g, p in zip(GOLD, PRED)]
    assert cats[0] == [
        (Span(0, 3, "GPE"), Span(0, 3, "GPE"), "correct"),
        (Span(4, 10, "PERSON"), Span(4, 9, "PERSON"), "wrong_boundary"),
        (Span(20, 25, "ORG"), Span(20, 25, "GPE"), "wrong_label"),
        (Span(30, 35, "EVENT"), Span(28, 33, "ORG"), "wrong_label_boundary"),
        (None, Span(40, 45, "PERSON"), "false_positive"),
    ]
    assert cats[1] == [
        (Span(0, 5, "ORG"), Span(0, 5, "ORG"), "correct"),
        (Span(10, 15, "PERSON"), None, "false_negative"),
    ]


def test_error_counts_by_hand():
    errors = error_analysis(TEXTS, ["d1", "d2"], GOLD, PRED, LABELS)
    assert errors["counts"] == {
        "correct": 2,
        "false_positive": 1,
        "false_negative": 1,
        "wrong_label": 1,
        "wrong_boundary": 1,
        "wrong_label_boundary": 1,
    }
    per = errors["per_label"]
    assert per["PERSON"] == {
        "correct": 0,
        "false_positive": 1,
        "false_negative": 1,
        "wrong_label": 0,
        "wrong_boundary": 1,
        "wrong_label_boundary": 0,
    }
    assert per["ORG"]["correct"] == 1 and per["ORG"]["wrong_label"] == 1
    assert per["EVENT"]["wrong_label_boundary"] == 1 and per["GPE"]["correct"] == 1
    assert len(errors["examples"]) == 5
    first = errors["examples"][0]
    assert first["category"] == "wrong_boundary" and first["id"] == "d1"
    assert first["gold"] == {"start": 4, "end": 10, "label": "PERSON", "text": "xxxxxx"}
    assert first["pred"]["text"] == "xxxxx"


def test_error_texts_are_the_entity_texts():
    text = "Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội."
    gold = [[Span(4, 17, "PERSON"), Span(31, 39, "ORG")]]
    pred = [[Span(4, 14, "PERSON"), Span(31, 39, "GPE")]]
    examples = error_analysis([text], ["u1"], gold, pred, LABELS)["examples"]
    assert [(e["category"], e["gold"]["text"], e["pred"]["text"]) for e in examples] == [
        ("wrong_boundary", "Nguyễn Văn An", "Nguyễn Văn"),
        ("wrong_label", "Vinamilk", "Vinamilk"),
    ]


def test_confusion_by_hand():
    c = confusion_matrix(GOLD, PRED, LABELS)
    assert c["rows"] == c["columns"] == ["PERSON", "ORG", "GPE", "EVENT", "NONE"]
    assert c["counts"] == [
        # PERSON ORG GPE EVENT NONE  (predicted)
        [1, 0, 0, 0, 1],  # gold PERSON: one with other boundaries, one missed
        [0, 1, 1, 0, 0],  # gold ORG: one right, one called GPE
        [0, 0, 1, 0, 0],  # gold GPE
        [0, 1, 0, 0, 0],  # gold EVENT overlapped by an ORG
        [1, 0, 0, 0, 0],  # spurious PERSON
    ]
    assert c["exact"] == [
        [0, 0, 0, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    _, per_label = strict_counts(zip(GOLD, PRED), LABELS)
    assert [c["exact"][i][i] for i in range(4)] == [per_label[label].tp for label in LABELS]


def test_nervaluate_schemas_by_hand():
    s = nervaluate_schemas(GOLD, PRED, LABELS)["overall"]
    strict = s["strict"]
    assert (strict["correct"], strict["incorrect"], strict["partial"], strict["missed"], strict["spurious"]) == (
        2,
        3,
        0,
        1,
        1,
    )
    assert strict["precision"] == pytest.approx(2 / 6) and strict["recall"] == pytest.approx(2 / 6)
    exact = s["exact"]
    assert (exact["correct"], exact["incorrect"], exact["missed"], exact["spurious"]) == (3, 2, 1, 1)
    assert exact["f1"] == pytest.approx(0.5)
    partial = s["partial"]
    assert (partial["correct"], partial["partial"], partial["missed"], partial["spurious"]) == (3, 2, 1, 1)
    assert partial["precision"] == pytest.approx(4 / 6) and partial["f1"] == pytest.approx(2 / 3)
    typ = s["ent_type"]
    assert (typ["correct"], typ["incorrect"], typ["missed"], typ["spurious"]) == (3, 2, 1, 1)
    person = nervaluate_schemas(GOLD, PRED, LABELS)["per_label"]["PERSON"]["ent_type"]
    assert (person["correct"], person["missed"], person["spurious"]) == (1, 1, 1)


def test_nervaluate_touching_spans_do_not_overlap():
    # [0,3) and [3,6) touch but share no character: not a partial match
    s = nervaluate_schemas([[Span(0, 3, "ORG")]], [[Span(3, 6, "ORG")]], ["ORG"])["overall"]["partial"]
    assert (s["partial"], s["missed"], s["spurious"]) == (0, 1, 1)


def test_nervaluate_with_empty_documents_and_unused_labels():
    s = nervaluate_schemas([[], [Span(0, 2, "GPE")]], [[], []], LABELS)
    assert s["overall"]["strict"]["missed"] == 1
    assert s["per_label"]["EVENT"]["strict"]["f1"] == 0.0


spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 6), st.sampled_from(LABELS)).map(
        lambda t: Span(t[0], t[0] + t[1], t[2])
    ),
    max_size=6,
).map(no_overlaps)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(spans, spans), min_size=1, max_size=4))
def test_categories_agree_with_strict_counts(docs):
    gold = [g for g, _ in docs]
    pred = [p for _, p in docs]
    overall, _ = strict_counts(zip(gold, pred), LABELS)
    e = error_analysis(["z" * 40] * len(gold), ["i"] * len(gold), gold, pred, LABELS)["counts"]
    wrong = e["wrong_label"] + e["wrong_boundary"] + e["wrong_label_boundary"]
    assert e["correct"] == overall.tp
    assert e["false_positive"] + wrong == overall.fp
    assert e["false_negative"] + wrong == overall.fn
    c = confusion_matrix(gold, pred, LABELS)
    assert sum(map(sum, c["counts"])) == e["correct"] + e["false_positive"] + e["false_negative"] + wrong
    assert document_counts(gold, pred, LABELS).sum(axis=(0, 1)).tolist() == [overall.tp, overall.fp, overall.fn]
    strict = nervaluate_schemas(gold, pred, LABELS)["overall"]["strict"]
    scores = Scores.from_counts(overall)  # 0.0 where undefined, as nervaluate
    assert strict["precision"] == pytest.approx(scores.precision) and strict["recall"] == pytest.approx(scores.recall)
