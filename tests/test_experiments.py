"""experiments/: a valid weasel project whose commands run files that exist, tools that run, pages that link."""

import json
import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from weasel.util import load_project_config

from viner.evaluation.analysis import align
from viner.evaluation.seen import Lexicon, entity_key
from viner.record import Span

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
TOOLS = sorted((EXPERIMENTS / "tools").glob("*.py"))
LOCAL = ("tools/", "configs/", "../", "curves-vlsp.json")  # what a command reads from the repository (not assets/)


def test_experiments_is_a_weasel_project_apart_from_the_product():
    config = load_project_config(EXPERIMENTS)  # validates the schema and the variables
    names = [c["name"] for c in config["commands"]]
    assert len(names) == len(set(names))
    for workflow, steps in config["workflows"].items():
        assert set(steps) <= set(names), workflow
    product = load_project_config(ROOT)  # the root project.yml stays the product's pipeline
    assert "train" in {c["name"] for c in product["commands"]}
    assert not any("experiments" in line for c in product["commands"] for line in c["script"])


def test_every_file_a_command_runs_or_reads_exists():
    checked = 0
    for command in load_project_config(EXPERIMENTS)["commands"]:
        words = [w for line in command["script"] for w in shlex.split(line)]
        paths = [w for w in words + command.get("deps", []) if w.startswith(LOCAL) or w.endswith((".py", ".cfg"))]
        for path in paths:
            assert (EXPERIMENTS / path).exists(), f"{command['name']}: {path}"
            checked += 1
    assert checked > 40


def test_every_tool_is_run_by_a_command_and_answers_help(capsys, monkeypatch):
    scripts = " ".join(line for c in load_project_config(EXPERIMENTS)["commands"] for line in c["script"])
    assert len(TOOLS) == 13
    for tool in TOOLS:
        assert f"tools/{tool.name}" in scripts, tool.name
        monkeypatch.setattr(sys, "argv", [str(tool), "--help"])
        with pytest.raises(SystemExit) as done:
            runpy.run_path(str(tool), run_name="__main__")
        assert done.value.code == 0, tool.name
        assert "usage:" in capsys.readouterr().out, tool.name


def test_error_classes_sorts_viner_evaluate_alignment():
    error_classes = runpy.run_path(str(EXPERIMENTS / "tools" / "error_classes.py"))
    text = "UBND tỉnh Quảng Trị họp với ông Nam ở Hà Nội và FIFA"
    gold = [Span(0, 19, "ORG"), Span(32, 35, "PERSON"), Span(38, 44, "GPE"), Span(48, 52, "ORG")]
    pred = [Span(10, 19, "GPE"), Span(32, 35, "GPE"), Span(38, 44, "GPE"), Span(20, 23, "ORG")]
    classes = {pair.gold or pair.pred: error_classes["error_class"](text, pair) for pair in align(gold, pred)}
    assert classes == {
        Span(0, 19, "ORG"): "as GPE, other boundaries",
        Span(32, 35, "PERSON"): "as GPE",
        Span(38, 44, "GPE"): None,
        Span(48, 52, "ORG"): "missed, acronym",
        Span(20, 23, "ORG"): "spurious",
    }


def test_the_rounds_pages_and_readmes_link_files_that_exist():
    pages = [EXPERIMENTS / "README.md", *sorted((EXPERIMENTS / "rounds").glob("*.md")), ROOT / "configs" / "README.md"]
    assert [p.name for p in pages[1:4]] == ["round-1.md", "round-2.md", "round-3.md"]
    # the project's declared assets are put in place by the user (git-ignored); weasel's table links them
    declared = {asset["dest"] for asset in load_project_config(EXPERIMENTS).get("assets", [])}
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text("utf-8")):
            if not target.startswith("http") and not (page.parent == EXPERIMENTS and target in declared):
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: {target}"


