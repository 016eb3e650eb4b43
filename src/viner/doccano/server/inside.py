"""Run one of viner's scripts (viner/doccano/scripts/) inside a home's Doccano environment, by path.

The script runs with Doccano's own Python and the environment the home's server runs with (its database, its
secret key), plus VINER_BACKEND (Doccano's Django project, which the script puts on its path) and any job fields.
Its folder is first on its path, so it imports ``suggestion_rule`` from there.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from .environment import backend_dir
from .home import server_environ
from .processes import die_with_parent

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def script_command(env: Path, name: str) -> list[str]:
    """Doccano's Python running ``scripts/<name>.py``."""
    return [str(env / "bin" / "python"), str(SCRIPTS / f"{name}.py")]


def script_environ(env: Path, home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = server_environ(env, home)
    environ.update(VINER_BACKEND=str(backend_dir(env)), **(extra or {}))
    return environ


def run_script(env: Path, home: Path, name: str, extra: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a short script to its end; its output captured (a password travels only in ``extra``, never in argv)."""
    return subprocess.run(
        script_command(env, name),
        env=script_environ(env, home, extra),
        cwd=home,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def start_script(env: Path, home: Path, name: str, extra: Mapping[str, str], stderr: IO[str]) -> subprocess.Popen[str]:
    """Start a long script whose JSON lines are read as they come; it dies with viner (its open batch rolled back)."""
    return subprocess.Popen(
        script_command(env, name),
        env=script_environ(env, home, extra),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=die_with_parent,
    )


def last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[-1]
