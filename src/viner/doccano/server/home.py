"""A Doccano home folder: the environment its processes run with, its secret key, its database.

Everything a server keeps lives in the home (``db.sqlite3``, ``media/``, ``logs/``,
``secret_key``), so a second start on the same home keeps every project, user and
annotation.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

from ...console import Echo
from ...errors import VinerError
from .environment import DOCCANO_VERSION
from .files import log_tail

INIT_MARKER = ".viner-initialised"


def server_environ(env: Path, home: Path) -> dict[str, str]:
    """The environment Doccano's processes run with (what ``doccano webserver`` sets, plus a private key)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_ADMIN_", "VINER_ADMIN_"))}
    for inherited in ("CELERY_BROKER_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV"):
        environ.pop(inherited, None)
    environ.update(
        DOCCANO_HOME=str(home),
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        MEDIA_ROOT=str(home / "media"),
        STANDALONE="True",
        DEBUG="False",
        SECRET_KEY=secret_key(home),
        PYTHONUNBUFFERED="1",
        PATH=f"{env / 'bin'}{os.pathsep}{environ.get('PATH', '')}",
    )
    return environ


def secret_key(home: Path) -> str:
    """Doccano's default SECRET_KEY is public; each home gets its own, kept in the home (mode 600)."""
    path = home / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def init_home(env: Path, home: Path, echo: Echo = print) -> None:
    """Create the database (migrations and roles) on first use of a home folder."""
    if (home / INIT_MARKER).exists() and (home / "db.sqlite3").exists():
        return
    echo(f"Initialising Doccano's database in {home}")
    log = home / "logs" / "init.log"
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(
            [str(env / "bin" / "doccano"), "init"],
            env=server_environ(env, home),
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        raise VinerError(f"`doccano init` failed (exit {result.returncode}): {log_tail(log, 2)}; see {log}")
    (home / INIT_MARKER).write_text(DOCCANO_VERSION + "\n")
