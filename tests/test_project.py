"""project.yml: weasel runs the pipeline's commands and re-runs only what changed."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from weasel.util import load_project_config

from viner.evaluation.report import report_paths


def weasel(cwd, *args):
    return subprocess.run([sys.executable, "-m", "weasel", *args], cwd=cwd, capture_output=True, text=True)


def commands(root) -> dict[str, dict]:
    return {c["name"]: c for c in load_project_config(root)["commands"]}


def covered(path: str, deps: list[str]) -> bool:
    return any(path == dep or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def imported_viner_files(root, module: str) -> set[str]:
    """The files of viner's modules that importing ``module`` loads, relative to the repository."""
    code = f"import sys, json, {module}; print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.startswith('viner') and getattr(m, '__file__', None))))"
    files = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    src = (root / "src").resolve()
    return {str(Path(f).resolve().relative_to(root.resolve())) for f in files if Path(f).resolve().is_relative_to(src)}


def test_project_yml_is_valid_and_mirrors_the_pipeline(root):
    config = load_project_config(root)
    names = [c["name"] for c in config["commands"]]
    assert names == [
        "corpus",
        "vectors",
        "pretrain",
        "convert",
        "train",
        "evaluate",
        "compare",
        "pull",
        "merge",
        "push-next",
        "silver",
        "train-silver",
    ]
    assert config["workflows"]["all"] == ["corpus", "vectors", "convert", "train", "evaluate"]
    assert config["workflows"]["self-train"] == ["silver", "train-silver"]
    assert config["workflows"]["annotate-round"] == ["pull", "merge", "convert", "train", "push-next"]
    loop = " ".join(" ".join(c["script"]) for c in config["commands"] if c["name"] in ("pull", "merge", "push-next"))
    assert (
        "--select uncertain --limit 200 --preannotate training/ner/model-best" in loop
        and "merge annotations/exports/tin-tuc " in loop
    )


def test_every_dep_exists_or_is_made_by_an_earlier_command(root):
    made: set[str] = set()
    for name, command in commands(root).items():
        for dep in command.get("deps", []):
            if name == "compare" and dep.startswith("evaluate/reports/"):
                continue  # the baseline's report comes from an earlier run of evaluate
            assert dep in made or (root / dep).exists(), (
                f"{name}: dep {dep} is neither in the repository nor made by an earlier command"
            )
        made.update(command.get("outputs", []))


def test_deps_include_the_viner_code_that_decides_each_output(root):
    cmds = commands(root)
    for name in ("corpus", "convert", "evaluate", "compare"):
        assert "src/viner" in cmds[name]["deps"], name
    vectors = cmds["vectors"]["deps"]
    missing = {f for f in imported_viner_files(root, "viner.vectors") if not covered(f, vectors)} - {
        "src/viner/__init__.py"
    }
    assert not missing, f"vectors imports {sorted(missing)} but project.yml does not list them in its deps"
    silver = cmds["silver"]["deps"]
    files = imported_viner_files(root, "viner.silver") | {"src/viner/cli/silver.py", "src/viner/components/words.py"}
    missing = {f for f in files if not covered(f, silver)} - {"src/viner/__init__.py"}
    assert not missing, f"silver imports {sorted(missing)} but project.yml does not list them in its deps"


def test_outputs_name_every_file_evaluate_and_train_write(root):
    cmds = commands(root)
    name = load_project_config(root)["vars"]["name"]
    paths = report_paths(Path("evaluate/reports") / f"{name}.json")
    expected = {str(p) for p in paths.values()} | {"evaluate/index.html", "evaluate/index.md"}
    assert set(cmds["evaluate"]["outputs"]) == expected
    assert set(cmds["train"]["outputs"]) == {f"training/{name}/model-best", f"training/{name}/model-last"}


