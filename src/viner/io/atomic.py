"""Atomic writes: an output replaces the previous one only when it is complete."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from .pids import pid_alive
from .targets import file_target, folder_target


@contextlib.contextmanager
def atomic_path(target: Path | str, *, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds.

    An interrupted or failed run leaves the previous output intact and no partial file.
    With ``is_dir`` the temporary path is a folder (for sharded outputs); a previous
    file or folder at ``target`` is replaced either way.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent, target.name)
    prefix = temp_prefix(target.name)
    if is_dir:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=target.parent))
        os.chmod(tmp, _default_mode(0o777))  # mkdtemp makes 0700
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        os.chmod(tmp, _default_mode(0o666))  # mkstemp makes 0600; outputs get the usual umask permissions
    try:
        yield tmp
        if (target.is_dir() and not target.is_symlink()) or (is_dir and target.exists()):
            # os.replace cannot put a folder over a folder or a file: move the old one aside first
            old = Path(tempfile.mkdtemp(prefix=prefix, suffix=".old", dir=target.parent))
            old.rmdir()
            target.rename(old)
            os.replace(tmp, target)
            _remove(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


# When this process started: a temporary file of a dead run is only removed when it is older.
_STARTED = time.time()


def temp_prefix(name: str) -> str:
    """Prefix of the temporary siblings of an output ``name``: hidden, and tagged with this process id."""
    return f".{name}.{os.getpid()}."


def remove_stale_temps(folder: Path, name: str) -> list[Path]:
    """Remove the temporary siblings of output ``name`` left in ``folder`` by a run that was killed.

    ``atomic_path`` cleans up after itself on any error or Ctrl-C, but not after SIGKILL, a
    crash of the interpreter or a power cut: then a hidden ``.NAME.<pid>.<random>.tmp`` (or
    ``.old``) stays behind. It is invisible to viner's and spaCy's folder readers (both skip
    hidden names) but wastes space, so the next run that writes ``NAME`` removes it, when
    the process that made it is gone and it is older than this run (a concurrent run
    writing the same output keeps its own). Names without a process id come from older
    versions of viner and are removed when older than this run.
    """
    pattern = re.compile(r"\." + re.escape(name) + r"\.(?:(\d+)\.)?[A-Za-z0-9_]{8}\.(?:tmp|old)")
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(f".{name}.")]
    except OSError:
        return removed
    for path in candidates:
        match = pattern.fullmatch(path.name)
        if not match:
            continue
        pid = int(match.group(1)) if match.group(1) else None
        if pid == os.getpid() or pid_alive(pid):
            continue
        try:
            if path.lstat().st_mtime >= _STARTED:
                continue
        except OSError:
            continue
        _remove(path)
        removed.append(path)
    return removed


def _default_mode(base: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_json(data: Any, path: Path | str) -> Path:
    """Write JSON (UTF-8, not ASCII-escaped, indented) atomically."""
    with atomic_path(file_target(path)) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Path(path)


def write_text(text: str, path: Path | str) -> Path:
    with atomic_path(file_target(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_lines(lines: Iterable[str], path: Path | str) -> int:
    """Write lines atomically, streaming; returns how many were written."""
    count = 0
    with atomic_path(file_target(path)) as tmp, tmp.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line)
            out.write("\n")
            count += 1
    return count


def write_line_shards(lines: Iterable[str], folder: Path | str, per_shard: int) -> int:
    """Write lines as a folder of shards (``part-00000.jsonl``, ...) of ``per_shard`` lines each, atomically:
    the folder appears (or replaces the previous one) only when every shard is complete. Returns the lines written."""
    count = 0
    with atomic_path(folder_target(folder), is_dir=True) as tmp:
        out: TextIO | None = None
        try:
            for line in lines:
                if out is None or count % per_shard == 0:
                    if out is not None:
                        out.close()
                    out = (tmp / f"part-{count // per_shard:05d}.jsonl").open("w", encoding="utf-8")
                out.write(line)
                out.write("\n")
                count += 1
        finally:
            if out is not None:
                out.close()
    return count
