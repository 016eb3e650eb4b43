"""Patterns: built from gold with their precision counted, the shipped lexicon, and the merge beside a model."""

import json
import unicodedata

import pytest
import spacy

from helpers import spans_in
from viner.errors import VinerError
from viner.formats import doccano_jsonl
from viner.patterns import add_patterns, build_patterns, lexicon_patterns, pipeline_with_patterns, read_patterns
from viner.record import Example, Span

GOLD = [
    Example(
        "Samsung mở nhà máy ở Hà Nội .",
        spans_in("Samsung mở nhà máy ở Hà Nội .", [("Samsung", "ORG"), ("Hà Nội", "GPE")]),
    ),
    Example("Ông Putin đến Hà Nội .", spans_in("Ông Putin đến Hà Nội .", [("Putin", "PERSON"), ("Hà Nội", "GPE")])),
    Example("UBND Hà Nội họp .", spans_in("UBND Hà Nội họp .", [("UBND Hà Nội", "ORG")])),
    Example(
        "Samsung Galaxy bán chạy ; Samsung lãi lớn .",
        spans_in("Samsung Galaxy bán chạy ; Samsung lãi lớn .", [("Samsung", "ORG")]),
    ),
    Example("Nam Định thắng ; anh Nam về quê .", (Span(0, 8, "GPE"), Span(21, 24, "PERSON"))),
    Example("Hà Nội mưa to .", ()),
]


def stats_of(candidates, text):
    return next(s for s in candidates if s.text == text)


def test_each_occurrence_is_counted_and_only_precise_strings_are_kept():
    patterns, candidates = build_patterns(GOLD, min_precision=0.9)
    hanoi = stats_of(candidates, "Hà Nội")
    assert (hanoi.occurrences, hanoi.as_label, hanoi.inside, hanoi.unlabelled) == (4, 2, 1, 1)
    assert not hanoi.kept and "precision 0.50" in hanoi.reason and "1 inside another entity" in hanoi.reason
    samsung = stats_of(candidates, "Samsung")  # "Samsung Galaxy" is unlabelled there: 2 right of 3 occurrences
    assert (samsung.occurrences, samsung.as_label, samsung.unlabelled) == (3, 2, 1)
    nam = stats_of(candidates, "Nam")  # "Nam" of "Nam Định" is inside a GPE: not a whole-name match
    assert (nam.occurrences, nam.as_label, nam.inside) == (2, 1, 1)
    assert {p["pattern"] for p in patterns} == {"Putin", "UBND Hà Nội", "Nam Định"}
    assert all(p["id"] == "gold" and set(p) == {"label", "pattern", "id"} for p in patterns)
    loose, _ = build_patterns(GOLD, min_precision=0.5)
    assert {"Hà Nội", "Samsung", "Nam"} <= {p["pattern"] for p in loose}
    counted, _ = build_patterns(GOLD, min_precision=0.5, min_count=2)
    assert {p["pattern"] for p in counted} == {"Hà Nội", "Samsung"}


def test_a_syllable_inside_a_longer_word_is_not_an_occurrence():
    gold = [
        Example("Lào Cai và Lào", spans_in("Lào Cai và Lào", [("Lào Cai", "GPE"), ("Lào", "GPE")])),
        Example("Làoxyz", ()),
    ]
    _, candidates = build_patterns(gold)
    assert stats_of(candidates, "Lào").occurrences == 2  # "Lào" of "Lào Cai" (inside) and the last one; not "Làoxyz"


def test_the_shipped_lexicon_loads_from_the_package_and_is_clean():
    patterns = lexicon_patterns()
    kinds = {p["id"] for p in patterns}
    assert kinds == {"lexicon:country", "lexicon:province", "lexicon:city", "lexicon:international-organisation"}
    texts = [p["pattern"] for p in patterns]
    assert len(texts) == len(set(texts)) and all(t == unicodedata.normalize("NFC", t) for t in texts)
    assert {"Hà Nội", "Việt Nam", "Liên Hợp Quốc"} <= set(texts)
    assert not {"Anh", "Đức", "Ý", "Nga"} & set(texts)  # measured ambiguous on VLSP train (data/README.md)
    assert {p["label"] for p in lexicon_patterns(["GPE"])} == {"GPE"}


