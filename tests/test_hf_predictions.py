"""experiments/tools/hf_predictions.py: a transformer's BIO predictions back to character spans, on hand-made outputs,
and the round trip on files: `viner export --format hf` -> tags -> Doccano JSONL -> `viner evaluate`."""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("hf_predictions", ROOT / "experiments" / "tools" / "hf_predictions.py")
hf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hf)

TEXT = "Ông Nguyễn Văn An làm việc tại Vinamilk ở Hà Nội."


def texts(text, spans):
    return [(text[s:e], label) for s, e, label in spans]


def test_bio_runs_continue_start_and_break():
    tags = ["B-PER", "I-PER", "O", "I-ORG", "I-ORG", "B-GPE", "B-GPE", "I-PER", "I-GPE"]
    assert hf.bio_runs(tags) == [
        (0, 2, "PER"),
        (3, 5, "ORG"),
        (5, 6, "GPE"),
        (6, 7, "GPE"),
        (7, 8, "PER"),
        (8, 9, "GPE"),
    ]
    assert hf.bio_runs(["O", "O"]) == [] and hf.bio_runs([]) == []
    assert hf.bio_runs(["I-PERSON"]) == [(0, 1, "PERSON")]  # I- at the start (after nothing) starts an entity
    with pytest.raises(hf.BadRow, match=r"tags\[1\]: 'PER' is not a BIO tag"):
        hf.bio_runs(["O", "PER"])
    with pytest.raises(hf.BadRow, match="is not a BIO tag"):
        hf.bio_runs(["B-"])


def test_word_level_tags_on_exported_words_with_joined_syllables():
    tokens = ["Ông", "Nguyễn_Văn_An", "làm_việc", "tại", "Vinamilk", "ở", "Hà_Nội", "."]
    tags = ["O", "B-PERSON", "O", "O", "B-ORG", "O", "B-GPE", "O"]
    spans = hf.word_spans(TEXT, tokens, tags)
    assert texts(TEXT, spans) == [("Nguyễn Văn An", "PERSON"), ("Vinamilk", "ORG"), ("Hà Nội", "GPE")]
    syllables = TEXT.replace(".", " .").split()
    tags = ["O", "B-PERSON", "I-PERSON", "I-PERSON", "O", "O", "O", "B-ORG", "O", "I-GPE", "I-GPE", "O"]
    assert texts(TEXT, hf.word_spans(TEXT, syllables, tags)) == [
        ("Nguyễn Văn An", "PERSON"),
        ("Vinamilk", "ORG"),
        ("Hà Nội", "GPE"),  # I- after O starts the entity
    ]


def test_word_level_errors_name_the_field():
    with pytest.raises(hf.BadRow, match="3 tags for 2 tokens"):
        hf.word_spans("Hà Nội", ["Hà", "Nội"], ["O", "O", "O"])
    with pytest.raises(hf.BadRow, match=r"tokens\[1\]: 'Huế' is not the text's next word"):
        hf.word_spans("Hà Nội", ["Hà", "Huế"], ["O", "O"])


def pieces(text: str, size: int = 3) -> list[tuple[int, int]]:
    """A hand-made word-piece tokenisation: each word cut in pieces of ``size`` characters, punctuation apart."""
    import re

    out = []
    for m in re.finditer(r"\w+|[^\w\s]", text):
        out.extend((i, min(i + size, m.end())) for i in range(m.start(), m.end(), size))
    return out


def test_word_pieces_follow_the_first_piece_of_their_word():
    offsets = [(0, 0), *pieces(TEXT), (0, 0)]  # <s> ... </s>
    words = {TEXT[s:e]: i for i, (s, e) in enumerate(offsets) if (s, e) != (0, 0)}
    tags = ["B-PERSON"] + ["O"] * (len(offsets) - 2) + ["I-PERSON"]  # labels at the special tokens: ignored
    vin = words["Vin"]
    tags[vin], tags[vin + 1], tags[vin + 2] = "B-ORG", "O", "B-GPE"  # Vin|ami|lk: the first piece decides
    ha = words["Hà"]
    assert TEXT[slice(*offsets[ha + 1])] == "Nội" and TEXT[slice(*offsets[ha + 2])] == "."
    tags[ha], tags[ha + 1] = "O", "I-GPE"  # I- after O starts an entity
    spans = hf.piece_spans(TEXT, offsets, tags)
    assert texts(TEXT, spans) == [("Vinamilk", "ORG"), ("Nội", "GPE")]
    tags[ha + 2] = "I-GPE"  # the "." touches Nội but is a word of its own: its own tag decides
    assert texts(TEXT, hf.piece_spans(TEXT, offsets, tags))[-1] == ("Nội.", "GPE")
    tags[ha + 2] = "O"
    tags[ha + 1] = "B-PERSON"  # B- ends the GPE run and starts another
    tags[ha] = "B-GPE"
    assert texts(TEXT, hf.piece_spans(TEXT, offsets, tags))[-2:] == [("Hà", "GPE"), ("Nội", "PERSON")]
    ngu = words["Ngu"]
    tags = ["O"] * len(offsets)
    tags[ngu + 1] = "B-PERSON"  # a continuation piece alone (Ngu|yễn): its word's first piece is O
    assert hf.piece_spans(TEXT, offsets, tags) == []


