from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def push_ledger(tmp_path_factory) -> Path:
    """Every push of the session (in-process or a `viner` subprocess) keeps its ledger here, not in the user's data
    folder; projects of different test servers never share rows (a project's key holds its creation time)."""
    path = tmp_path_factory.mktemp("ledger") / "doccano-ledger.sqlite3"
    os.environ["VINER_DOCCANO_LEDGER"] = str(path)
    return path


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def run_cli(capsys):
    """Run `viner ARGS` in-process; returns (exit_status, stdout+stderr)."""
    from viner.cli import main

    def run(*args: str) -> tuple[int, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


def write_jsonl(path: Path, rows: list, raw_lines: list[str] | None = None) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) if not isinstance(r, str) else r for r in rows]
    if raw_lines:
        lines.extend(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def jsonl():
    return write_jsonl


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory) -> Path:
    """train/dev/test.spacy converted from the seed gold (annotations/gold)."""
    from viner.convert import convert

    out = tmp_path_factory.mktemp("seed-corpus")
    convert([ROOT / "annotations" / "gold"], out, config=ROOT / "configs" / "ner.cfg")
    return out


@pytest.fixture(scope="session")
def seed_vectors(tmp_path_factory) -> Path:
    """floret vectors (small: 50 dims, 5,000 rows) trained by viner on the seed articles in corpus/raw."""
    from viner.vectors import train_vectors

    out = tmp_path_factory.mktemp("seed-vectors") / "vectors"
    train_vectors(
        [ROOT / "corpus" / "raw"], out, config=ROOT / "configs" / "ner.cfg", dim=50, epochs=5, bucket=5000, threads=1
    )
    return out


@pytest.fixture(scope="session")
def tiny_model(seed_corpus, seed_vectors, tmp_path_factory) -> Path:
    """A pipeline trained for a few steps on the seed gold: real, small, quick (about 10 s)."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("tiny-model")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(ROOT / "configs" / "ner.cfg"),
            "--output",
            str(out),
            "--paths.train",
            str(seed_corpus / "train.spacy"),
            "--paths.dev",
            str(seed_corpus / "dev.spacy"),
            "--paths.vectors",
            str(seed_vectors),
            "--training.max_steps",
            "40",
            "--training.eval_frequency",
            "20",
        ],
        check=True,
        capture_output=True,
    )
    return out / "model-last"


# --- a real headless browser (Debian's chromium driven by Playwright), one session for every test module ---

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed non-interactively when missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is missing and cannot be installed here (run as root: apt-get install -y chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
    assert CHROMIUM.exists(), "apt-get installed chromium but /usr/bin/chromium is missing"
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="viner-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(chromium), headless=True, args=ARGS, viewport={"width": 1200, "height": 900}
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
