"""Known names as a token feature (viner_names) and names harvested from raw text (viner names)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import spacy
from spacy.training import Example as SpacyExample

from viner.name_harvest import harvest, learn_triggers
from viner.record import Example, Span

SYLLABLES = {"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}}


def gold(text: str, *names: tuple[str, str]) -> Example:
    spans = []
    for name, label in names:
        start = text.index(name)
        spans.append(Span(start, start + len(name), label))
    return Example(text, tuple(spans))


GOLD = [
    gold("Hôm qua ông Lâm đến tỉnh Quảng Trị.", ("Lâm", "PERSON"), ("Quảng Trị", "GPE")),
    gold("ông Nguyễn Văn Hùng nói với bà Lan.", ("Nguyễn Văn Hùng", "PERSON"), ("Lan", "PERSON")),
    gold("Tại tỉnh Nghệ An, ông Bốn làm ruộng.", ("Nghệ An", "GPE"), ("Bốn", "PERSON")),
    gold("ông Tư và ông Năm về tỉnh Huế.", ("Tư", "PERSON"), ("Năm", "PERSON"), ("Huế", "GPE")),
    gold("Sáng nay ông Ba gặp Công ty Sông Đà.", ("Ba", "PERSON"), ("Công ty Sông Đà", "ORG")),
]


def test_triggers_are_the_lower_case_words_the_gold_puts_before_a_label():
    triggers = {(" ".join(t.words), t.label): t for t in learn_triggers(GOLD, min_count=2, min_precision=0.8)}
    assert set(triggers) == {("ông", "PERSON"), ("tỉnh", "GPE")}
    assert triggers[("ông", "PERSON")].count == 6 and triggers[("ông", "PERSON")].precision == 1.0
    # "bà" precedes a PERSON once only: below --min-trigger-count 2
    assert ("bà", "PERSON") in {(" ".join(t.words), t.label) for t in learn_triggers(GOLD, min_count=1)}


def test_a_trigger_that_often_precedes_something_else_is_not_kept():
    noisy = GOLD + [gold("ông Trời ơi, ông Phật ơi, ông Bụt ơi."), gold("ông Trời lại mưa.")]
    triggers = {" ".join(t.words): t for t in learn_triggers(noisy, min_count=2, min_precision=0.8)}
    assert "ông" not in triggers  # 6 of 10 capitalised followers are people: 0.6 < 0.8
    assert "ông" in {" ".join(t.words) for t in learn_triggers(noisy, min_count=2, min_precision=0.6)}


def test_harvest_keeps_names_seen_often_with_one_label():
    triggers = learn_triggers(GOLD, min_count=2)
    raw = [
        "Hôm nay ông Trần Đại Quang đến thăm tỉnh Hà Giang.",
        "ông Trần Đại Quang phát biểu; tỉnh Hà Giang đón ông.",
        "Chiều, ông Trần Đại Quang rời tỉnh Hà Giang.",
        "ông Hà Giang là tên một người.",  # one sighting as PERSON against three as GPE: the share 0.75 < 0.8
        "tỉnh Cao Bằng",  # seen once: below --min-count
    ]
    result = harvest(raw, triggers, min_count=3, min_share=0.8)
    assert result.names == {"Trần Đại Quang": "PERSON"}
    assert result.sightings["Hà Giang"] == {"GPE": 3, "PERSON": 1}
    assert harvest(raw, triggers, min_count=3, min_share=0.7).names == {"Hà Giang": "GPE", "Trần Đại Quang": "PERSON"}
    assert result.lines == 5


def names_pipeline(examples, **config):
    nlp = spacy.blank("vi", config=SYLLABLES)
    component = nlp.add_pipe("viner_names", config=config)

    def get_examples():
        for example in examples:
            doc = nlp.make_doc(example.text)
            ents = [{"start": s.start, "end": s.end, "label": s.label} for s in example.spans]
            yield SpacyExample.from_dict(doc, {"entities": [(e["start"], e["end"], e["label"]) for e in ents]})

    return nlp, component, get_examples


def test_known_names_become_bilu_features_in_morph():
    nlp, component, get_examples = names_pipeline(GOLD, min_count=1, lexicon=False)
    nlp.initialize(get_examples)
    assert component.names["Nguyễn Văn Hùng"] == "PERSON" and component.names["Quảng Trị"] == "GPE"
    doc = nlp("Bà Lan gặp Nguyễn Văn Hùng ở Quảng Trị.")
    assert [str(t.morph) for t in doc] == [
        "",
        "Name=U_PERSON",
        "",
        "Name=B_PERSON",
        "Name=I_PERSON",
        "Name=L_PERSON",
        "",
        "Name=B_GPE",
        "Name=L_GPE",
        "",
    ]


def test_names_seen_once_stay_off_the_list_unless_min_count_is_1():
    nlp, component, get_examples = names_pipeline(GOLD, lexicon=False)  # min_count 2 by default
    nlp.initialize(get_examples)
    assert "Nguyễn Văn Hùng" not in component.names and component.names == {}
    twice = GOLD + [gold("ông Lâm đi chợ.", ("Lâm", "PERSON"))]
    nlp, component, get_examples = names_pipeline(twice, lexicon=False)
    nlp.initialize(get_examples)
    assert component.names == {"Lâm": "PERSON"}


def test_the_lexicon_and_a_names_file_add_names_of_the_trained_labels_only(tmp_path):
    names_file = tmp_path / "names.jsonl"
    names_file.write_text(
        json.dumps({"label": "PERSON", "pattern": "Trần Đại Quang"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"label": "DRUG", "pattern": "Aspirin"})
        + "\n"
        + json.dumps({"label": "GPE", "pattern": "Lâm"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    no_org = GOLD[:4] + [gold("ông Lâm đi chợ.", ("Lâm", "PERSON"))]
    nlp, component, get_examples = names_pipeline(no_org)
    component.initialize(get_examples, nlp=nlp, names=names_file)
    assert component.names["Trần Đại Quang"] == "PERSON"
    assert component.names["Lâm"] == "PERSON"  # the training gold wins over the file
    assert "Aspirin" not in component.names  # DRUG is not a trained label
    assert component.names["Hà Nội"] == "GPE"  # from viner's lexicon
    assert "Liên Hợp Quốc" not in component.names  # the lexicon's ORG: not a label of this gold


def test_overlapping_names_the_longest_wins():
    nlp, component, _ = names_pipeline([])
    component.set_names({"Hà Nội": "GPE", "Đại học Hà Nội": "ORG"})
    doc = nlp("Đại học Hà Nội ở Hà Nội")
    assert [str(t.morph) for t in doc] == [
        "Name=B_ORG",
        "Name=I_ORG",
        "Name=I_ORG",
        "Name=L_ORG",
        "",
        "Name=B_GPE",
        "Name=L_GPE",
    ]


def test_the_list_is_saved_with_the_pipeline_and_found_through_the_entry_point(tmp_path):
    nlp, component, _ = names_pipeline([])
    component.set_names({"Quảng Trị": "GPE"})
    nlp.to_disk(tmp_path / "p")
    script = "import sys, spacy\nnlp = spacy.load(sys.argv[1])\nprint([str(t.morph) for t in nlp('ở Quảng Trị')])\n"
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "p")], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['', 'Name=B_GPE', 'Name=L_GPE']"
    restored = spacy.blank("vi", config=SYLLABLES).add_pipe("viner_names").from_bytes(component.to_bytes())
    assert restored.names == {"Quảng Trị": "GPE"}


def test_viner_names_harvests_raw_text_with_triggers_from_the_gold(tmp_path, run_cli, jsonl):
    gold_file = jsonl(
        tmp_path / "gold.jsonl", [{"text": e.text, "label": [[s.start, s.end, s.label] for s in e.spans]} for e in GOLD]
    )
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "\n\n".join(["ông Trần Đại Quang đến tỉnh Hà Giang số " + str(i) + "." for i in range(3)]) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "names.jsonl"
    code, text = run_cli(
        "names",
        raw,
        "--gold",
        gold_file,
        "-o",
        out,
        "--min-trigger-count",
        "2",
        "--report",
        tmp_path / "r.json",
        "--labels",
        "PERSON,GPE,ORG",
    )
    assert code == 0, text
    assert "PERSON: 1 trigger(s): ông" in text and "2 name(s) (GPE 1, PERSON 1)" in text
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(r["pattern"], r["label"]) for r in rows} == {("Trần Đại Quang", "PERSON"), ("Hà Giang", "GPE")}
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["names"][0]["seen"] == {"GPE": 3}


def test_viner_names_says_what_to_do_when_nothing_is_found(tmp_path, run_cli, jsonl):
    gold_file = jsonl(
        tmp_path / "gold.jsonl", [{"text": GOLD[0].text, "label": [[s.start, s.end, s.label] for s in GOLD[0].spans]}]
    )
    raw = tmp_path / "raw.txt"
    raw.write_text("ông Lâm\n", encoding="utf-8")
    code, text = run_cli("names", raw, "--gold", gold_file, "-o", tmp_path / "n.jsonl", "--labels", "PERSON,GPE")
    assert code == 1 and "--min-trigger-count 5" in text and "annotate more, or lower them" in text
    code, text = run_cli(
        "names",
        raw,
        "--gold",
        gold_file,
        "-o",
        tmp_path / "n.jsonl",
        "--labels",
        "PERSON,GPE",
        "--min-trigger-count",
        "1",
    )
    assert code == 1 and "lower --min-count; nothing was written" in text
    assert not (tmp_path / "n.jsonl").exists()
    code, text = run_cli("names", raw, "--gold", gold_file, "-o", tmp_path / "n.jsonl", "--min-share", "0")
    assert code != 0 and "--min-share 0.0: give a number above 0" in text


@pytest.mark.parametrize("value", ["0", "1.5"])
def test_viner_names_rejects_a_bad_trigger_precision(tmp_path, run_cli, value):
    code, text = run_cli(
        "names", tmp_path, "--gold", tmp_path, "-o", tmp_path / "n.jsonl", "--min-trigger-precision", value
    )
    assert code != 0 and "--min-trigger-precision" in text
