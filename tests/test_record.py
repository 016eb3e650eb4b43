import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from viner.record import Example, Span, check_example, make_example, unit_id

TEXT = "Tổng thống Nga Vladimir Putin gặp ông Tập tại Bắc Kinh."


def spans_of(*names_labels):
    out = []
    for name, label in names_labels:
        start = TEXT.index(name)
        out.append([start, start + len(name), label])
    return out


def test_valid_example_has_no_problems():
    assert check_example(TEXT, spans_of(("Nga", "GPE"), ("Vladimir Putin", "PERSON"), ("Bắc Kinh", "GPE"))) == []


def test_each_problem_is_named_with_its_field():
    problems = dict(
        check_example(
            TEXT,
            [[0, 200, "GPE"], [5, 5, "ORG"], [11, 14, "CITY"], [29, 33, "GPE"], "bad", [1.5, 3, "ORG"]],
        )
    )
    assert "out of range" in problems["label[0]"]
    assert "smaller than end" in problems["label[1]"]
    assert "'CITY' is not one of" in problems["label[2]"]
    assert "leading or trailing whitespace" in problems["label[3]"]
    assert "must be [start, end, label]" in problems["label[4]"]
    assert "integers" in problems["label[5]"]


def test_overlap_is_reported_with_both_spans():
    problems = check_example(TEXT, [[11, 14, "GPE"], [11, 29, "PERSON"]])
    assert len(problems) == 1
    field, message = problems[0]
    assert "overlaps" in message and "'Nga'" in message


def test_nfd_text_and_empty_text_are_problems():
    nfd = unicodedata.normalize("NFD", TEXT)
    assert any("NFC" in m for _, m in check_example(nfd, []))
    assert any("empty" in m for _, m in check_example("  ", []))
    assert check_example(None, []) == [("text", "must be a string, got NoneType")]


def test_labels_none_accepts_any_label():
    assert check_example(TEXT, [[11, 14, "LOC"]], labels=None) == []


def test_example_id_is_hash_of_nfc_text_and_spans_are_sorted():
    example, problems = make_example(TEXT, [[15, 29, "PERSON"], [11, 14, "GPE"]])
    assert problems == []
    assert example.id == unit_id(TEXT) == unit_id(unicodedata.normalize("NFD", TEXT))
    assert [s.label for s in example.spans] == ["GPE", "PERSON"]
    assert example.span_texts() == [("Nga", "GPE"), ("Vladimir Putin", "PERSON")]


def test_group_falls_back_to_id():
    assert Example("a b").group == unit_id("a b")
    assert Example("a b", meta={"source": "x.txt"}).group == "x.txt"
    assert Span(1, 2, "ORG").as_list() == [1, 2, "ORG"]


def test_id_set_behaves_like_a_set_of_strings():
    import random

    from viner.record import IdSet, unit_id

    ids = IdSet()
    reference: set[str] = set()
    rng = random.Random(0)
    candidates = [unit_id(f"đơn vị {i}") for i in range(3000)] + [
        "0" * 16,
        "ABCDEF0123456789",
        "0x12345678901234",
        " 123456789abcdef",
        "1_23456789abcdef",
        "+123456789abcdef",
        "u1",
        "",
        "abc",
    ]
    for _ in range(6000):
        uid = rng.choice(candidates)
        assert (uid in ids) == (uid in reference)
        assert ids.add(uid) == (uid not in reference)
        reference.add(uid)
        assert len(ids) == len(reference)
    assert all(uid in ids for uid in reference) and "f" * 16 not in ids and "ABCDEF0123456789".lower() not in ids
    ids.clear()
    assert len(ids) == 0 and candidates[0] not in ids


LABELS = ("PERSON", "ORG", "GPE", "EVENT")


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet="abcé", min_size=1, max_size=15),
    st.lists(st.tuples(st.integers(-1, 16), st.integers(-1, 16), st.sampled_from(LABELS)), max_size=6),
    st.booleans(),
)
def test_spans_checked_as_a_plain_oracle_says_in_any_order(text, triples, as_tuples):
    """Valid spans come back sorted; overlaps are found whatever the order the spans come in
    (the checker skips sorting when they come in order), and each problem names its span."""
    raw = [tuple(t) if as_tuples else list(t) for t in triples]
    valid = sorted(Span(*t) for t in triples if 0 <= t[0] < t[1] <= len(text))
    overlapping = any(b.start < a.end for a, b in zip(valid, valid[1:]))
    bad_places = {f"label[{i}]" for i, (s, e, _) in enumerate(triples) if not 0 <= s < e <= len(text)}
    example, problems = make_example(text, raw, labels=LABELS)
    assert (example is None) == (overlapping or bool(bad_places))
    if example is not None:
        assert example.spans == tuple(valid)
        assert example == Example(text, tuple(reversed(valid)))  # as Example itself makes it: sorted, id of the text
    assert any("overlaps" in message for _, message in problems) == overlapping
    assert {place for place, message in problems if "overlaps" not in message} == bad_places
    assert check_example(text, iter(raw), LABELS) == problems
