"""Token streams for CoNLL and Hugging Face export: the tokeniser's vocabulary stays bounded, the tokens do not change."""

import pytest
import spacy

from viner.errors import VinerError
from viner.formats import conll, hf_datasets
from viner.record import Example, Span
from viner.tokens import Tokeniser


def numbered(n: int, start: int = 0) -> list[Example]:
    """Units like the bench's: common words, an entity, and a number seen nowhere else."""
    return [
        Example(f"Tổng thống Nga gặp Chủ tịch Trung Quốc. Mã tin {i:07d}.", (Span(11, 14, "GPE"),))
        for i in range(start, start + n)
    ]


def fresh(block: int = 10) -> Tokeniser:
    return Tokeniser("word", nlp=spacy.blank("xx"), block=block)


def test_zoned_keeps_the_first_block_and_frees_the_strings_of_later_ones():
    tokeniser = fresh(block=10)
    nlp = tokeniser.nlp
    plain = Tokeniser("word", nlp=spacy.blank("xx"))
    data = numbered(45)
    zoned = []
    for i, example in enumerate(tokeniser.zoned(data)):
        assert nlp.vocab.in_memory_zone == (i >= 10)
        zoned.append(tokeniser(example))
    assert not nlp.vocab.in_memory_zone
    assert zoned == [plain(e) for e in data]  # the same offsets and tags
    strings = nlp.vocab.strings
    assert "0000009" in strings and "Trung" in strings  # the first block's strings stay
    assert not any(f"{i:07d}" in strings for i in range(10, 45))  # later blocks' are freed
    assert len(strings) < len(plain.nlp.vocab.strings) - 30


def test_zoned_leaves_the_zone_when_the_stream_stops_early():
    tokeniser = fresh(block=3)
    stream = tokeniser.zoned(numbered(10))
    for _, example in zip(range(5), stream):
        tokeniser(example)
    assert tokeniser.nlp.vocab.in_memory_zone
    stream.close()
    assert not tokeniser.nlp.vocab.in_memory_zone
    assert "0000004" not in tokeniser.nlp.vocab.strings and "0000002" in tokeniser.nlp.vocab.strings


def test_syllable_tokens_need_no_zone_and_block_must_be_positive():
    data = numbered(3)
    assert list(Tokeniser("syllable").zoned(data)) == data
    with pytest.raises(VinerError, match="block must be at least 1"):
        Tokeniser("syllable", block=0)


def test_conll_export_does_not_grow_the_vocabulary(tmp_path):
    data = numbered(200)
    tokeniser = fresh(block=20)
    assert conll.write(data, tmp_path / "a.conll", tokeniser, comments=True) == 200
    after_one = len(tokeniser.nlp.vocab.strings)
    assert conll.write(numbered(200, start=200), tmp_path / "b.conll", tokeniser, comments=True) == 200
    assert (
        len(tokeniser.nlp.vocab.strings) == after_one
    )  # the warm block was the first file's: all of the second is zoned
    assert not tokeniser.nlp.vocab.in_memory_zone
    unzoned = Tokeniser("word", nlp=spacy.blank("xx"), block=10**9)
    conll.write(data, tmp_path / "c.conll", unzoned, comments=True)
    assert (tmp_path / "a.conll").read_bytes() == (tmp_path / "c.conll").read_bytes()
    assert len(unzoned.nlp.vocab.strings) >= len(tokeniser.nlp.vocab.strings) + 150


def test_conll_error_inside_a_zone_leaves_it(tmp_path):
    tokeniser = fresh(block=5)
    data = numbered(12) + [Example("   ")]
    with pytest.raises(VinerError, match="has no tokens"):
        conll.write(data, tmp_path / "x.conll", tokeniser)
    assert not tokeniser.nlp.vocab.in_memory_zone
    assert not (tmp_path / "x.conll").exists()


def test_hf_export_does_not_grow_the_vocabulary_and_rows_are_unchanged(tmp_path):
    data = numbered(120)
    tokeniser = fresh(block=20)
    hf_datasets.write({"train": data[:100], "test": data[100:]}, tmp_path / "hf", tokeniser)
    assert not any(f"{i:07d}" in tokeniser.nlp.vocab.strings for i in range(20, 100))
    assert not tokeniser.nlp.vocab.in_memory_zone
    unzoned = Tokeniser("word", nlp=spacy.blank("xx"), block=10**9)
    hf_datasets.write({"train": data[:100], "test": data[100:]}, tmp_path / "hf-plain", unzoned)
    zoned_rows, plain_rows = hf_datasets.load(tmp_path / "hf"), hf_datasets.load(tmp_path / "hf-plain")
    for name in ("train", "test"):
        assert zoned_rows[name].features == plain_rows[name].features
        assert list(zoned_rows[name]) == list(plain_rows[name])
    assert hf_datasets.read(tmp_path / "hf")["train"] == data[:100]
