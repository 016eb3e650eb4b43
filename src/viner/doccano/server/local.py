"""Which `viner doccano serve` serves a URL from which home, so push and status can work inside its database.

`viner doccano serve` records its URL, environment and process id in the home's ``server.json`` while it runs
(removed when it stops). push and status look for the home of the server they talk to: ``--home`` when given (an
error when it is not serving that URL), else a ``.doccano`` folder in the current folder or any folder above it
(as git finds its repository).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ...errors import VinerError
from ...io import write_json
from ...io.pids import pid_alive

SERVER_FILE = "server.json"  # written by `viner doccano serve` while the server runs
HOME_NAME = ".doccano"  # the default home of `viner doccano serve`
LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class LocalDoccano:
    """A Doccano home served right now by `viner doccano serve`, and the environment it runs with."""

    home: Path
    env: Path
    url: str


def record_server(home: Path, url: str, env: Path) -> None:
    """Called by `viner doccano serve` once the server answers (removed again when it stops)."""
    write_json({"url": url, "env": str(env), "pid": os.getpid()}, Path(home) / SERVER_FILE)


def forget_server(home: Path) -> None:
    (Path(home) / SERVER_FILE).unlink(missing_ok=True)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (a server viner may have started here)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK or host.startswith("127.")


def find_local(url: str, home: Path | None, start: Path | None = None) -> LocalDoccano | None:
    """The local home serving ``url``: ``home`` when given (an error if it is not serving ``url``), else the first
    ``.doccano`` serving it in ``start`` (the current folder) or a folder above; None when there is none."""
    if home is not None:
        found = serving(Path(home).expanduser().absolute(), url)
        if found is None:
            raise VinerError(
                f"--home {home}: no `viner doccano serve` is serving {url} from this folder now "
                f"(start it with `viner doccano serve --home {home}`, or leave --home out to go through the API)"
            )
        return found
    folder = Path(start if start is not None else Path.cwd()).absolute()
    for parent in (folder, *folder.parents):
        found = serving(parent / HOME_NAME, url)
        if found is not None:
            return found
    return None


def serving(home: Path, url: str) -> LocalDoccano | None:
    """``home`` as a LocalDoccano when a live `viner doccano serve` serves ``url`` from it."""
    try:
        state = json.loads((home / SERVER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or str(state.get("url", "")).rstrip("/") != url.rstrip("/"):
        return None
    if not pid_alive(state.get("pid")):
        return None
    return LocalDoccano(home, Path(state["env"]), url.rstrip("/"))