def test_word_pieces_with_the_space_before_them_in_their_offsets():
    text = "Tại Hà Nội"
    offsets = [(0, 0), (0, 3), (3, 6), (6, 10), (0, 0)]  # " Hà", " Nội": the space counted with the piece
    spans = hf.piece_spans(text, offsets, ["O", "O", "B-GPE", "I-GPE", "O"])
    assert texts(text, spans) == [("Hà Nội", "GPE")]
    with pytest.raises(hf.BadRow, match=r"offsets\[1\]: 0-99 out of range"):
        hf.piece_spans(text, [(0, 0), (0, 99)], ["O", "O"])


def test_offsets_are_code_points_of_the_nfc_text():
    text = "Bà Nguyễn Thị Ánh Viên"
    offsets = [(0, 2), (3, 9), (10, 13), (14, 17), (18, 22)]
    row = {"id": "x", "text": text, "offsets": offsets, "tags": ["O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON"]}
    assert hf.row_spans(row) == (text, [(3, 22, "PERSON")])
    assert text[3:22] == "Nguyễn Thị Ánh Viên"
    nfd = dict(row, text=unicodedata.normalize("NFD", text))
    assert len(nfd["text"]) > len(text)  # the same words, more code points: offsets would be off
    with pytest.raises(hf.BadRow, match="text: not NFC"):
        hf.row_spans(nfd)


def test_cli_writes_doccano_rows_with_unit_ids_and_stops_at_a_bad_line(tmp_path):
    good = {"id": "abc", "text": "Hà Nội", "tokens": ["Hà_Nội"], "tags": ["B-GPE"]}
    source = tmp_path / "tags.jsonl"
    source.write_text(json.dumps(good, ensure_ascii=False) + "\n\n", "utf-8")
    assert hf.main([str(source), "-o", str(tmp_path / "out.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert rows == [{"text": "Hà Nội", "label": [[0, 6, "GPE"]], "meta": {"unit_id": "abc"}}]
    source.write_text(json.dumps(good, ensure_ascii=False) + "\n" + json.dumps({"text": "x", "tags": []}) + "\n")
    with pytest.raises(SystemExit, match=rf"{source}:2: neither tokens"):
        hf.main([str(source), "-o", str(tmp_path / "bad.jsonl")])
    assert not (tmp_path / "bad.jsonl").exists() and not list(tmp_path.glob(".*.tmp"))


def test_round_trip_on_files_export_tags_convert_evaluate(tmp_path, run_cli):
    """The seed gold exported for transformers; its own tags (a perfect model), as words and as word pieces,
    come back as spans that `viner evaluate` scores 100; a model that misses one entity is scored for it."""
    from datasets import load_from_disk

    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(p.read_text("utf-8") for p in sorted((ROOT / "annotations" / "gold").glob("*.jsonl"))))
    code, out = run_cli("export", gold, "--format", "hf", "-o", tmp_path / "hf")
    assert code == 0, out
    split = load_from_disk(str(tmp_path / "hf"))["gold"]
    names = split.features["ner_tags"].feature.names
    words, wordpieces = [], []
    for row in split:
        tags = [names[t] for t in row["ner_tags"]]
        words.append({"id": row["id"], "text": row["text"], "tokens": row["tokens"], "tags": tags})
        places = hf.word_offsets(row["text"], row["tokens"])
        offsets, piece_tags = [(0, 0)], ["O"]
        for (s, e), tag in zip(places, tags):
            cut = list(range(s, e, 2))
            offsets += [(a, min(a + 2, e)) for a in cut]
            piece_tags += [tag] + ["O"] * (len(cut) - 1)  # continuation pieces predicted O: the first decides
        wordpieces.append(
            {"id": row["id"], "text": row["text"], "offsets": offsets + [(0, 0)], "tags": piece_tags + ["O"]}
        )
    dropped = next(i for i, w in enumerate(words) if "B-ORG" in w["tags"])
    start, end, _ = next(run for run in hf.bio_runs(words[dropped]["tags"]) if run[2] == "ORG")
    missing_one = [dict(w) for w in words]
    missing_one[dropped]["tags"] = [
        "O" if start <= i < end else tag for i, tag in enumerate(words[dropped]["tags"])
    ]  # the model misses that ORG
    for name, rows in (("words", words), ("pieces", wordpieces), ("missing", missing_one)):
        source = tmp_path / f"{name}.tags.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        assert hf.main([str(source), "-o", str(tmp_path / f"{name}.jsonl")]) == 0
        code, out = run_cli("evaluate", tmp_path / f"{name}.jsonl", gold, "-o", tmp_path / "reports" / f"{name}.json")
        assert code == 0, out
    reports = {
        n: json.loads((tmp_path / "reports" / f"{n}.json").read_text("utf-8")) for n in ("words", "pieces", "missing")
    }
    for name in ("words", "pieces"):
        assert reports[name]["overall"]["f1"] == 1.0, name
        assert reports[name]["external"]["by_id"] == len(words)
    missing = reports["missing"]["per_label"]["ORG"]
    assert (missing["fn"], missing["fp"], missing["tp"]) == (1, 0, reports["words"]["per_label"]["ORG"]["tp"] - 1)
