"""Run a local Doccano 1.8.4 server for viner: own environment, loopback only, foreground.

Doccano cannot live in viner's environment (it needs pydantic 2, doccano-client 1.2.8
needs pydantic 1), so :func:`ensure_env` builds it once in its own virtual environment,
shared by every home folder and by the tests (``VINER_DOCCANO_ENV``, default
``~/.cache/viner/doccano-1.8.4``). :func:`serve` then

1. initialises the database in the home folder (first start only),
2. creates the admin account unless it exists (``doccano createuser`` would reset an
   existing password, so viner never calls it; the password travels through the
   environment of one short-lived process, never on a command line or in a log),
3. starts gunicorn bound to 127.0.0.1 (``doccano webserver`` always binds 0.0.0.0)
   and ``doccano task`` (imports and exports are celery tasks that never run without it),
4. waits until the API answers, reports the URL, and stays in the foreground until
   SIGINT or SIGTERM, then stops both processes.

Everything lives in the home folder (``db.sqlite3``, ``media/``, ``logs/``,
``secret_key``), so a second start on the same home keeps every project, user and
annotation.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import VinerError
from ..io import folder_target

DOCCANO_VERSION = "1.8.4"
#: Measured pins: without numpy<2 pandas dies at import and the web server never answers;
#: without marshmallow<4 every doccano command fails (no ``__version_info__``).
SERVER_REQUIREMENTS = (f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4")
READY_MARKER = ".viner-ready"
INIT_MARKER = ".viner-initialised"
DEFAULT_PORT = 8000
DEFAULT_HOME = Path(".doccano")
HOST = "127.0.0.1"

Echo = Callable[[str], None]


def default_env() -> Path:
    """Where Doccano's own environment lives: ``$VINER_DOCCANO_ENV`` or the user cache."""
    configured = os.environ.get("VINER_DOCCANO_ENV")
    if configured:
        return Path(configured).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "viner" / f"doccano-{DOCCANO_VERSION}"


def env_is_ready(env: Path) -> bool:
    marker = env / READY_MARKER
    return marker.is_file() and marker.read_text().strip() == " ".join(SERVER_REQUIREMENTS) and (env / "bin" / "gunicorn").exists()


@contextlib.contextmanager
def _file_lock(path: Path, *, wait: bool = True, what: str = "") -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise VinerError(what or f"{path} is locked by another process") from None
        yield
    finally:
        handle.close()


def ensure_env(env: Path | None = None, echo: Echo = print, python: str | None = None) -> Path:
    """Build Doccano's environment at ``env`` unless it is already complete; returns ``env``.

    The build takes about a minute and happens once per machine; a lock file makes
    concurrent first starts wait for one build instead of racing. A half-built
    environment (interrupted earlier) is rebuilt from scratch.
    """
    env = Path(env or default_env()).expanduser().absolute()
    if env_is_ready(env):
        return env
    with _file_lock(env.parent / f".{env.name}.lock"):
        if env_is_ready(env):
            return env
        if env.exists():
            if not env.is_dir():
                raise VinerError(f"{env}: is a file; --env (or VINER_DOCCANO_ENV) must be a folder for Doccano's environment")
            if any(env.iterdir()) and not (env / "pyvenv.cfg").exists():
                raise VinerError(
                    f"{env} exists but is not a Doccano environment built by viner; "
                    "remove it or point VINER_DOCCANO_ENV somewhere else"
                )
            shutil.rmtree(env)
        python = python or os.environ.get("VINER_DOCCANO_PYTHON") or sys.executable
        log = env.parent / f"{env.name}.build.log"
        echo(
            f"Building Doccano's own environment in {env} (once per machine, about a minute): "
            f"pip install {' '.join(SERVER_REQUIREMENTS)}"
        )
        started = time.monotonic()
        with log.open("w", encoding="utf-8") as out:
            steps = [
                [python, "-m", "venv", str(env)],
                [str(env / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", *SERVER_REQUIREMENTS],
            ]
            for step in steps:
                out.write(f"$ {' '.join(step)}\n")
                out.flush()
                try:
                    result = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                except OSError as err:
                    raise VinerError(f"cannot run {step[0]} to build Doccano's environment ({err}); set VINER_DOCCANO_PYTHON to a Python 3.10/3.11") from err
                if result.returncode != 0:
                    tail = _tail(log, 3)
                    raise VinerError(
                        f"building Doccano's environment failed (exit {result.returncode}): {tail}; "
                        f"full log: {log}; check that pip can reach the package registry and retry"
                    )
        (env / READY_MARKER).write_text(" ".join(SERVER_REQUIREMENTS) + "\n")
        echo(f"Doccano's environment is ready ({time.monotonic() - started:.0f} s, log: {log})")
    return env


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])


