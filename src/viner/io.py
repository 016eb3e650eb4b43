"""File plumbing shared by every stage: finding inputs, decoding text, atomic writes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .errors import VinerError

BOM = "\ufeff"


def find_files(paths: Sequence[Path | str], suffixes: Sequence[str]) -> list[Path]:
    """Expand files and folders into a sorted list of files with one of ``suffixes``.

    A missing path, or a folder that holds no matching file, is an error naming it.
    A file given explicitly is accepted whatever its suffix (the reader then checks it).
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise VinerError(f"{path}: no such file or folder")
        if path.is_dir():
            matches = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith("."))
            if not matches:
                raise VinerError(f"{path}: folder has no {' or '.join(suffixes)} files")
            found.extend(matches)
        else:
            found.append(path)
    return found


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a whole text file: BOM removed, CRLF/CR turned into LF. Undecodable bytes are an error."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise VinerError(f"{path}: cannot read file ({err.strerror or err})") from err
    return decode(data, path, encoding)


def decode(data: bytes, path: Path | str, encoding: str = "utf-8", line: int | None = None) -> str:
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as err:
        where = f"{path}:{line}" if line else str(path)
        raise VinerError(
            f"{where}: not valid {encoding} (byte {err.start}: {data[err.start:err.start + 1]!r}); "
            f"pass --encoding with the file's real encoding (for example cp1258 or utf-16)"
        ) from err
    except LookupError as err:
        raise VinerError(f"unknown encoding {encoding!r}") from err
    return text.lstrip(BOM).replace("\r\n", "\n").replace("\r", "\n")


def iter_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Stream ``(line_number, line)`` from a text file without loading it whole.

    Lines are decoded one by one, so a bad byte names its line; a BOM on the
    first line and CRLF endings are accepted.
    """
    try:
        handle = path.open("rb")
    except OSError as err:
        raise VinerError(f"{path}: cannot read file ({err.strerror or err})") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            text = decode(raw, path, encoding, line=number)
            yield number, text.rstrip("\n")


@contextlib.contextmanager
def atomic_path(target: Path | str, *, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds.

    An interrupted or failed run leaves the previous output intact and no partial file.
    With ``is_dir`` the temporary path is a folder (for sharded outputs); a previous
    file or folder at ``target`` is replaced either way.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_dir:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        os.chmod(tmp, _default_mode(0o777))  # mkdtemp makes 0700
    else:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        os.chmod(tmp, _default_mode(0o666))  # mkstemp makes 0600; outputs get the usual umask permissions
    try:
        yield tmp
        if target.is_dir() and not target.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            old.rmdir()
            target.rename(old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def _default_mode(base: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def file_target(path: Path | str) -> Path:
    """Check that an output meant to be a file is not an existing folder (which would be replaced whole)."""
    path = Path(path)
    if path.is_dir():
        raise VinerError(f"{path}: is a folder; give a file name for the output (for example {path / 'out.jsonl'})")
    return path


def write_json(data: Any, path: Path | str) -> Path:
    """Write JSON (UTF-8, not ASCII-escaped, indented) atomically."""
    with atomic_path(file_target(path)) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Path(path)


def write_text(text: str, path: Path | str) -> Path:
    with atomic_path(file_target(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def refuse_overwrite(path: Path, force: bool, what: str = "annotations") -> None:
    """Never overwrite annotations unless the user says --force."""
    if path.exists() and not force:
        raise VinerError(f"{path}: already exists and holds {what}; choose another output or pass --force to replace it")


def write_lines(lines: Iterable[str], path: Path | str) -> int:
    """Write lines atomically, streaming; returns how many were written."""
    count = 0
    with atomic_path(file_target(path)) as tmp:
        with tmp.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(line)
                out.write("\n")
                count += 1
    return count