def test_weasel_reruns_only_what_changed(tmp_path, root):
    shutil.copy(root / "project.yml", tmp_path)
    shutil.copytree(root / "corpus" / "raw", tmp_path / "corpus" / "raw")
    shutil.copytree(root / "annotations" / "gold", tmp_path / "annotations" / "gold")
    shutil.copytree(root / "configs", tmp_path / "configs")
    shutil.copytree(root / "src" / "viner", tmp_path / "src" / "viner", ignore=shutil.ignore_patterns("__pycache__"))
    first = weasel(tmp_path, "run", "corpus")
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "corpus" / "docs.jsonl").exists()
    again = weasel(tmp_path, "run", "corpus")
    assert again.returncode == 0 and "Skipping 'corpus'" in again.stdout
    before = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "corpus").iterdir()}
    converted = weasel(tmp_path, "run", "convert")
    assert converted.returncode == 0, converted.stderr
    assert (tmp_path / "corpus" / "train.spacy").exists()
    written = {p.relative_to(tmp_path).as_posix() for p in (tmp_path / "corpus").iterdir()} - before
    assert written == set(commands(tmp_path)["convert"]["outputs"])  # every file convert writes is declared
    (tmp_path / "corpus" / "raw" / "new.txt").write_text("Thủ tướng Phạm Minh Chính thăm Nhật Bản.\n", encoding="utf-8")
    changed = weasel(tmp_path, "run", "corpus")
    assert changed.returncode == 0 and "Skipping" not in changed.stdout
    assert "Phạm Minh Chính" in (tmp_path / "corpus" / "docs.jsonl").read_text("utf-8")
    init = tmp_path / "src" / "viner" / "__init__.py"
    init.write_text(init.read_text("utf-8") + "\n", encoding="utf-8")
    recoded = weasel(tmp_path, "run", "convert")
    assert recoded.returncode == 0 and "Skipping" not in recoded.stdout  # a change to viner's code re-runs convert


@pytest.mark.slow
def test_self_train_labels_the_raw_text_trains_on_gold_and_silver_and_reruns_only_what_changed(
    tmp_path, root, tiny_model, seed_corpus, seed_vectors
):
    shutil.copy(root / "project.yml", tmp_path)
    shutil.copytree(root / "corpus" / "raw", tmp_path / "corpus" / "raw")
    shutil.copytree(root / "src" / "viner", tmp_path / "src" / "viner", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(tiny_model, tmp_path / "training" / "ner" / "model-best")
    shutil.copytree(seed_vectors, tmp_path / "corpus" / "vectors")
    for split in ("train", "dev"):
        shutil.copy(seed_corpus / f"{split}.spacy", tmp_path / "corpus")
    config = spacy.util.load_config(root / "configs" / "ner.cfg", interpolate=False)
    config["training"]["max_steps"], config["training"]["eval_frequency"] = 10, 5  # a short run: the workflow is tested
    (tmp_path / "configs").mkdir()
    config.to_disk(tmp_path / "configs" / "short.cfg")
    short = ("--vars.config", "configs/short.cfg")
    first = weasel(tmp_path, "run", "self-train", ".", *short)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    summary = json.loads((tmp_path / "corpus" / "silver" / "summary.json").read_text())
    assert summary["units_kept"] > 0
    assert (tmp_path / "training" / "ner-silver" / "model-best" / "config.cfg").exists()
    again = weasel(tmp_path, "run", "self-train", ".", *short)
    assert again.returncode == 0 and again.stdout.count("Skipping") == 2, again.stdout[-3000:]
    more = tmp_path / "corpus" / "raw" / "new.txt"
    more.write_text("Thủ tướng Phạm Minh Chính thăm Nhật Bản .\n", encoding="utf-8")
    changed = weasel(tmp_path, "run", "self-train", ".", *short, "--vars.threshold", "0.8")
    assert changed.returncode == 0 and "Skipping" not in changed.stdout, changed.stdout[-3000:] + changed.stderr[-3000:]
    assert (
        json.loads((tmp_path / "corpus" / "silver" / "summary.json").read_text())["units_read"]
        == summary["units_read"] + 1
    )