def backend_dir(env: Path) -> Path:
    found = sorted(env.glob("lib/python3*/site-packages/backend"))
    if not found:
        raise VinerError(f"{env} has no Doccano backend; delete the folder so viner rebuilds it")
    return found[0]


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
        SECRET_KEY=_secret_key(home),
        PYTHONUNBUFFERED="1",
        PATH=f"{env / 'bin'}{os.pathsep}{environ.get('PATH', '')}",
    )
    return environ


def _secret_key(home: Path) -> str:
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
            [str(env / "bin" / "doccano"), "init"], env=server_environ(env, home), cwd=home,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        raise VinerError(f"`doccano init` failed (exit {result.returncode}): {_tail(log, 2)}; see {log}")
    (home / INIT_MARKER).write_text(DOCCANO_VERSION + "\n")


_ENSURE_ADMIN = r"""
import os, sys
sys.path.insert(0, os.environ["VINER_BACKEND"])
import django
django.setup()
from django.contrib.auth import get_user_model
User = get_user_model()
name = os.environ["VINER_ADMIN_USER"]
password = os.environ["VINER_ADMIN_PASSWORD"]
user = User.objects.filter(username=name).first()
if user is None:
    User.objects.create_superuser(name, os.environ["VINER_ADMIN_EMAIL"], password)
    print("created")
elif not user.is_superuser:
    print("not-admin")
elif user.check_password(password):
    print("exists")
else:
    print("exists-other-password")
"""


@dataclass
class AdminResult:
    username: str
    status: str  # created | exists | exists-other-password | not-admin
    password: str | None = field(default=None, repr=False)  # only when generated now


