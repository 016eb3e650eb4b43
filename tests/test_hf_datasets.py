"""Hugging Face DatasetDict export: features, split names, exact round trip (small data written here)."""

import json
from pathlib import Path

import pytest
import spacy

import oracles_docbin
from helpers import spans_in
from viner.errors import VinerError
from viner.formats import doccano_jsonl, hf_datasets
from viner.record import Example, Span
from viner.tokens import Tokeniser

TEXTS = [
    ("Ủy ban Hà Nội công bố kế hoạch.", [("Hà Nội", "GPE")]),
    ("Ngoại trưởng Nga Sergey Lavrov đến Astana.", [("Nga", "GPE"), ("Sergey Lavrov", "PERSON"), ("Astana", "GPE")]),
    (
        "Hội nghị thượng đỉnh SCO 2024 khai mạc tại TP.HCM.",
        [("Hội nghị thượng đỉnh SCO 2024", "EVENT"), ("TP.HCM", "GPE")],
    ),
    ("Không có thực thể nào ở đây.", []),
]


def examples():
    return [
        Example(text, spans_in(text, ents), meta={"source": f"a{i}.txt", "position": i, "tags": ["x", 1]})
        for i, (text, ents) in enumerate(TEXTS)
    ]


@pytest.fixture(scope="module")
def words():
    return Tokeniser("word", nlp=spacy.blank("vi"))


def test_round_trip_is_exact_and_features_are_iob2(tmp_path, words):
    data = examples()
    splits = []
    counts = hf_datasets.write({"train": data[:3], "test": data[3:]}, tmp_path / "hf", words, on_split=splits.append)
    assert counts == {"train": 3, "test": 1}
    assert [s.span.text_in(s.example.text) for s in splits] == ["Hà Nội", "TP.HCM"]
    back = hf_datasets.read(tmp_path / "hf")
    assert back["train"] + back["test"] == data
    loaded = hf_datasets.load(tmp_path / "hf")
    feature = loaded["train"].features["ner_tags"].feature
    assert feature.names == ["O", "B-PERSON", "I-PERSON", "B-ORG", "I-ORG", "B-GPE", "I-GPE", "B-EVENT", "I-EVENT"]
    row = loaded["train"][1]
    tags = [feature.int2str(t) for t in row["ner_tags"]]
    assert list(zip(row["tokens"], tags)) == [
        ("Ngoại_trưởng", "O"),
        ("Nga", "B-GPE"),
        ("Sergey", "B-PERSON"),
        ("Lavrov", "I-PERSON"),
        ("đến", "O"),
        ("Astana", "B-GPE"),
        (".", "O"),
    ]
    first = loaded["train"][0]
    assert [t for t, g in zip(first["tokens"], first["ner_tags"]) if g] == ["Hà_Nội"]
    assert loaded["test"].features == loaded["train"].features


def test_syllable_tokens_and_extra_labels(tmp_path):
    data = [Example("Bão Yagi đổ bộ Quảng Ninh.", (Span(0, 8, "STORM"), Span(15, 25, "GPE")))]
    hf_datasets.write({"data": data}, tmp_path / "hf", Tokeniser("syllable"), labels=["GPE"])
    loaded = hf_datasets.load(tmp_path / "hf")["data"]
    assert loaded.features["ner_tags"].feature.names == ["O", "B-GPE", "I-GPE", "B-STORM", "I-STORM"]
    assert loaded[0]["tokens"] == ["Bão", "Yagi", "đổ", "bộ", "Quảng", "Ninh", "."]
    assert loaded[0]["ner_tags"] == [3, 4, 0, 0, 1, 2, 0]
    assert hf_datasets.read(tmp_path / "hf")["data"] == data