def test_a_bad_pattern_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"label": "GPE", "pattern": "Hà Nội"}\n\n{"label": "GPE", "pattern": 3}\n', encoding="utf-8")
    with pytest.raises(VinerError, match=r"p.jsonl:3: field 'pattern'"):
        read_patterns(path)
    path.write_text('{"label": "NORP", "pattern": "người Việt"}\n', encoding="utf-8")
    with pytest.raises(VinerError, match=r"p.jsonl:1: field 'label': 'NORP' is not one of PERSON, GPE"):
        read_patterns(path, ["PERSON", "GPE"])
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(VinerError, match=r"p.jsonl:1: not JSON"):
        read_patterns(path)


def ents(nlp, text):
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_patterns_win_on_overlap_except_inside_a_longer_model_entity():
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}})
    model = nlp.add_pipe("entity_ruler", name="ner_stand_in")  # stands for the model's entities
    model.add_patterns(
        [
            {"label": "ORG", "pattern": "UBND Hà Nội"},
            {"label": "PERSON", "pattern": "Samsung"},
            {"label": "GPE", "pattern": "Nội hôm"},
            {"label": "PERSON", "pattern": "Lan"},
        ]
    )
    add_patterns(
        nlp,
        [
            {"label": "GPE", "pattern": "Hà Nội"},
            {"label": "ORG", "pattern": "Samsung"},
            {"label": "GPE", "pattern": "Đà Nẵng"},
        ],
    )
    assert ents(nlp, "UBND Hà Nội gặp Samsung") == [("UBND Hà Nội", "ORG"), ("Samsung", "ORG")]
    assert ents(nlp, "ở Hà Nội hôm qua , Lan đến Đà Nẵng") == [("Hà Nội", "GPE"), ("Lan", "PERSON"), ("Đà Nẵng", "GPE")]


def test_cold_start_with_patterns_alone(tmp_path, run_cli):
    nlp = pipeline_with_patterns(
        "blank:vi", [{"label": "GPE", "pattern": "Hà Nội"}, {"label": "GPE", "pattern": "Hà Nội mới"}]
    )
    assert ents(nlp, "Hà Nội mới và Hà Nội") == [("Hà Nội mới", "GPE"), ("Hà Nội", "GPE")]  # the longest match wins
    gold = tmp_path / "gold.jsonl"
    doccano_jsonl.write(GOLD, gold)
    code, out = run_cli("patterns", gold, "-o", tmp_path / "p.jsonl", "--report", tmp_path / "r.json", "--lexicon")
    assert code == 0, out
    assert "left out 'Hà Nội' (GPE): precision 0.50" in out
    kept = {p["pattern"] for p in read_patterns(tmp_path / "p.jsonl")}
    assert {"Putin", "Nam Định", "Việt Nam"} <= kept and "Hà Nội" not in kept  # the gold's evidence beats the lexicon
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert report["kept"] == len(kept) and any(c["text"] == "Samsung" and not c["kept"] for c in report["candidates"])
    units = tmp_path / "units.jsonl"
    doccano_jsonl.write([Example("Putin gặp lãnh đạo Việt Nam ở Nam Định .", ())], units)
    code, out = run_cli("predict", "blank:vi", units, "-o", tmp_path / "out.jsonl", "--patterns", tmp_path / "p.jsonl")
    assert code == 0, out
    (row,) = doccano_jsonl.read(tmp_path / "out.jsonl")
    assert [(row.text[s.start : s.end], s.label) for s in row.spans] == [
        ("Putin", "PERSON"),
        ("Việt Nam", "GPE"),
        ("Nam Định", "GPE"),
    ]
    code, out = run_cli("patterns", gold, "-o", tmp_path / "none.jsonl", "--min-count", "9")
    assert code == 1 and "nothing was written" in out and not (tmp_path / "none.jsonl").exists()


def test_the_lexicon_alone_when_nothing_is_annotated_yet(tmp_path, run_cli):
    code, out = run_cli("patterns", "--lexicon", "--labels", "GPE", "-o", tmp_path / "lexicon.jsonl")
    assert code == 0, out
    written = read_patterns(tmp_path / "lexicon.jsonl")
    assert written == lexicon_patterns(["GPE"]) and "from the lexicon alone" in out
    code, out = run_cli("patterns", "-o", tmp_path / "none.jsonl")
    assert code == 1 and "--lexicon alone" in out and not (tmp_path / "none.jsonl").exists()
