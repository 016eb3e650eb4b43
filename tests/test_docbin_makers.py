"""convert's one seam with spaCy's DocBin format (viner.convert.docbins): the fast maker on the spaCy versions it
was checked with, spaCy's own DocBin.add on any other; both store the same docs."""

import json
import zlib
from pathlib import Path

import numpy
import pytest
import spacy

import oracles_docbin
from test_gold_rows import EXAMPLES
from viner.convert import convert
from viner.convert.docbins import FAST_SPACY, FastDocBins, PlainDocBins, docbin_maker
from viner.convert.shards import user_data_bytes
from viner.formats import docbin
from viner.pipeline import tokenizer_from_config

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold"


@pytest.mark.parametrize(
    ("version", "name"),
    [("3.8.0", "fast"), ("3.8.11", "fast"), ("3.8.18", "fast"), ("3.9.0", "plain"), ("3.7.5", "plain")]
    + [("4.0.0.dev3", "plain"), ("3.80.1", "plain"), ("", "plain")],
)
def test_the_fast_maker_only_on_the_spacy_versions_it_was_checked_with(version, name):
    assert docbin_maker(version).name == name


def test_the_installed_spacy_gets_the_fast_maker():
    assert ".".join(spacy.__version__.split(".")[:2]) in FAST_SPACY
    assert docbin_maker().name == "fast"


def tokenizers():
    return {"syllables": tokenizer_from_config(ROOT / "configs" / "ner.cfg"), "words": spacy.blank("vi")}


@pytest.mark.parametrize("misaligned", ["keep", "drop"])
@pytest.mark.parametrize("tokenizer", ["syllables", "words"])
def test_both_makers_store_what_a_doc_per_example_stores(tokenizer, misaligned):
    user_data = [user_data_bytes(e) for e in EXAMPLES]
    messages, reports = {}, {}
    for maker in (FastDocBins(), PlainDocBins()):
        nlp = maker.tokenizer(tokenizers()[tokenizer])
        found: list = []
        blocks = [maker.rows(nlp, EXAMPLES[i : i + 4], misaligned, found.append) for i in range(0, len(EXAMPLES), 4)]
        messages[maker.name] = zlib.decompress(maker.encoder(blocks, user_data)())
        reports[maker.name] = [(m.example, m.span, m.tokens) for m in found]
    oracle, oracle_reports, nlp = oracles_docbin.ViDocBin(docbin.GOLD_ATTRS), [], tokenizers()[tokenizer]
    for example in EXAMPLES:
        oracle.add(docbin.example_to_doc(nlp, example, misaligned, oracle_reports.append))
    assert messages["fast"] == messages["plain"] == oracle.to_msgpack()
    assert reports["fast"] == reports["plain"] == [(m.example, m.span, m.tokens) for m in oracle_reports]
    if tokenizer == "words":
        assert reports["plain"]  # pyvi cuts some of these spans: misaligned spans went through both makers


def test_both_makers_give_the_same_rows():
    nlp = tokenizers()["syllables"]
    fast, plain = (maker.rows(nlp, EXAMPLES, "keep", None) for maker in (FastDocBins(), PlainDocBins()))
    for name in ("tokens", "spaces", "lengths", "span_counts", "span_labels"):
        assert numpy.array_equal(getattr(fast, name), getattr(plain, name)), name
    assert fast.strings == plain.strings


def outputs(folder: Path) -> dict[str, bytes]:
    """Every DocBin file under ``folder``, uncompressed (the makers compress at different levels)."""
    return {
        str(p.relative_to(folder)): zlib.decompress(p.read_bytes())
        for p in sorted(folder.rglob("*.spacy"))
        if p.is_file()
    }


@pytest.mark.parametrize("shard_size", [5000, 7])
def test_on_another_spacy_convert_falls_back_to_docbin_add_and_writes_the_same_docbins(
    tmp_path, monkeypatch, shard_size
):
    fast = convert([GOLD], tmp_path / "fast", seed=3, shard_size=shard_size, block_size=16)
    monkeypatch.setattr(spacy, "__version__", "3.9.0")
    plain = convert([GOLD], tmp_path / "plain", seed=3, shard_size=shard_size, block_size=16)
    assert (fast.docbin_maker, plain.docbin_maker) == ("fast", "plain")
    assert json.loads((tmp_path / "plain" / "convert-report.json").read_text("utf-8"))["docbin_maker"] == "plain"
    assert fast.units == plain.units and fast.spans == plain.spans and fast.articles == plain.articles
    written = outputs(tmp_path / "fast")
    assert written == outputs(tmp_path / "plain")
    assert len(written) > 3 if shard_size == 7 else len(written) == 3
    nlp = spacy.blank("vi")
    for name in ("train", "dev", "test"):
        path = tmp_path / "plain" / f"{name}.spacy"
        assert len(list(docbin.read(path, nlp))) == plain.units[name]


def test_the_cli_says_when_it_falls_back(tmp_path, monkeypatch, run_cli):
    monkeypatch.setattr(spacy, "__version__", "3.9.0")
    code, out = run_cli("convert", GOLD, "-o", tmp_path / "corpus")
    assert code == 0, out
    assert "spaCy 3.9.0 is not a version viner's fast DocBin writer was checked with (3.8)" in out
    assert "DocBin.add" in out
