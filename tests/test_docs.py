"""The README's tree matches the repository, and the README and docs/ link files that exist."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def tracked_top_level() -> set[str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return {name.split("/")[0] for name in names if not name.startswith(".")}


def tree_table() -> set[str]:
    text = README.read_text("utf-8")
    section = text[text.index("## The tree") : text.index("## Read more")]
    return {
        path.strip("/") for row in re.findall(r"^\| (.+?) \|", section, re.M) for path in re.findall(r"`([^`]+)`", row)
    }


def test_readme_tree_names_every_top_level_path_and_nothing_else():
    tree = tree_table()
    assert all((ROOT / path).exists() for path in tree), sorted(p for p in tree if not (ROOT / p).exists())
    missing = tracked_top_level() - {path.split("/")[0] for path in tree} - {"README.md", "pyproject.toml"}
    assert not missing, f"top-level paths the README's tree does not name: {sorted(missing)}"


def test_readme_is_short_and_says_the_two_setup_commands():
    text = README.read_text("utf-8")
    assert len(text.splitlines()) <= 140
    assert "make demo" in text and "make test" in text


def test_readme_and_docs_link_files_that_exist():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text("utf-8")):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: {target}"


def test_weasel_commands_with_vars_name_the_project_folder():
    # weasel 0.4 reads the word after the command as the project folder: `weasel run train --vars.seed 1` fails
    # with "Directory '--vars.seed' does not exist"; `weasel run train . --vars.seed 1` is the form that runs
    pages = [
        path
        for path in (
            *ROOT.glob("*.md"),
            *ROOT.glob("*.yml"),
            *ROOT.glob("docs/*.md"),
            *ROOT.glob("experiments/**/*.md"),
        )
        if path.is_file()
    ] + [ROOT / "experiments" / "project.yml"]
    wrong = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in pages
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"(weasel|spacy project) run [\w-]+ --", line)
    ]
    assert not wrong, f"weasel run COMMAND --vars... without the project folder (add ` . `): {wrong}"
