"""`viner doccano serve`: a local Doccano 1.8.4 server, loopback only, in the foreground.

:func:`serve` runs these steps, each in the module named after its job:

1. check the options and prepare the home folder; lock it (one server per home) and
   check the port is free;
2. build Doccano's own environment once per machine (:mod:`.environment`);
3. initialise the database in the home folder on its first use (:mod:`.home`);
4. create the admin account unless it exists, never resetting a password (:mod:`.admin`);
5. start the web server and the task worker on 127.0.0.1 (:mod:`.processes`), wait until
   the API answers and report the URL;
6. record the URL and environment in the home's ``server.json`` (so `viner doccano push` and `status` can work
   straight in this home's database: :mod:`.local`), stay in the foreground until SIGINT
   or SIGTERM, then remove the record and stop both processes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ...console import Echo
from ...errors import VinerError
from ...io import folder_target
from .admin import AdminResult, ensure_admin
from .environment import ensure_env
from .files import file_lock
from .home import init_home
from .local import HOME_NAME, forget_server, record_server
from .processes import HOST, Server, StopRequest, port_is_free, start, supervise, wait_ready

DEFAULT_PORT = 8000
DEFAULT_HOME = Path(HOME_NAME)
DEFAULT_ADMIN = "admin"

OnReady = Callable[[Server, AdminResult], None]


def admin_credentials(user: str | None = None) -> tuple[str, str | None]:
    """The admin's name (option, else DOCCANO_ADMIN_USER, else admin) and DOCCANO_ADMIN_PASSWORD (None: generate one)."""
    username = user or os.environ.get("DOCCANO_ADMIN_USER") or DEFAULT_ADMIN
    return username, os.environ.get("DOCCANO_ADMIN_PASSWORD") or None


def serve(
    port: int = DEFAULT_PORT,
    home: Path = DEFAULT_HOME,
    env: Path | None = None,
    *,
    username: str = DEFAULT_ADMIN,
    password: str | None = None,
    workers: int = 2,
    echo: Echo = print,
    on_ready: OnReady | None = None,
) -> Server:
    """Prepare and start a Doccano server, block until SIGINT/SIGTERM, then stop it.

    ``on_ready`` is called once the API answers (the CLI prints the URL and, when it was
    generated, the admin password there). Returns the stopped server.
    """
    home = prepare_home(port, home, env, username, workers)
    with locked_home(home, port):
        env = ensure_env(env, echo)
        init_home(env, home, echo)
        admin = ensure_admin(env, home, username, password)
        with StopRequest().installed() as stop:
            server = start(env, home, port, workers)
            try:
                if announce_when_ready(server, admin, stop, echo, on_ready):
                    record_server(
                        home, server.url, env
                    )  # push and status work straight in this home (viner.doccano.server.local)
                supervise(server, stopped=lambda: bool(stop))
                echo("Stopping Doccano (web server and task worker)...")
            finally:
                forget_server(home)
                server.stop()
        echo("Doccano stopped; projects, users and annotations are kept in " + str(home))
        return server


def prepare_home(port: int, home: Path, env: Path | None, username: str, workers: int) -> Path:
    """Check the options; create the home folder and its ``logs/``; returns the home's absolute path."""
    if not (0 < port < 65536):
        raise VinerError(f"--port {port}: give a port between 1 and 65535")
    if workers < 1:
        raise VinerError(f"--workers {workers}: give at least 1")
    home = folder_target(Path(home).expanduser().absolute(), "--home")
    if env is not None and Path(env).expanduser().exists() and not Path(env).expanduser().is_dir():
        raise VinerError(f"{env}: is a file; --env (or VINER_DOCCANO_ENV) must be a folder for Doccano's environment")
    home.mkdir(parents=True, exist_ok=True)
    (home / "logs").mkdir(exist_ok=True)
    if not username:
        raise VinerError("the admin user name is empty; set DOCCANO_ADMIN_USER or pass --user")
    return home


@contextlib.contextmanager
def locked_home(home: Path, port: int) -> Iterator[None]:
    """One server per home (a lock held while serving), on a port nobody else uses."""
    lock = file_lock(
        home / ".viner-serve.lock",
        wait=False,
        what=f"{home} is already served by another `viner doccano serve`; stop it first or use another --home",
    )
    with lock:
        if not port_is_free(port):
            raise VinerError(
                f"port {port} on {HOST} is already in use (another server?); stop it or pass another --port"
            )
        yield


def announce_when_ready(
    server: Server, admin: AdminResult, stop: StopRequest, echo: Echo, on_ready: OnReady | None
) -> bool:
    """Wait until the API answers (unless a stop comes first), then report it; False if it never answered."""
    waited = wait_ready(server, cancelled=lambda: bool(stop))
    if waited is None:
        return False
    echo(f"Doccano answered after {waited:.1f} s (logs in {server.home / 'logs'})")
    if on_ready:
        on_ready(server, admin)
    return True