def test_read_errors(tmp_path):
    with pytest.raises(VinerError, match="no such folder"):
        hf_datasets.read(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(VinerError, match="not a folder"):
        hf_datasets.read(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(VinerError, match="not a Hugging Face dataset"):
        hf_datasets.read(tmp_path / "empty")
    with pytest.raises(VinerError, match="is not valid for datasets"):
        hf_datasets.write({"a-b": []}, tmp_path / "x", Tokeniser("syllable"))
    with pytest.raises(VinerError, match="split 'dev' has no units"):
        hf_datasets.write({"train": examples(), "dev": []}, tmp_path / "x", Tokeniser("syllable"))
    assert not (tmp_path / "x").exists()


def test_split_name_from_file_stem():
    assert hf_datasets.split_name("gold-v2") == "gold_v2"
    assert hf_datasets.split_name("train") == "train"
    assert hf_datasets.split_name("---") == "data"


def test_cli_export_hf_from_jsonl_and_docbin(tmp_path, run_cli, jsonl):
    data = examples()
    train = jsonl(tmp_path / "train.jsonl", [doccano_jsonl.to_row(e) for e in data[:2]])
    oracles_docbin.write(data[2:], spacy.blank("vi"), tmp_path / "dev.spacy")
    pyvi = Path(__file__).resolve().parents[1] / "experiments" / "configs" / "pyvi-efficiency.cfg"
    code, out = run_cli("export", train, tmp_path / "dev.spacy", "-f", "hf", "-o", tmp_path / "hf", "--config", pyvi)
    assert code == 0, out
    assert f"{train}:1: span 'Hà Nội' (GPE) cuts through token(s)" in out
    assert f"{tmp_path / 'dev.spacy'}#doc1: span 'TP.HCM' (GPE)" in out
    back = hf_datasets.read(tmp_path / "hf")
    assert sorted(back) == ["dev", "train"]
    assert back["train"] == list(doccano_jsonl.read(train)) and back["dev"] == data[2:]
    code, out = run_cli("export", train, "-f", "hf", "-o", tmp_path / "hf")
    assert code == 1 and "already exists" in out
    code, out = run_cli(
        "export", train, "-f", "hf", "-o", tmp_path / "hf", "--force", "--split-names", "gold", "-t", "syllable"
    )
    assert code == 0 and list(hf_datasets.read(tmp_path / "hf")) == ["gold"]
    (tmp_path / "other").mkdir()
    other = jsonl(tmp_path / "other" / "train.jsonl", [doccano_jsonl.to_row(e) for e in data[2:]])
    code, out = run_cli("export", train, other, "-f", "hf", "-o", tmp_path / "hf2")
    assert code == 1 and "several inputs would be written as train; name them with --split-names" in out
    code, out = run_cli("export", train, "-f", "hf", "-o", tmp_path / "hf2", "--split-names", "a,b")
    assert code == 1 and "--split-names: got 2 name(s) for 1 input file(s)" in out


def test_cli_export_reads_sharded_docbin_folders(tmp_path, run_cli):
    from viner.convert import convert
    from viner.formats import doccano_jsonl as dj

    rows = []
    for i in range(12):
        text = f"Ông Putin đến Hà Nội lần {i}."
        rows.append({"text": text, "label": [[4, 9, "PERSON"], [14, 20, "GPE"]], "meta": {"source": f"a{i}.txt"}})
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    convert(
        [gold],
        tmp_path / "corpus",
        config=Path(__file__).resolve().parents[1] / "configs" / "ner.cfg",
        ratios=(1, 0, 0),
        shard_size=5,
    )
    assert (tmp_path / "corpus" / "train.spacy").is_dir()
    code, out = run_cli(
        "export", tmp_path / "corpus", "-f", "hf", "-o", tmp_path / "hf", "-t", "syllable", "--any-label"
    )
    assert code == 1 and "dev.spacy: holds no units to export" in out  # empty dev/test splits are refused
    code, out = run_cli(
        "export", tmp_path / "corpus" / "train.spacy", "-f", "hf", "-o", tmp_path / "hf", "-t", "syllable"
    )
    assert code == 0, out
    back = hf_datasets.read(tmp_path / "hf")
    assert list(back) == ["train"] and sorted(e.text for e in back["train"]) == sorted(e.text for e in dj.read(gold))


def test_rows_are_streamed_into_shards_with_no_cache_left(tmp_path, monkeypatch):
    monkeypatch.setattr(hf_datasets, "SHARD_ROWS", 3)
    data = [Example(f"Người dân Hà Nội, bản tin số {i}.", (Span(10, 16, "GPE"),)) for i in range(7)]
    assert hf_datasets.write({"train": data, "test": data[:2]}, tmp_path / "hf", Tokeniser("syllable")) == {
        "train": 7,
        "test": 2,
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf"]  # no cache or temporary folder beside it
    train = tmp_path / "hf" / "train"
    assert sorted(p.name for p in train.iterdir()) == [
        "data-00000-of-00003.arrow",
        "data-00001-of-00003.arrow",
        "data-00002-of-00003.arrow",
        "dataset_info.json",
        "state.json",
    ]
    assert sorted(p.name for p in (tmp_path / "hf" / "test").iterdir()) == [
        "data-00000-of-00001.arrow",
        "dataset_info.json",
        "state.json",
    ]
    info = json.loads((train / "dataset_info.json").read_text())
    assert (
        info["splits"]["train"]["num_examples"] == 7
        and info["features"]["ner_tags"]["feature"]["_type"] == "ClassLabel"
    )
    assert hf_datasets.read(tmp_path / "hf") == {"train": data, "test": data[:2]}  # rows in order across the shards
    from datasets import load_from_disk

    loaded = load_from_disk(str(tmp_path / "hf"))
    assert len(loaded["train"]) == 7 and loaded["train"][6]["tokens"][-2:] == ["6", "."]
