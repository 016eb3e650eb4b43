from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


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
