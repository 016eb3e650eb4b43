"""CoNLL/IOB import and export: small files of each flavour written here (never external data)."""

import json
from pathlib import Path

import pytest
import spacy

from helpers import spans_in
from viner.errors import InvalidInput, VinerError
from viner.export import ExportOptions, export
from viner.formats import conll, doccano_jsonl
from viner.formats.conll import text as conll_text
from viner.import_conll import ConllReading, import_conll
from viner.record import Example
from viner.tokens import Tokeniser

# VLSP 2016 style: syllables, two space-separated columns, BIO, blank line between sentences.
VLSP = """\
Ông O
Nguyễn B-PER
Văn I-PER
Thành I-PER
đến O
Hà B-LOC
Nội I-LOC
( O
Việt B-LOC
Nam I-LOC
) O
, O
gặp O
đại O
diện O
WHO B-ORG
. O

Giải B-MISC
Vô I-MISC
địch I-MISC
quốc I-MISC
gia I-MISC
" O
Bóng O
đá O
" O
khai O
mạc O
: O
90 O
% O
vé O
đã O
bán O
… O
"""

# PhoNER word level: tab-separated, syllables of a word joined by "_", an extra middle column, BIOES tags.
PHONER_WORD = "\n".join(
    [
        "Bệnh_nhân\tN\tO",
        "được\tV\tO",
        "điều_trị\tV\tO",
        "tại\tE\tO",
        "Bệnh_viện\tN\tB-ORGANIZATION",
        "Bạch_Mai\tNp\tE-ORGANIZATION",
        "ở\tE\tO",
        "Hà_Nội\tNp\tS-LOCATION",
        ".\tCH\tO",
        "",
    ]
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_vlsp_syllables_smart_join_label_map_and_drop(tmp_path):
    path = write(tmp_path / "vlsp.txt", VLSP)
    examples = list(conll.read(path, label_map={"PER": "PERSON", "LOC": "GPE"}, drop={"MISC"}))
    assert len(examples) == 2
    first, second = examples
    assert first.text == "Ông Nguyễn Văn Thành đến Hà Nội (Việt Nam), gặp đại diện WHO."
    assert first.span_texts() == [
        ("Nguyễn Văn Thành", "PERSON"),
        ("Hà Nội", "GPE"),
        ("Việt Nam", "GPE"),
        ("WHO", "ORG"),
    ]
    assert second.text == 'Giải Vô địch quốc gia "Bóng đá" khai mạc: 90% vé đã bán…'
    assert second.spans == ()
    assert first.meta == {"source": "vlsp.txt:1", "line": 1, "position": 0}
    assert second.meta["line"] == 19


def test_join_space_gives_vlsp_text_exactly(tmp_path):
    path = write(tmp_path / "vlsp.txt", VLSP)
    (first, _) = conll.read(path, label_map={"PER": "PERSON", "LOC": "GPE", "MISC": "EVENT"}, join="space")
    assert first.text == "Ông Nguyễn Văn Thành đến Hà Nội ( Việt Nam ) , gặp đại diện WHO ."
    assert first.span_texts()[0] == ("Nguyễn Văn Thành", "PERSON")


def test_phoner_word_level_bioes_with_underscores(tmp_path):
    path = write(tmp_path / "word.conll", PHONER_WORD)
    (example,) = conll.read(path, label_map={"ORGANIZATION": "ORG", "LOCATION": "GPE"})
    assert example.text == "Bệnh nhân được điều trị tại Bệnh viện Bạch Mai ở Hà Nội."
    assert example.span_texts() == [("Bệnh viện Bạch Mai", "ORG"), ("Hà Nội", "GPE")]
    (kept,) = conll.read(path, labels=None, keep_underscores=True)
    assert kept.text.startswith("Bệnh_nhân được") and kept.span_texts()[1] == ("Hà_Nội", "LOCATION")


def test_bilou_aliases_and_tab_tokens_with_spaces(tmp_path):
    path = write(tmp_path / "b.tsv", "Thành phố Hồ Chí Minh\tU-GPE\nvà\tO\nLiên\tB-ORG\nHợp\tI-ORG\nQuốc\tL-ORG\n")
    (example,) = conll.read(path)
    assert example.span_texts() == [("Thành phố Hồ Chí Minh", "GPE"), ("Liên Hợp Quốc", "ORG")]


@pytest.mark.parametrize(
    "tokens,text",
    [
        (["Ông", "nói", ":", '"', "Xin", "chào", '"', "."], 'Ông nói: "Xin chào".'),
        (["(", "SCO", ")", "họp", "…"], "(SCO) họp…"),
        (["“", "Hà", "Nội", "”", "và", "‘", "Huế", "’", "!"], "“Hà Nội” và ‘Huế’ !".replace(" !", "!")),
        (["tăng", "5", "%", ";", "giảm", "[", "2", "]", "?!"], "tăng 5%; giảm [2]?!"),
        (["'", "a", "'", "b", "'", "c", "'"], "'a' b 'c'"),
        ([".", "a"], ". a"),
    ],
)
def test_smart_spacing_rule(tokens, text):
    joined, offsets = conll.join_tokens(tokens)
    assert joined == text
    assert [joined[s:e] for s, e in offsets] == tokens
    spaced, _ = conll.join_tokens(tokens, "space")
    assert spaced == " ".join(tokens)


def test_docstart_groups_sentences_into_documents(tmp_path):
    text = "-DOCSTART- -X- O\n\nA B-PER\n\nB B-PER\n\n-DOCSTART-\n\nC B-GPE\n"
    path = write(tmp_path / "d.conll", text)
    a, b, c = conll.read(path, label_map={"PER": "PERSON"})
    assert a.meta["source"] == b.meta["source"] == "d.conll#1" and c.meta["source"] == "d.conll#2"
    assert (a.meta["position"], b.meta["position"], c.meta["position"]) == (0, 1, 0)
    assert c.meta["line"] == 9


@pytest.mark.parametrize(
    "body,line,fragment",
    [
        ("A O\nB I-PER\n", 2, "tag I-PER without a preceding B-PER (after O)"),
        ("A B-ORG\nB I-PER\n", 2, "tag I-PER without a preceding B-PER (after B-ORG)"),
        ("A I-PER\n", 1, "tag I-PER without a preceding B-PER (at the start of a sentence)"),
        ("A S-PER\nB E-PER\n", 2, "tag E-PER without a preceding B-PER"),
        ("A O\nlonely\n", 2, "expected TOKEN and TAG columns"),
        ("A O\nB PER\n", 2, "tag 'PER' is not O or B-/I-/E-/S-"),
        (
            "A O\nB B-MISC\n",
            2,
            "label 'MISC' is not one of PERSON, ORG, GPE, EVENT; map it with --label-map MISC=LABEL, leave it out with --drop MISC, or to use it, add it to the label scheme (annotations/labels.json) or pass --labels",
        ),
        ('{"text": "Hà Nội", "label": []}\n', 1, "this looks like JSON lines"),
    ],
)
def test_problems_name_the_line(tmp_path, body, line, fragment):
    path = write(tmp_path / "bad.conll", body)
    with pytest.raises(InvalidInput) as err:
        list(conll.read(path))
    problem = err.value.problems[0]
    assert problem.line == line and fragment in problem.message and problem.path == str(path)


def test_problems_are_collected_and_sentences_skipped(tmp_path):
    path = write(tmp_path / "bad.conll", "A B-PER\n\nB I-GPE\n\nC B-GPE\n")
    seen = []
    examples = list(conll.read(path, label_map={"PER": "PERSON"}, on_problem=seen.append))
    assert [e.text for e in examples] == ["A", "C"]
    assert [p.line for p in seen] == [3]


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(VinerError, match="no tokens"):
        list(conll.read(write(tmp_path / "e.conll", "\n\n")))


def test_label_map_parsing():
    assert conll.parse_label_map("PER=PERSON, LOC=GPE,") == {"PER": "PERSON", "LOC": "GPE"}
    with pytest.raises(VinerError, match="is not FROM=TO"):
        conll.parse_label_map("PER:PERSON")


# ---------------------------------------------------------------- export and round trips

TEXTS = [
    ("Ủy ban Hà Nội công bố kế hoạch.", [("Hà Nội", "GPE")]),  # pyvi merges "Hà Nội công bố": a misaligned span
    (
        "Tổng thống Nga Vladimir Putin đến TP.HCM. Ông  nói.",
        [("Nga", "GPE"), ("Vladimir Putin", "PERSON"), ("TP.HCM", "GPE")],
    ),
    (
        "Tổ chức Hợp tác Thượng Hải (SCO) họp tại Astana.",
        [("Tổ chức Hợp tác Thượng Hải", "ORG"), ("SCO", "ORG"), ("Astana", "GPE")],
    ),
    (
        "Ông Tập dự Diễn đàn Vành đai và Con đường 2019.",
        [("Tập", "PERSON"), ("Diễn đàn Vành đai và Con đường 2019", "EVENT")],
    ),
]


def make_examples():
    return [
        Example(text, spans_in(text, ents), meta={"source": f"a{i // 2}.txt", "position": i % 2})
        for i, (text, ents) in enumerate(TEXTS)
    ]


def squeeze(example):
    return [("".join(t.split()), label) for t, label in example.span_texts()]


@pytest.fixture(scope="module")
def word_tokeniser():
    return Tokeniser("word", nlp=spacy.blank("vi"))


@pytest.mark.parametrize("mode", ["word", "syllable"])
def test_jsonl_conll_jsonl_keeps_every_span(tmp_path, mode, word_tokeniser):
    tokeniser = word_tokeniser if mode == "word" else Tokeniser("syllable")
    examples = make_examples()
    splits = []
    assert conll.write(examples, tmp_path / "x.conll", tokeniser, on_split=splits.append) == 4
    back = list(conll.read(tmp_path / "x.conll"))
    # Without --comments the text is rebuilt by the spacing rule: every span survives with its
    # label and characters; only spacing inside it may differ ("TP. HCM" when pyvi cuts "TP.|HCM.").
    assert [squeeze(b) for b in back] == [squeeze(e) for e in examples]
    if mode == "syllable":
        assert [b.span_texts() for b in back] == [e.span_texts() for e in examples]
    lines = (tmp_path / "x.conll").read_text("utf-8").split("\n")
    assert all(len(line.split("\t")) == 2 for line in lines if line)
    if mode == "word":
        assert "Hà_Nội\tB-GPE" in lines and "Vladimir_Putin\tB-PERSON" in lines
        assert [s.span.text_in(s.example.text) for s in splits] == ["Hà Nội", "TP.HCM"]
        assert splits[0].tokens == ["Hà Nội công bố"]
    else:
        assert "Hà\tB-GPE" in lines and "Nội\tI-GPE" in lines


def test_comments_make_the_round_trip_exact(tmp_path, word_tokeniser):
    examples = make_examples()
    conll.write(examples, tmp_path / "x.conll", word_tokeniser, comments=True, docstart=True)
    text = (tmp_path / "x.conll").read_text("utf-8")
    assert text.startswith("-DOCSTART-\tO\n\n# id = ")
    assert text.count("-DOCSTART-") == 2
    assert list(conll.read(tmp_path / "x.conll")) == examples


def test_comment_text_that_does_not_match_is_reported(tmp_path):
    path = write(tmp_path / "c.conll", "# text = Hà Nội\nHuế B-GPE\n")
    with pytest.raises(InvalidInput, match=r"c.conll:1: text: the tokens that follow do not match"):
        list(conll.read(path))


def test_cli_import_and_export_round_trip(tmp_path, run_cli, jsonl):
    rows = [doccano_jsonl.to_row(e) for e in make_examples()]
    gold = jsonl(tmp_path / "gold.jsonl", rows)
    pyvi = Path(__file__).resolve().parents[1] / "experiments" / "configs" / "pyvi-efficiency.cfg"
    code, out = run_cli("export", gold, "-o", tmp_path / "gold.conll", "--tokens", "word", "--config", pyvi)
    assert code == 0 and "Wrote 4 units" in out
    assert "gold.jsonl:1: span 'Hà Nội' (GPE) cuts through token(s) Hà Nội công bố" in out
    code, out = run_cli("import-conll", tmp_path / "gold.conll", "-o", tmp_path / "back.jsonl")
    assert code == 0 and "Wrote 4 units" in out
    back = list(doccano_jsonl.read(tmp_path / "back.jsonl"))
    assert [squeeze(b) for b in back] == [squeeze(e) for e in make_examples()]
    code, out = run_cli("import-conll", tmp_path / "gold.conll", "-o", tmp_path / "back.jsonl")
    assert code == 1 and "already exists" in out and "--force" in out
    code, out = run_cli("export", gold, "-o", tmp_path / "exact.conll", "--comments", "--tokens", "syllable")
    code, out = run_cli("import-conll", tmp_path / "exact.conll", "-o", tmp_path / "exact.jsonl")
    assert code == 0
    assert (tmp_path / "exact.jsonl").read_text("utf-8") == gold.read_text("utf-8")


def test_cli_import_counts_skipped_sentences_not_bad_lines(tmp_path, run_cli):
    # VLSP 2016 train has a sentence with several bad tag lines: one sentence is lost, not one per line
    path = write(tmp_path / "v.txt", "A B-PER\nB I-LOC\nC I-LOC\nD O\nE I-ORG\n\nF B-PER\n")
    code, out = run_cli("import-conll", path, "-o", tmp_path / "o.jsonl", "-m", "PER=PERSON", "--skip-invalid")
    assert code == 0 and "1 sentence(s) skipped because of 3 problem(s)" in out
    assert [e.text for e in doccano_jsonl.read(tmp_path / "o.jsonl")] == ["F"]


def test_cli_import_reports_every_problem_and_writes_nothing(tmp_path, run_cli):
    path = write(tmp_path / "v.txt", "A B-PER\nB I-LOC\n\nC X\n\nD B-PER\n")
    code, out = run_cli("import-conll", path, "-o", tmp_path / "o.jsonl", "-m", "PER=PERSON")
    assert code == 1
    assert f"{path}:2: tag I-LOC without a preceding B-LOC (after B-PER)" in out
    assert f"{path}:4: tag 'X' is not O" in out
    assert "nothing was written" in out and not (tmp_path / "o.jsonl").exists()
    code, out = run_cli("import-conll", path, "-o", tmp_path / "o.jsonl", "-m", "PER=PERSON", "--skip-invalid")
    assert code == 0 and "2 sentence(s) skipped" in out
    assert [e.text for e in doccano_jsonl.read(tmp_path / "o.jsonl")] == ["D"]


def test_cli_import_vlsp_with_label_map_and_folder(tmp_path, run_cli):
    folder = tmp_path / "vlsp"
    folder.mkdir()
    write(folder / "train.txt", VLSP)
    write(folder / "dev.txt", PHONER_WORD)
    code, out = run_cli(
        "import-conll",
        folder,
        "-o",
        tmp_path / "all.jsonl",
        "-m",
        "PER=PERSON,LOC=GPE,ORGANIZATION=ORG,LOCATION=GPE",
        "--drop",
        "MISC",
        "--join",
        "space",
    )
    assert code == 0, out
    texts = [e.text for e in doccano_jsonl.read(tmp_path / "all.jsonl")]
    assert texts[0] == "Bệnh nhân được điều trị tại Bệnh viện Bạch Mai ở Hà Nội ."  # dev.txt sorts first
    assert len(texts) == 3


def test_cli_export_several_inputs_to_a_folder(tmp_path, run_cli, jsonl):
    rows = [doccano_jsonl.to_row(e) for e in make_examples()]
    jsonl(tmp_path / "train.jsonl", rows[:2])
    jsonl(tmp_path / "dev.jsonl", rows[2:])
    code, out = run_cli(
        "export", tmp_path / "train.jsonl", tmp_path / "dev.jsonl", "-o", tmp_path / "out", "-t", "syllable"
    )
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev.conll", "train.conll"]
    back = list(conll.read(tmp_path / "out" / "dev.conll"))
    assert [b.span_texts() for b in back] == [e.span_texts() for e in make_examples()[2:]]
    meta = json.loads(json.dumps(back[0].meta))
    assert meta["source"].startswith("dev.conll:")


def test_import_conll_counts_units_labels_repeats_and_skips(tmp_path):
    path = write(tmp_path / "v.txt", "A B-PER\nB I-LOC\n\nC B-PER\n\nC B-PER\n\nD B-LOC\n")
    seen = []
    reading = ConllReading(label_map={"PER": "PERSON", "LOC": "GPE"}, skip_invalid=True)
    result = import_conll([path], tmp_path / "o.jsonl", reading, on_skip=seen.append)
    assert (result.files, result.units, result.duplicates, result.skipped) == ([path], 3, 1, 1)
    assert dict(result.per_label) == {"PERSON": 2, "GPE": 1}
    assert [str(p) for p in seen] == [str(p) for p in result.problems] and len(seen) == 1
    with pytest.raises(InvalidInput):
        import_conll([path], tmp_path / "p.jsonl", ConllReading(label_map={"PER": "PERSON", "LOC": "GPE"}))
    assert not (tmp_path / "p.jsonl").exists()


def test_export_returns_counts_and_names_split_tokens(tmp_path, jsonl):
    jsonl(tmp_path / "gold.jsonl", [{"text": "ABCdef ghi", "label": [[0, 3, "PERSON"]]}, {"text": "xyz", "label": []}])
    splits = []
    result = export(
        [tmp_path / "gold.jsonl"],
        tmp_path / "gold.conll",
        ExportOptions(tokens="syllable"),
        on_split=lambda where, s: splits.append(where),
    )
    assert result.counts == {str(tmp_path / "gold.conll"): 2} and result.units == 2
    assert result.split_spans == 1 and splits == [f"{tmp_path / 'gold.jsonl'}:1"]
    with pytest.raises(VinerError, match="--split-names: got 2 name"):
        export(
            [tmp_path / "gold.jsonl"], tmp_path / "x.conll", ExportOptions(tokens="syllable", split_names=["a", "b"])
        )


def _regex_match_tokens(text, raws):
    """The former implementation (a regex compiled per token): the reference for _match_tokens."""
    import re

    offsets, position = [], 0
    for raw in raws:
        match = re.compile(r"\s*(" + re.escape(raw) + ")").match(text, position)
        if match is None and "_" in raw:
            pattern = r"\s*(" + r"(?:_|\s+)".join(re.escape(p) for p in raw.split("_")) + ")"
            match = re.compile(pattern).match(text, position)
        if match is None:
            return None
        offsets.append(match.span(1))
        position = match.end()
    if text[position:].strip():
        return None
    return offsets


def test_match_tokens_agrees_with_the_regex_matcher():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(list("ab_ .\t\u00a0\u3000Hà"))

    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet, max_size=14), st.lists(st.text(alphabet, min_size=1, max_size=5), max_size=5))
    def check(text, raws):
        assert conll_text.match_tokens(text, raws) == _regex_match_tokens(text, raws)

    check()
    cases = [
        ("Hà Nội là thủ đô", ["Hà_Nội", "là", "thủ_đô"]),
        ("a  b", ["a__b"]),
        ("a  b", ["a_ b"]),
        (" _a", ["_a"]),
        ("a_b c", ["a_b", "c"]),
        ("a b", ["a", "c"]),
    ]
    for text, raws in cases:
        assert conll_text.match_tokens(text, raws) == _regex_match_tokens(text, raws), (text, raws)
