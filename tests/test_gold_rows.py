"""`viner convert`'s block path: tokenising joined texts and building DocBin arrays for a block at
once must store exactly what a Doc per example (`example_to_doc` + `DocBin.add`, see
oracles_docbin) stores."""

from pathlib import Path

import numpy
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin

import oracles_docbin
from viner.convert import rows as gold
from viner.convert import shards
from viner.formats import docbin
from viner.pipeline import tokenizer_from_config
from viner.record import Example, Span

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def syllables():
    """The default config's tokenizer: spaCy's rule-based one, whose texts are joined."""
    nlp = tokenizer_from_config(ROOT / "configs" / "ner.cfg")
    assert gold.joins_texts(nlp)
    return nlp


@pytest.fixture(scope="module")
def words():
    """pyvi word tokens (spacy.blank("vi")): not joined, and spans often cut through its words."""
    nlp = spacy.blank("vi")
    assert not gold.joins_texts(nlp)
    return nlp


def example(text, *entities):
    spans = []
    for name, label in entities:
        start = text.index(name)
        spans.append(Span(start, start + len(name), label))
    return Example(text, tuple(spans))


EXAMPLES = [
    example(
        "Tổng thống Nga Vladimir Putin đến Bắc Kinh.", ("Nga", "GPE"), ("Vladimir Putin", "PERSON"), ("Bắc Kinh", "GPE")
    ),
    example("Ủy ban Hà Nội công bố kế hoạch.", ("Hà Nội", "GPE")),  # pyvi merges "Hà Nội" with a neighbour
    example("Hội nghị (SCO) :) họp tại TP.HCM.", ("SCO", "ORG"), ("TP.HCM", "GPE")),
    example("x"),
    example("  hai  khoảng trắng \r\n dòng mới ", ("hai", "ORG")),  # whitespace at both ends: not joined
    example("Tổ chức Hợp tác Thượng Hải", ("Tổ chức Hợp tác Thượng Hải", "ORG")),  # one entity, the whole text
    example("Ông A ở Hà Nội", ("A", "PERSON"), ("Hà Nội", "GPE")),
    example(":) ("),
    example("Kassym-Jomart Tokayev, 3/7 ... \u00a0 Mỹ", ("Kassym-Jomart Tokayev", "PERSON"), ("Mỹ", "GPE")),
    example("Ông Nguyễn Văn An làm việc tại Vinamilk.", ("Văn An", "PERSON"), ("Vinamilk", "ORG")),
]


def one_by_one(nlp, examples, misaligned="keep"):
    reports = []
    bin_ = oracles_docbin.ViDocBin(docbin.GOLD_ATTRS)
    for example in examples:
        bin_.add(docbin.example_to_doc(nlp, example, misaligned, reports.append))
    return bin_.to_msgpack(), reports


def by_blocks(nlp, examples, misaligned="keep", size=4):
    reports = []
    blocks = [
        gold.gold_rows(nlp, examples[i : i + size], misaligned, reports.append) for i in range(0, len(examples), size)
    ]
    return shards.gold_docbin_msgpack(blocks, [shards.user_data_bytes(e) for e in examples]), reports


@pytest.mark.parametrize("misaligned", ["keep", "drop"])
@pytest.mark.parametrize("tokenizer", ["syllables", "words"])
def test_blocks_store_the_same_bytes_as_a_doc_per_example(tokenizer, misaligned, request):
    nlp = request.getfixturevalue(tokenizer)
    expected, expected_reports = one_by_one(nlp, EXAMPLES, misaligned)
    got, reports = by_blocks(nlp, EXAMPLES, misaligned)
    assert got == expected
    assert [(r.example, r.span, r.tokens) for r in reports] == [(r.example, r.span, r.tokens) for r in expected_reports]
    if tokenizer == "words":
        assert reports  # pyvi cuts some of these spans: the slow path was exercised


def test_block_docbins_read_back_into_the_examples(syllables, words):
    for nlp in (syllables, words):
        data, _ = by_blocks(nlp, EXAMPLES)
        docs = list(DocBin().from_bytes(shards.compress(data)).get_docs(spacy.blank("vi").vocab))
        assert [docbin.doc_to_example(d) for d in docs] == EXAMPLES


def test_lean_vocab_tokenises_alike_and_keeps_norms(root):
    full = tokenizer_from_config(root / "configs" / "ner.cfg")
    lean = gold.lean_vocab(tokenizer_from_config(root / "configs" / "ner.cfg"))
    text = "Ông NGUYỄN Văn An, 0012345 https://vnexpress.net :) ở Hà Nội."
    columns = [spacy.attrs.ORTH, spacy.attrs.NORM, spacy.attrs.IDX, spacy.attrs.SPACY]
    assert numpy.array_equal(full.make_doc(text).to_array(columns), lean.make_doc(text).to_array(columns))
    assert list(lean.vocab.lex_attr_getters) == [spacy.attrs.NORM]


def test_a_special_case_containing_the_joiner_turns_joining_off(root):
    nlp = tokenizer_from_config(root / "configs" / "ner.cfg")
    nlp.tokenizer.add_special_case(f"a{gold.JOINER}b", [{"ORTH": "a"}, {"ORTH": gold.JOINER}, {"ORTH": "b"}])
    assert not gold.joins_texts(nlp)


PIECES = [
    "Hà",
    "Nội",
    "TP.HCM",
    ":)",
    ":",
    ")",
    "(",
    "'",
    "-",
    "...",
    "3/7",
    "http://a.vn",
    "Mỹ",
    "A.",
    "U.S.",
    "’",
    " ",
    "  ",
    "\n",
    "\t",
    "\r",
    "\u00a0",
    "x",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join), min_size=1, max_size=12))
def test_joined_tokenisation_gives_each_text_its_own_tokens(texts):
    nlp = _SYLLABLES
    rows, counts = gold.token_rows(nlp, texts)
    expected = [gold.doc_rows(nlp.make_doc(text)) for text in texts]
    assert counts.tolist() == [len(e) for e in expected]
    assert numpy.array_equal(rows, numpy.vstack(expected))


_SYLLABLES = tokenizer_from_config(ROOT / "configs" / "ner.cfg")


def test_reading_examples_from_docbins_does_not_grow_the_vocabulary(tmp_path, syllables):
    examples = [example(f"Ông An số {i:07d} ở Hà Nội.", ("An", "PERSON"), ("Hà Nội", "GPE")) for i in range(300)]
    folder = tmp_path / "train.spacy"
    folder.mkdir()
    for number in range(3):
        part = examples[number * 100 : (number + 1) * 100]
        data = shards.gold_docbin_msgpack([gold.gold_rows(syllables, part)], [shards.user_data_bytes(e) for e in part])
        (folder / f"{number:05d}.spacy").write_bytes(shards.compress(data))
    nlp = spacy.blank("vi")
    before = len(nlp.vocab.strings)
    assert list(docbin.read(folder, nlp)) == examples
    assert len(nlp.vocab.strings) - before < 20  # the 300 numbers were freed with each file's zone
    assert len(list(docbin.read_docs(folder, nlp))) == 300  # docs leave the zone: their strings stay
    assert len(nlp.vocab.strings) - before >= 300
