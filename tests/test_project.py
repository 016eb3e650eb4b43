"""project.yml: weasel runs the pipeline's commands and re-runs only what changed."""

import shutil
import subprocess
import sys

from weasel.util import load_project_config


def weasel(cwd, *args):
    return subprocess.run([sys.executable, "-m", "weasel", *args], cwd=cwd, capture_output=True, text=True)


def test_project_yml_is_valid_and_mirrors_the_pipeline(root):
    config = load_project_config(root)
    names = [c["name"] for c in config["commands"]]
    assert names == ["corpus", "vectors", "convert", "train", "evaluate", "compare"]
    assert config["workflows"]["all"] == ["corpus", "vectors", "convert", "train", "evaluate"]


def test_weasel_reruns_only_what_changed(tmp_path, root):
    shutil.copy(root / "project.yml", tmp_path)
    shutil.copytree(root / "corpus" / "raw", tmp_path / "corpus" / "raw")
    shutil.copytree(root / "annotations" / "gold", tmp_path / "annotations" / "gold")
    shutil.copytree(root / "configs", tmp_path / "configs")
    first = weasel(tmp_path, "run", "corpus")
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "corpus" / "docs.jsonl").exists()
    again = weasel(tmp_path, "run", "corpus")
    assert again.returncode == 0 and "Skipping 'corpus'" in again.stdout
    converted = weasel(tmp_path, "run", "convert")
    assert converted.returncode == 0, converted.stderr
    assert (tmp_path / "corpus" / "train.spacy").exists()
    (tmp_path / "corpus" / "raw" / "new.txt").write_text("Thủ tướng Phạm Minh Chính thăm Nhật Bản.\n", encoding="utf-8")
    changed = weasel(tmp_path, "run", "corpus")
    assert changed.returncode == 0 and "Skipping" not in changed.stdout
    assert "Phạm Minh Chính" in (tmp_path / "corpus" / "docs.jsonl").read_text("utf-8")
