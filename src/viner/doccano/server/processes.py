"""The two processes of a running Doccano server: start, readiness, supervision, stop.

gunicorn serves Doccano's web app bound to 127.0.0.1 (``doccano webserver`` always binds
0.0.0.0) and ``doccano task`` runs imports and exports (celery tasks that never run
without it). Each runs in its own process group and dies with its parent.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import VinerError
from .environment import backend_dir
from .files import log_tail
from .home import server_environ

HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1


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


def die_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


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

    def log_of(self, name: str) -> Path:
        return self.logs["web" if name == "web server" else "worker"]

    def dead(self) -> tuple[str, int] | None:
        """The first process that has exited, with its status, or None while both run."""
        for name, proc in self.processes():
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the gunicorn master and the celery main process, wait, then SIGKILL what is left of their groups.

        Only the main processes get SIGTERM: each shuts its own children down in order (celery's warm shutdown).
        Signalling the whole group made celery log ``ERROR ... ForkPoolWorker-1 exited with signal 15`` on every
        normal stop."""
        for _, proc in self.processes():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(proc.pid, signal.SIGTERM)
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
        str(env / "bin" / "gunicorn"),
        "--chdir",
        str(backend_dir(env)),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--capture-output",
        "--log-level",
        "info",
        "config.wsgi",
    ]
    worker_cmd = [str(env / "bin" / "doccano"), "task", "--concurrency", "1"]
    procs = []
    try:
        for cmd, log in ((web_cmd, logs["web"]), (worker_cmd, logs["worker"])):
            with log.open("a", encoding="utf-8") as out:
                out.write(f"\n=== viner doccano serve {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(cmd)}\n")
                out.flush()
                procs.append(
                    subprocess.Popen(
                        cmd,
                        env=environ,
                        cwd=home,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        preexec_fn=die_with_parent,
                    )
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
            log = server.log_of(name)
            raise VinerError(
                f"Doccano's {name} exited with status {code} while starting: {log_tail(log, 2)}; see {log}"
            )
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


def supervise(server: Server, stopped: Callable[[], bool], every: float = 0.5) -> None:
    """Return once ``stopped()`` is true; a process that dies before that is an error."""
    while not stopped():
        dead = server.dead()
        if dead:
            name, code = dead
            log = server.log_of(name)
            raise VinerError(f"Doccano's {name} stopped unexpectedly (status {code}): {log_tail(log, 2)}; see {log}")
        time.sleep(every)


@dataclass
class StopRequest:
    """SIGINT and SIGTERM recorded instead of raised, so the server is stopped in order."""

    signals: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.signals)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        previous = {sig: signal.signal(sig, self._record) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _record(self, signum, _frame) -> None:
        self.signals.append(signum)
