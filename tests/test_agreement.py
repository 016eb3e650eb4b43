"""Agreement numbers against values computed by hand (see the comments for the arithmetic)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viner.agreement import agree, agreement, cohen_kappa, span_counts, token_labels, tokens
from viner.errors import InvalidInput, VinerError
from viner.record import Example, Span

# Tokens (regex \w+|[^\w\s]):
# U1 "Ông Nguyễn Văn An đến Hà Nội."  Ông 0-3, Nguyễn 4-10, Văn 11-14, An 15-17, đến 18-21, Hà 22-24, Nội 25-28, . 28-29
# U2 "Bộ Y tế họp tại Đà Nẵng."       Bộ 0-2, Y 3-4, tế 5-7, họp 8-11, tại 12-15, Đà 16-18, Nẵng 19-23, . 23-24
# U3 "Trời mưa."                      Trời 0-4, mưa 5-8, . 8-9
U1 = "Ông Nguyễn Văn An đến Hà Nội."
U2 = "Bộ Y tế họp tại Đà Nẵng."
U3 = "Trời mưa."
U4 = "Liên Hợp Quốc họp ở Geneva."

ALICE = [
    (U1, [[4, 17, "PERSON"], [22, 28, "GPE"]], True),
    (U2, [[0, 7, "ORG"], [16, 23, "GPE"]], True),
    (U3, [], True),
    (U4, [[0, 13, "ORG"]], True),
]
BOB = [
    (U1, [[4, 17, "PERSON"], [22, 28, "ORG"]], True),  # Hà Nội: GPE vs ORG
    (U2, [[0, 7, "ORG"], [19, 23, "GPE"]], True),  # Đà Nẵng vs Nẵng: boundary
    (U3, [], True),
    (U4, [[20, 26, "GPE"]], False),  # bob has not checked U4: not compared
]


def write_annotator(folder: Path, name: str, rows) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number, (text, spans, done) in enumerate(rows):
            meta = {"source": "a.txt", "position": number, "doccano_id": number + 1, "doccano_confirmed": done}
            out.write(json.dumps({"text": text, "label": spans, "meta": meta}, ensure_ascii=False) + "\n")
    return path


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    folder = tmp_path / "demo-20250101T000000Z"
    write_annotator(folder, "alice", ALICE)
    write_annotator(folder, "bob", BOB)
    (folder / "manifest.json").write_text("{}")
    return folder


def test_tokens_are_syllables_and_punctuation():
    assert [U1[s:e] for s, e in tokens(U1)] == ["Ông", "Nguyễn", "Văn", "An", "đến", "Hà", "Nội", "."]
    assert [U2[s:e] for s, e in tokens(U2)] == ["Bộ", "Y", "tế", "họp", "tại", "Đà", "Nẵng", "."]


def test_token_labels_take_the_overlapping_span():
    assert token_labels(U1, [Span(4, 17, "PERSON"), Span(22, 28, "GPE")]) == [
        "O",
        "PERSON",
        "PERSON",
        "PERSON",
        "O",
        "GPE",
        "GPE",
        "O",
    ]
    # a span that cuts a token still labels it (overlap), a token it does not touch stays O
    assert token_labels(U2, [Span(20, 23, "GPE")]) == ["O"] * 6 + ["GPE", "O"]


def test_span_counts_strict():
    overall, per_label = span_counts([Span(0, 7, "ORG"), Span(16, 23, "GPE")], [Span(0, 7, "ORG"), Span(19, 23, "GPE")])
    assert (overall.tp, overall.gold, overall.predicted) == (1, 2, 2)
    assert (per_label["GPE"].tp, per_label["GPE"].gold, per_label["GPE"].predicted) == (0, 1, 1)


def test_hand_computed_pair(snapshot: Path):
    report = agree([snapshot])
    assert report.annotators == ["alice", "bob"]
    pair = report.pairs[0]
    assert pair.units == 3  # U4 is not checked by bob
    # spans: alice 4 (PERSON, GPE | ORG, GPE), bob 4 (PERSON, ORG | ORG, GPE); agreed: PERSON U1, ORG U2
    assert (pair.overall.tp, pair.overall.gold, pair.overall.predicted) == (2, 4, 4)
    assert pair.overall.precision == pytest.approx(0.5)
    assert pair.overall.recall == pytest.approx(0.5)
    assert pair.overall.f1 == pytest.approx(0.5)
    # per label: PERSON 1/1/1 -> 1.0; ORG a=1 b=2 tp=1 -> P .5 R 1 F1 2/3; GPE a=2 b=1 tp=0 -> 0
    assert pair.per_label["PERSON"].f1 == pytest.approx(1.0)
    assert (pair.per_label["ORG"].precision, pair.per_label["ORG"].recall) == (pytest.approx(0.5), pytest.approx(1.0))
    assert pair.per_label["ORG"].f1 == pytest.approx(2 / 3)
    assert pair.per_label["GPE"].f1 == pytest.approx(0.0)
    # tokens: 8 + 8 + 3 = 19; they differ on Hà, Nội (GPE/ORG) and Đà (GPE/O): p_o = 16/19
    # alice: O 9, PERSON 3, GPE 4, ORG 3; bob: O 10, PERSON 3, GPE 1, ORG 5
    # p_e = (9*10 + 3*3 + 4*1 + 3*5) / 19^2 = 118/361; kappa = (16/19 - 118/361) / (1 - 118/361) = 186/243 = 62/81
    assert pair.tokens == 19
    assert pair.token_agreement == pytest.approx(16 / 19)
    assert pair.kappa == pytest.approx(float(Fraction(62, 81)))
    assert report.mean_kappa == pytest.approx(float(Fraction(62, 81)))
    assert report.overall.f1 == pytest.approx(0.5)
    assert report.units_compared == 3 and report.units_single == 1
    assert [d.text for d in report.disagreements] == [U1, U2]
    diffs = report.disagreements[0].differences()
    assert ("alice", Span(22, 28, "GPE")) in diffs and ("bob", Span(22, 28, "ORG")) in diffs and len(diffs) == 2


def test_all_units_includes_unchecked(snapshot: Path):
    report = agree([snapshot], include_unconfirmed=True)
    pair = report.pairs[0]
    assert pair.units == 4
    # U4 adds alice ORG, bob GPE: tp 2, a 5, b 5 -> F1 0.4
    assert (pair.overall.tp, pair.overall.gold, pair.overall.predicted) == (2, 5, 5)
    assert pair.overall.f1 == pytest.approx(0.4)
    assert len(report.disagreements) == 3


def test_three_annotators_pool_pairs(tmp_path: Path):
    folder = tmp_path / "snap"
    write_annotator(folder, "a", [(U1, [[4, 17, "PERSON"]], True)])
    write_annotator(folder, "b", [(U1, [[4, 17, "PERSON"]], True)])
    write_annotator(folder, "c", [(U1, [[4, 17, "PERSON"], [22, 28, "GPE"]], True)])
    report = agree([folder])
    assert [(p.a, p.b) for p in report.pairs] == [("a", "b"), ("a", "c"), ("b", "c")]
    f1s = [p.overall.f1 for p in report.pairs]
    assert f1s == [pytest.approx(1.0), pytest.approx(2 / 3), pytest.approx(2 / 3)]
    # pooled: tp 1+1+1 = 3, a 1+1+1 = 3, b 1+2+2 = 5 -> F1 6/8
    assert (report.overall.tp, report.overall.gold, report.overall.predicted) == (3, 3, 5)
    assert report.overall.f1 == pytest.approx(0.75)
    # a/b identical tokens with two categories -> kappa 1; a/c: 8 tokens, differ on Hà, Nội
    # a: O 5, PERSON 3; c: O 3, PERSON 3, GPE 2; p_o = 6/8; p_e = (5*3 + 3*3)/64 = 24/64; kappa = (48-24)/(64-24) = 0.6
    assert report.pairs[0].kappa == pytest.approx(1.0)
    assert report.pairs[1].kappa == pytest.approx(0.6)
    assert report.mean_kappa == pytest.approx((1.0 + 0.6 + 0.6) / 3)


def test_kappa_undefined_with_one_category():
    assert cohen_kappa(["O", "O"], ["O", "O"]) is None
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["O", "GPE"], ["O", "GPE"]) == pytest.approx(1.0)


def test_f1_undefined_without_spans(tmp_path: Path):
    folder = tmp_path / "snap"
    write_annotator(folder, "a", [(U3, [], True)])
    write_annotator(folder, "b", [(U3, [], True)])
    report = agree([folder])
    assert report.overall.f1 is None and report.pairs[0].kappa is None and report.pairs[0].token_agreement == 1.0


def test_invalid_rows_are_reported_with_file_and_line(tmp_path: Path):
    folder = tmp_path / "snap"
    write_annotator(folder, "a", [(U1, [[4, 17, "PERSON"]], True)])
    write_annotator(folder, "b", [(U1, [[3, 17, "PERSON"]], True)])  # leading space
    with pytest.raises(InvalidInput) as err:
        agree([folder])
    problem = err.value.problems[0]
    assert problem.path.endswith("b.jsonl") and problem.line == 1 and problem.field == "label[0]"


def test_needs_two_annotators(tmp_path: Path):
    folder = tmp_path / "snap"
    write_annotator(folder, "a", [(U1, [], True)])
    with pytest.raises(VinerError, match="two annotators"):
        agree([folder])


def test_different_texts_for_one_unit_are_refused(tmp_path: Path):
    a = Example(U1, (), "u1")
    b = Example(U2, (), "u1")
    with pytest.raises(VinerError, match="different text"):
        agreement({"a": {"u1": a}, "b": {"u1": b}})


SPANS = st.lists(st.tuples(st.integers(0, 8), st.integers(1, 4), st.sampled_from(["PERSON", "GPE"])), max_size=4)


def to_spans(raw) -> tuple[Span, ...]:
    spans, end = [], 0
    for gap, length, label in raw:  # non-overlapping by construction, inside the text
        start = end + gap
        if start + length > len(U1):
            break
        spans.append(Span(start, start + length, label))
        end = start + length
    return tuple(spans)


@settings(max_examples=60, deadline=None)
@given(SPANS, SPANS)
def test_properties(raw_a, raw_b):
    a, b = to_spans(raw_a), to_spans(raw_b)
    ab = agreement({"a": {"u": Example(U1, a, "u")}, "b": {"u": Example(U1, b, "u")}}, include_unconfirmed=True)
    ba = agreement({"a": {"u": Example(U1, b, "u")}, "b": {"u": Example(U1, a, "u")}}, include_unconfirmed=True)
    assert ab.overall.f1 == ba.overall.f1  # F1 is symmetric
    assert ab.overall.precision == ba.overall.recall
    same = agreement({"a": {"u": Example(U1, a, "u")}, "b": {"u": Example(U1, a, "u")}}, include_unconfirmed=True)
    assert same.overall.f1 in (None, 1.0)
    assert same.pairs[0].kappa in (None, 1.0)
    assert same.disagreements == []


def test_a_folder_of_snapshots_stands_for_its_newest(tmp_path: Path):
    exports = tmp_path / "exports" / "tin-tuc"
    for stamp, rows in (("20250101T000000Z", ALICE[:1]), ("20250102T000000Z", ALICE)):
        folder = exports / f"tin-tuc-{stamp}"
        write_annotator(folder, "alice", rows)
        write_annotator(folder, "bob", BOB)
        (folder / "manifest.json").write_text(json.dumps({"project": "tin-tuc", "pulled_at": stamp}))
    assert agree([exports]).units_compared == 3  # the newest snapshot (four units of alice's), not the first
    other = exports / "review-20250103T000000Z"
    write_annotator(other, "alice", ALICE)
    (other / "manifest.json").write_text(json.dumps({"project": "review", "pulled_at": "20250103T000000Z"}))
    with pytest.raises(VinerError, match="snapshots of 2 projects"):
        agree([exports])
