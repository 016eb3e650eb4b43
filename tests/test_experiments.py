"""experiments/: a valid weasel project whose commands run files that exist, tools that run, pages that link."""

import re
import runpy
import shlex
import sys
from pathlib import Path

import pytest
from weasel.util import load_project_config

from viner.evaluation.analysis import align
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
    assert len(TOOLS) == 10
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
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text("utf-8")):
            if not target.startswith("http"):
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: {target}"