def ensure_admin(env: Path, home: Path, username: str, password: str | None, email: str = "admin@example.com") -> AdminResult:
    """Create the admin unless it exists; never changes an existing password.

    Without ``password`` a random one is generated and returned (for printing once).
    """
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    environ = server_environ(env, home)
    environ.update(VINER_BACKEND=str(backend_dir(env)), VINER_ADMIN_USER=username, VINER_ADMIN_PASSWORD=password, VINER_ADMIN_EMAIL=email)
    result = subprocess.run(
        [str(env / "bin" / "python"), "-c", _ENSURE_ADMIN], env=environ, cwd=home,
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    status = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0 or status not in ("created", "exists", "exists-other-password", "not-admin"):
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise VinerError(f"could not create the Doccano admin {username!r}: {last}")
    return AdminResult(username, status, password if generated and status == "created" else None)


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    """The two running processes of one Doccano server."""

    url: str
    home: Path
    web: subprocess.Popen
    worker: subprocess.Popen
    logs: dict[str, Path]

    def processes(self) -> list[tuple[str, subprocess.Popen]]:
        return [("web server", self.web), ("task worker", self.worker)]

    def dead(self) -> tuple[str, int] | None:
        for name, proc in self.processes():
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM both process groups, wait, then SIGKILL what is left."""
        for _, proc in self.processes():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in self.processes():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for _, proc in self.processes():  # leftovers of the groups (gunicorn or celery children)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)


def start(env: Path, home: Path, port: int, workers: int = 2) -> Server:
    """Start gunicorn (127.0.0.1 only) and the celery worker; returns without waiting for readiness."""
    environ = server_environ(env, home)
    logs = {"web": home / "logs" / "webserver.log", "worker": home / "logs" / "worker.log"}
    web_cmd = [
        str(env / "bin" / "gunicorn"), "--chdir", str(backend_dir(env)), "--bind", f"{HOST}:{port}",
        "--workers", str(workers), "--timeout", "120", "--capture-output", "--log-level", "info", "config.wsgi",
    ]
    worker_cmd = [str(env / "bin" / "doccano"), "task", "--concurrency", "1"]
    procs = []
    try:
        for cmd, log in ((web_cmd, logs["web"]), (worker_cmd, logs["worker"])):
            with log.open("a", encoding="utf-8") as out:
                out.write(f"\n=== viner doccano serve {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(cmd)}\n")
                out.flush()
                procs.append(
                    subprocess.Popen(cmd, env=environ, cwd=home, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
                )
    except OSError as err:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        raise VinerError(f"cannot start Doccano ({err}); delete {env} so viner rebuilds it") from err
    return Server(url=f"http://{HOST}:{port}", home=home, web=procs[0], worker=procs[1], logs=logs)


def wait_ready(server: Server, timeout: float = 90.0, cancelled: Callable[[], bool] = lambda: False) -> float | None:
    """Poll the API until it answers (403 without login is an answer); returns the seconds waited.

    Returns None when ``cancelled()`` becomes true first (Ctrl-C during the start).
    """
    started = time.monotonic()
    while True:
        if cancelled():
            return None
        dead = server.dead()
        if dead:
            name, code = dead
            log = server.logs["web" if name == "web server" else "worker"]
            raise VinerError(f"Doccano's {name} exited with status {code} while starting: {_tail(log, 2)}; see {log}")
        try:
            with urllib.request.urlopen(f"{server.url}/v1/projects", timeout=2) as response:
                response.read()
            return time.monotonic() - started
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):
                return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - started > timeout:
            raise VinerError(f"Doccano did not answer on {server.url} within {timeout:.0f} s; see {server.logs['web']}")
        time.sleep(0.25)


def serve(
    port: int = DEFAULT_PORT,
    home: Path = DEFAULT_HOME,
    env: Path | None = None,
    *,
    username: str = "admin",
    password: str | None = None,
    workers: int = 2,
    echo: Echo = print,
    on_ready: Callable[[Server, AdminResult], None] | None = None,
) -> Server:
    """Prepare and start a Doccano server, block until SIGINT/SIGTERM, then stop it.

    ``on_ready`` is called once the API answers (the CLI prints the URL and, when it was
    generated, the admin password there). Returns the stopped server.
    """
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
    lock = _file_lock(home / ".viner-serve.lock", wait=False, what=f"{home} is already served by another `viner doccano serve`; stop it first or use another --home")
    with lock:
        if not port_is_free(port):
            raise VinerError(f"port {port} on {HOST} is already in use (another server?); stop it or pass another --port")
        env = ensure_env(env, echo)
        init_home(env, home, echo)
        admin = ensure_admin(env, home, username, password)
        stop_requested: list[int] = []
        previous = {}

        def request_stop(signum, _frame):
            stop_requested.append(signum)

        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, request_stop)
        server = start(env, home, port, workers)
        try:
            waited = wait_ready(server, cancelled=lambda: bool(stop_requested))
            if waited is not None:
                echo(f"Doccano answered after {waited:.1f} s (logs in {home / 'logs'})")
                if on_ready:
                    on_ready(server, admin)
            while not stop_requested:
                dead = server.dead()
                if dead:
                    name, code = dead
                    log = server.logs["web" if name == "web server" else "worker"]
                    raise VinerError(f"Doccano's {name} stopped unexpectedly (status {code}): {_tail(log, 2)}; see {log}")
                time.sleep(0.5)
            echo("Stopping Doccano (web server and task worker)...")
        finally:
            server.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        echo("Doccano stopped; projects, users and annotations are kept in " + str(home))
        return server