VLSP_WORDS = (  # VLSP's word-level layout: a word per line, its syllables joined by a space, tab-separated columns
    "Ông\tNs\tB-NP\tO\nNguyễn\tNp\tB-NP\tB-PER\nTrung\tNp\tI-NP\tI-PER\nHiếu\tNp\tI-NP\tI-PER\nlàm việc\tV\tB-VP\tO\n"
    "tại\tE\tB-PP\tO\nlữ đoàn\tN\tB-NP\tB-ORG\nbộ binh\tN\tI-NP\tI-ORG\nở\tE\tB-PP\tO\nPhổ Văn\tNp\tB-NP\tB-LOC\n"
    "tiếng\tN\tB-NP\tB-MISC\nAnh\tNp\tI-NP\tI-MISC\n.\tCH\tO\tO\n\n"
    "Anh\tNs\tB-NP\tO\nHiếu\tNp\tB-NP\tB-PER\nvề\tV\tB-VP\tO\nmiền\tNp\tB-NP\tB-LOC\nBắc\tNp\tI-NP\tI-LOC\n.\tCH\tO\tO\n"
)


def vlsp_words(tmp_path, monkeypatch, capsys, files: dict[str, str], *options: str):
    """Run tools/vlsp_words.py on hand-made CoNLL files; returns its exit status, output, and the folders it wrote."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    jsonl, corpus = tmp_path / "jsonl", tmp_path / "corpus"
    args = [*(str(tmp_path / name) for name in files), "--jsonl", str(jsonl), "--output", str(corpus), *options]
    monkeypatch.setattr(sys, "argv", ["vlsp_words.py", *args])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(EXPERIMENTS / "tools" / "vlsp_words.py"), run_name="__main__")
    out = capsys.readouterr()
    return done.value.code, out.out + out.err, jsonl, corpus


def test_vlsp_words_gives_gold_words_as_tokens_and_merges_each_personal_name(tmp_path, monkeypatch, capsys):
    dev = "Bà Ns B-NP O\nLê Np B-NP B-PER\nThị Np I-NP I-PER\nLan Np I-NP I-PER\nđến V B-VP O\nHà_Nội Np B-NP B-LOC\n"  # `_`
    code, out, jsonl, corpus = vlsp_words(tmp_path, monkeypatch, capsys, {"train.txt": VLSP_WORDS, "dev.txt": dev})
    assert code == 0, out
    rows = [json.loads(line) for line in (jsonl / "train.jsonl").read_text("utf-8").splitlines()]
    assert rows[0]["text"] == "Ông Nguyễn_Trung_Hiếu làm_việc tại lữ_đoàn bộ_binh ở Phổ_Văn tiếng Anh ."
    spans = [(rows[0]["text"][start:end], label) for start, end, label in rows[0]["label"]]
    assert spans == [("Nguyễn_Trung_Hiếu", "PERSON"), ("lữ_đoàn bộ_binh", "ORG"), ("Phổ_Văn", "GPE")]  # MISC dropped
    nlp = spacy.blank("vi")
    docs = {name: list(DocBin().from_disk(corpus / f"{name}.spacy").get_docs(nlp.vocab)) for name in ("train", "dev")}
    tokens = [[t.text for t in doc] for doc in docs["train"] + docs["dev"]]
    assert tokens[1] == ["Anh", "Hiếu", "về", "miền", "Bắc", "."]  # a one-word name; a place of two gold words
    assert tokens[2] == ["Bà", "Lê_Thị_Lan", "đến", "Hà_Nội"]
    assert [(e.text, e.label_) for e in docs["dev"][0].ents] == [("Lê_Thị_Lan", "PERSON"), ("Hà_Nội", "GPE")]
    report = json.loads((jsonl / "words-report.json").read_text("utf-8"))
    assert report["misaligned"] == 0 and report["files"]["train"]["names_merged"] == 1
    assert (report["files"]["train"]["syllables"], report["files"]["train"]["tokens"]) == (23, 17)
    assert json.loads((corpus / "convert-report.json").read_text("utf-8"))["misaligned"] == []
    assert "spans not on a token edge: 0" in out


def test_vlsp_words_refuses_syllables_as_gold_words_and_reports_bad_tags_by_line(tmp_path, monkeypatch, capsys):
    syllables = "Ông O\nNguyễn B-PER\nHiếu I-PER\nở O\nHà B-LOC\nNội I-LOC\n"
    code, out, _, corpus = vlsp_words(tmp_path, monkeypatch, capsys, {"dev.txt": syllables})
    assert code == 1 and "syllable-level copy without VLSP's word segmentation" in out and not corpus.exists()
    nested = "Ông\tNs\tB-NP\tO\tO\nHà Nội\tNp\tB-NP\tB-LOC\tO\n"  # VLSP's original layout: a nested tag last
    code, out, _, corpus = vlsp_words(tmp_path, monkeypatch, capsys, {"dev.txt": nested})
    assert code == 1 and "dev.txt:1: two tag columns" in out and not corpus.exists()
    bad = VLSP_WORDS + "\nở\tE\tB-PP\tO\nHà Nội\tNp\tI-NP\tI-LOC\n"
    code, out, _, _ = vlsp_words(tmp_path, monkeypatch, capsys, {"train.txt": bad})
    assert code == 1 and "train.txt:23: tag I-LOC without a preceding B-LOC" in out
    code, out, jsonl, _ = vlsp_words(tmp_path, monkeypatch, capsys, {"train.txt": bad}, "--skip-invalid")
    assert code == 0 and "2 sentences (1 skipped)" in out


def test_vlsp_words_cuts_a_predicted_word_at_an_entity_edge():
    tool = runpy.run_path(str(EXPERIMENTS / "tools" / "vlsp_words.py"))
    text = "chợ Tam Bình mới"  # a predicted word "Bình mới" across the end of the place "Tam Bình"
    words, cut = tool["cut_at_edges"](text, [(0, 3), (4, 7), (8, 16)], [Span(4, 12, "GPE")])
    assert ([text[a:b] for a, b in words], cut) == (["chợ", "Tam", "Bình", "mới"], 1)
    merged, n = tool["merge_names"]([(0, 3), (4, 7), (8, 12), (13, 16)], [Span(4, 12, "PERSON")], {"PERSON"})
    assert (merged, n) == ([(0, 3), (4, 12), (13, 16)], 1)


def test_silver_quality_counts_what_silver_teaches_against_the_gold():
    silver_quality = runpy.run_path(str(EXPERIMENTS / "tools" / "silver_quality.py"))
    from spacy.tokens import Doc
    from spacy.tokens import Span as Entity

    nlp = spacy.blank("vi")
    words = "ông Nam ở Hà Nội và Đà Nẵng gặp FIFA".split()
    gold = Doc(nlp.vocab, words=words)
    gold.set_ents(
        [Entity(gold, 1, 2, "PERSON"), Entity(gold, 3, 5, "GPE"), Entity(gold, 6, 8, "GPE"), Entity(gold, 9, 10, "ORG")]
    )
    silver = Doc(nlp.vocab, words=words)
    # Nam kept right; Hà Nội kept as ORG (wrong); Đà Nẵng left missing; FIFA taught as O
    silver.set_ents(
        [Entity(silver, 1, 2, "PERSON"), Entity(silver, 3, 5, "ORG")], missing=[silver[6:8]], default="outside"
    )
    train = Lexicon(frozenset({entity_key("NAM")}), "train.spacy", "0" * 64, 1)  # seen as evaluate sees it: case-folded
    result = silver_quality["quality"]([silver], [gold], train)
    assert result["units"] == {"matched": 1}
    assert result["ALL"]["kept"] == 2 and result["ALL"]["kept_right"] == 1
    assert result["ALL"]["gold"] == 4 and result["ALL"]["taught"] == 1
    assert result["ALL"]["taught_seen"] == 1 and result["ALL"]["gold_unseen"] == 3
    assert (
        result["ALL"]["missing"] == 1 and result["ALL"]["taught_as_o"] == 1 and result["ALL"]["taught_otherwise"] == 1
    )
    assert "| GPE | 0 | - | 2 | 0.000 |" in silver_quality["table"](result)
