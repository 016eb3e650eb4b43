"""Doccano's own Python environment, built once per machine.

Doccano cannot live in viner's environment (it needs pydantic 2, doccano-client 1.2.8
needs pydantic 1), so :func:`ensure_env` builds it in its own virtual environment, shared
by every home folder and by the tests (``VINER_DOCCANO_ENV``, default
``~/.cache/viner/doccano-1.8.4``). A marker file records the pins it was built with; an
environment without it (interrupted build, other pins) is rebuilt from scratch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ...console import Echo
from ...errors import VinerError
from .files import file_lock, log_tail

DOCCANO_VERSION = "1.8.4"
#: Measured pins: without numpy<2 pandas dies at import and the web server never answers;
#: without marshmallow<4 every doccano command fails (no ``__version_info__``).
SERVER_REQUIREMENTS = (f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4")
READY_MARKER = ".viner-ready"


def default_env() -> Path:
    """Where Doccano's own environment lives: ``$VINER_DOCCANO_ENV`` or the user cache."""
    configured = os.environ.get("VINER_DOCCANO_ENV")
    if configured:
        return Path(configured).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "viner" / f"doccano-{DOCCANO_VERSION}"


def env_is_ready(env: Path) -> bool:
    marker = env / READY_MARKER
    return (
        marker.is_file()
        and marker.read_text().strip() == " ".join(SERVER_REQUIREMENTS)
        and (env / "bin" / "gunicorn").exists()
    )


def ensure_env(env: Path | None = None, echo: Echo = print, python: str | None = None) -> Path:
    """Build Doccano's environment at ``env`` unless it is already complete; returns ``env``.

    The build takes about a minute and happens once per machine; a lock file makes
    concurrent first starts wait for one build instead of racing. A half-built
    environment (interrupted earlier) is rebuilt from scratch.
    """
    env = Path(env or default_env()).expanduser().absolute()
    if env_is_ready(env):
        return env
    with file_lock(env.parent / f".{env.name}.lock"):
        if env_is_ready(env):
            return env
        _clear_unfinished(env)
        _build(env, python or os.environ.get("VINER_DOCCANO_PYTHON") or sys.executable, echo)
    return env


def _clear_unfinished(env: Path) -> None:
    """Remove an interrupted build; refuse to remove anything viner did not build."""
    if not env.exists():
        return
    if not env.is_dir():
        raise VinerError(f"{env}: is a file; --env (or VINER_DOCCANO_ENV) must be a folder for Doccano's environment")
    if any(env.iterdir()) and not (env / "pyvenv.cfg").exists():
        raise VinerError(
            f"{env} exists but is not a Doccano environment built by viner; "
            "remove it or point VINER_DOCCANO_ENV somewhere else"
        )
    shutil.rmtree(env)


def _build(env: Path, python: str, echo: Echo) -> None:
    """``python -m venv`` then ``pip install`` the pins, logged beside the environment."""
    log = env.parent / f"{env.name}.build.log"
    echo(
        f"Building Doccano's own environment in {env} (once per machine, about a minute): "
        f"pip install {' '.join(SERVER_REQUIREMENTS)}"
    )
    started = time.monotonic()
    steps = [
        [python, "-m", "venv", str(env)],
        [
            str(env / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            *SERVER_REQUIREMENTS,
        ],
    ]
    with log.open("w", encoding="utf-8") as out:
        for step in steps:
            out.write(f"$ {' '.join(step)}\n")
            out.flush()
            try:
                result = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            except OSError as err:
                raise VinerError(
                    f"cannot run {step[0]} to build Doccano's environment ({err}); set VINER_DOCCANO_PYTHON to a Python 3.10/3.11"
                ) from err
            if result.returncode != 0:
                raise VinerError(
                    f"building Doccano's environment failed (exit {result.returncode}): {log_tail(log, 3)}; "
                    f"full log: {log}; check that pip can reach the package registry and retry"
                )
    (env / READY_MARKER).write_text(" ".join(SERVER_REQUIREMENTS) + "\n")
    echo(f"Doccano's environment is ready ({time.monotonic() - started:.0f} s, log: {log})")


def backend_dir(env: Path) -> Path:
    """Doccano's Django project inside the environment (gunicorn's ``--chdir``)."""
    found = sorted(env.glob("lib/python3*/site-packages/backend"))
    if not found:
        raise VinerError(f"{env} has no Doccano backend; delete the folder so viner rebuilds it")
    return found[0]
