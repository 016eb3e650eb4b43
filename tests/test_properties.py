"""Property-based tests (hypothesis) over the pivot record and every reader and writer.

For generated NFC Vietnamese texts (letters with diacritics and tones, digits, punctuation,
spaces) and valid non-overlapping spans, each format round-trips exactly: Doccano JSONL,
DocBin (misaligned spans kept by splitting tokens), CoNLL (exact with comments; span
characters and labels without), Hugging Face datasets. Readers fed arbitrary bytes raise
only :class:`viner.errors.VinerError` (or report problems), never another exception.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
import zlib
from pathlib import Path

import pytest
import spacy
import srsly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracles_docbin
from viner.errors import VinerError
from viner.formats import conll, docbin, doccano_jsonl, hf_datasets
from viner.record import DEFAULT_LABELS, Example, Span, check_example
from viner.tokens import Tokeniser, syllable_offsets

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
VOWELS = "aăâeêioôơuưy"
CONSONANTS = "bcdđghklmnpqrstvx"
LETTERS = sorted(
    {unicodedata.normalize("NFC", v + t) for v in VOWELS + VOWELS.upper() for t in TONES}
    | set(CONSONANTS + CONSONANTS.upper())
)
PUNCTUATION = list(",.:;!?()[]\"'“”‘’%…-/&")
DIGITS = list("0123456789")

syllable = st.text(st.sampled_from(LETTERS), min_size=1, max_size=6)
number = st.text(st.sampled_from(DIGITS + [".", ","]), min_size=1, max_size=5)
punct = st.text(st.sampled_from(PUNCTUATION), min_size=1, max_size=2)
piece = st.one_of(syllable, syllable, syllable, number, punct, st.tuples(punct, syllable, punct).map("".join))
separator = st.sampled_from([" "] * 10 + ["", "  ", "\t", "\n", "\u00a0", "\r\n"])


@st.composite
def vietnamese_text(draw, separators=separator):
    pieces = draw(st.lists(piece, min_size=1, max_size=14))
    seps = draw(st.lists(separators, min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    text = pieces[0] + "".join(s + p for s, p in zip(seps, pieces[1:]))
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))
    return text


@st.composite
def examples(draw, separators=separator):
    """A valid example: NFC text, non-overlapping spans without leading/trailing whitespace."""
    text = draw(vietnamese_text(separators))
    assert unicodedata.is_normalized("NFC", text)
    n = draw(st.integers(0, min(4, (len(text) + 1) // 2)))
    points = sorted(draw(st.lists(st.integers(0, len(text)), min_size=2 * n, max_size=2 * n, unique=True)))
    spans = []
    for a, b in zip(points[::2], points[1::2]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append(Span(a, b, draw(st.sampled_from(DEFAULT_LABELS))))
    meta = draw(
        st.fixed_dictionaries(
            {}, optional={"source": st.sampled_from(["a.txt", "b.txt"]), "position": st.integers(0, 9)}
        )
    )
    example = Example(text, tuple(spans), meta=meta)
    assert check_example(example.text, [s.as_list() for s in example.spans]) == []
    return example


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("vi")  # pyvi words, as configs/ner.cfg


@pytest.fixture(scope="module")
def words(nlp):
    return Tokeniser("word", nlp=nlp)


def squeeze(example: Example) -> list[tuple[str, str]]:
    return [("".join(t.split()), label) for t, label in example.span_texts()]


# ---------------------------------------------------------------- round trips


@SETTINGS
@given(example=examples())
def test_doccano_jsonl_round_trip(example):
    line = doccano_jsonl.dumps(example)
    back, problems = doccano_jsonl.parse_row(json.loads(line), ("x.jsonl", 1))
    assert problems == []
    assert (back.text, back.spans, back.id) == (example.text, example.spans, example.id)
    assert back.meta == {**example.meta, "unit_id": example.id}
    assert doccano_jsonl.dumps(back) == line


@SETTINGS
@given(example=examples())
def test_docbin_round_trip_keeps_misaligned_spans(example, nlp):
    seen = []
    doc = docbin.example_to_doc(nlp, example, "keep", seen.append)
    assert doc.text == example.text
    back = docbin.doc_to_example(doc)
    assert back == example


@FEW
@given(batch=st.lists(examples(), min_size=1, max_size=6))
def test_docbin_file_round_trip(batch, nlp):
    with tempfile.TemporaryDirectory() as tmp:
        oracles_docbin.write(batch, nlp, Path(tmp) / "x.spacy")
        assert list(docbin.read(Path(tmp) / "x.spacy", nlp)) == batch


@SETTINGS
@given(example=examples(), mode=st.sampled_from(["syllable", "word"]))
def test_tokens_align_to_every_span(example, mode, words):
    tokeniser = words if mode == "word" else Tokeniser("syllable")
    offsets, tags = tokeniser(example)
    assert all(a < b for a, b in offsets) and all(b1 <= a2 for (_, b1), (a2, _) in zip(offsets, offsets[1:]))
    assert all(example.text[a:b] == example.text[a:b].strip() for a, b in offsets)
    assert len(tags) == len(offsets)
    assert sum(t.startswith("B-") for t in tags) == len(example.spans)
    covered = "".join("".join(example.text[a:b].split()) for a, b in offsets)
    assert covered == "".join(example.text.split())  # tokens cover every non-space character


@SETTINGS
@given(example=examples(), mode=st.sampled_from(["syllable", "word"]))
def test_conll_with_comments_round_trip_is_exact(example, mode, words):
    tokeniser = words if mode == "word" else Tokeniser("syllable")
    if "\n" in example.text:
        with pytest.raises(VinerError, match="spans several lines"):
            conll.sentence_lines(example, tokeniser, comments=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.conll"
        conll.write([example], path, tokeniser, comments=True)
        (back,) = conll.read(path)
    assert (back.text, back.spans, back.id) == (example.text, example.spans, example.id)
    assert back.meta == (example.meta or back.meta)


@SETTINGS
@given(
    batch=st.lists(examples(), min_size=1, max_size=4),
    mode=st.sampled_from(["syllable", "word"]),
    join=st.sampled_from(conll.JOINS),
)
def test_conll_without_comments_keeps_every_span(batch, mode, join, words):
    tokeniser = words if mode == "word" else Tokeniser("syllable")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.conll"
        conll.write(batch, path, tokeniser)
        back = list(conll.read(path, join=join))
    assert len(back) == len(batch)
    for original, copy in zip(batch, back):
        assert [(t.replace("_", ""), label) for t, label in squeeze(copy)] == [
            (t.replace("_", ""), label) for t, label in squeeze(original)
        ]
        assert "".join(copy.text.split()).replace("_", "") == "".join(original.text.split()).replace("_", "")


@SETTINGS
@given(tokens=st.lists(st.one_of(syllable, punct, number), min_size=1, max_size=12), join=st.sampled_from(conll.JOINS))
def test_join_tokens_offsets_point_at_the_tokens(tokens, join):
    text, offsets = conll.join_tokens(tokens, join)
    assert [text[a:b] for a, b in offsets] == tokens
    assert syllable_offsets(text) or not text.strip()


@FEW
@given(
    splits=st.lists(st.lists(examples(), min_size=1, max_size=5), min_size=1, max_size=3),
    mode=st.sampled_from(["syllable", "word"]),
)
def test_hf_datasets_round_trip(splits, mode, words):
    tokeniser = words if mode == "word" else Tokeniser("syllable")
    named = {f"s{i}": batch for i, batch in enumerate(splits)}
    with tempfile.TemporaryDirectory() as tmp:
        hf_datasets.write(named, Path(tmp) / "hf", tokeniser)
        back = hf_datasets.read(Path(tmp) / "hf")
        loaded = hf_datasets.load(Path(tmp) / "hf")
        for name, batch in named.items():
            names = loaded[name].features["ner_tags"].feature.names
            for example, row in zip(batch, loaded[name]):
                offsets, tags = tokeniser(example)
                assert [names[t] for t in row["ner_tags"]] == tags
    assert back == named


# ---------------------------------------------------------------- readers never crash


def only_viner_errors(read) -> None:
    """Run a reader to the end; it may succeed or raise VinerError, nothing else."""
    try:
        read()
    except VinerError as err:
        assert str(err).strip() and "\n" not in str(err).split(": ", 1)[0]


junk = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.lists(
        st.text(st.sampled_from(LETTERS + PUNCTUATION + [" ", "\t", "-", "B", "I", "O", "_"]), max_size=30), max_size=8
    ).map(lambda ls: "\n".join(ls).encode("utf-8")),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["text", "label", "labels", "meta", "id", "unit_id", "x"]), children, max_size=4
        )
    ),
    max_leaves=12,
)


def _file(data: bytes, name: str) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / name
    path.write_bytes(data)
    return path


@SETTINGS
@given(data=junk)
def test_jsonl_reader_survives_arbitrary_bytes(data):
    path = _file(data, "x.jsonl")
    only_viner_errors(lambda: list(doccano_jsonl.read(path)))
    problems = []
    only_viner_errors(lambda: list(doccano_jsonl.read(path, on_problem=problems.append)))


@SETTINGS
@given(rows=st.lists(json_values, min_size=1, max_size=5))
def test_jsonl_reader_survives_arbitrary_json(rows):
    path = _file("\n".join(json.dumps(r) for r in rows).encode("utf-8"), "x.jsonl")
    problems = []
    only_viner_errors(lambda: list(doccano_jsonl.read(path, labels=None, on_problem=problems.append)))
    only_viner_errors(lambda: list(doccano_jsonl.read(path)))


@SETTINGS
@given(data=junk, join=st.sampled_from(conll.JOINS))
def test_conll_reader_survives_arbitrary_bytes(data, join):
    path = _file(data, "x.conll")
    only_viner_errors(lambda: list(conll.read(path, join=join)))
    problems = []
    only_viner_errors(lambda: list(conll.read(path, labels=None, on_problem=problems.append)))


@FEW
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(st.text(max_size=8), json_values, max_size=5).map(
            lambda d: zlib.compress(srsly.msgpack_dumps(d))
        ),
    )
)
def test_docbin_reader_survives_arbitrary_bytes(data, nlp):
    path = _file(data, "x.spacy")
    only_viner_errors(lambda: list(docbin.read(path, nlp)))


@FEW
@given(data=junk)
def test_hf_reader_survives_arbitrary_files(data):
    folder = Path(tempfile.mkdtemp()) / "hf"
    folder.mkdir()
    (folder / "dataset_dict.json").write_bytes(data)
    only_viner_errors(lambda: hf_datasets.read(folder))
    (folder / "dataset_dict.json").unlink()
    (folder / "dataset_info.json").write_bytes(data)
    (folder / "state.json").write_bytes(data)
    only_viner_errors(lambda: hf_datasets.read(folder))


@FEW
@given(
    rows=st.lists(
        st.fixed_dictionaries({"text": json_values, "spans": json_values, "id": json_values, "meta": json_values}),
        min_size=1,
        max_size=4,
    )
)
def test_hf_reader_survives_foreign_columns(rows):
    from datasets import Dataset

    folder = Path(tempfile.mkdtemp()) / "hf"
    table = {key: [json.dumps(r[key]) for r in rows] for key in ("text", "spans", "id", "meta")}
    Dataset.from_dict(table).save_to_disk(str(folder))
    problems = []
    only_viner_errors(lambda: hf_datasets.read(folder, on_problem=problems.append))
    assert len(problems) >= len(rows)  # spans is a string column: every row is reported


@SETTINGS
@given(
    data=junk, suffix=st.sampled_from([".txt", ".jsonl"]), unit=st.sampled_from(["paragraph", "sentence", "document"])
)
def test_corpus_reader_survives_arbitrary_bytes(data, suffix, unit):
    from viner.corpus import build_units
    from viner.record import check_example

    path = _file(data, "article" + suffix)

    def run():
        for example in build_units([path], unit=unit, skip_invalid=True):
            assert check_example(example.text, [], labels=None) == []  # every unit is a valid record

    only_viner_errors(run)
