"""experiments/tools/underthesea_predictions.py without underthesea: its words placed in the text and its BIO
tags turned into viner's spans, on hand-made outputs of `underthesea.ner` (word, POS, chunk, NER tag)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "underthesea_predictions", ROOT / "experiments" / "tools" / "underthesea_predictions.py"
)
uts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(uts)


def fake_ner(output):
    return lambda text: output


def test_words_placed_and_entities_mapped_to_viners_labels():
    text = "Ông Putin ca ngợi những thành tựu của Liên Xô và Vinamilk ."
    output = [
        ("Ông", "Nc", "B-NP", "O"),
        ("Putin", "Np", "B-NP", "B-PER"),
        ("ca ngợi", "V", "B-VP", "O"),
        ("những", "L", "B-NP", "O"),
        ("thành tựu", "N", "B-NP", "B-MISC"),
        ("của", "E", "B-PP", "O"),
        ("Liên Xô", "Np", "B-NP", "I-LOC"),  # I- after O starts an entity
        ("và", "C", "O", "O"),
        ("Vinamilk", "Np", "B-NP", "B-ORG"),
        (".", "CH", "O", "O"),
    ]
    counts = Counter()
    row, words, _ = uts.predict_row(fake_ner(output), {"text": text, "meta": {"unit_id": "u1"}}, counts)
    assert [(text[s:e], label) for s, e, label in row["label"]] == [
        ("Putin", "PERSON"),
        ("Liên Xô", "GPE"),
        ("Vinamilk", "ORG"),
    ]
    assert row["meta"] == {"system": "underthesea.ner", "unit_id": "u1"} and words == 13
    assert counts["dropped MISC"] == 1


def test_a_word_underthesea_normalised_is_still_placed():
    text = "Ông Nguyễn Văn Hoà  đến Thanh Hoá."  # old-style tone marks, two spaces
    words = ["Ông", "Nguyễn Văn Hòa", "đến", "Thanh Hóa", "."]  # underthesea writes the new style
    places = uts.word_offsets(text, words)
    assert [text[s:e] for s, e in places] == ["Ông", "Nguyễn Văn Hoà", "đến", "Thanh Hoá", "."]
    assert uts.word_offsets("Hà Nội", ["Hà", "Huế"]) == [(0, 2), None]  # a word not in the text: not placed
    assert uts.entities(["O", "B-PER", "O", "B-LOC", "I-LOC"]) == [(1, 2, "PER"), (3, 5, "LOC")]
