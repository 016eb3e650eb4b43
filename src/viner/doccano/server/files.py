"""File helpers the server modules share: an exclusive lock and the last lines of a log."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from ...errors import VinerError


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True, what: str = "") -> Iterator[None]:
    """Hold an exclusive lock on ``path``; without ``wait`` a held lock is the error ``what``."""
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


def log_tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a log, joined with `` | `` (for one-line error messages)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])
