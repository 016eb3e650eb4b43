"""File plumbing shared by every stage: finding inputs, decoding text, atomic writes."""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

import orjson

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
            matches = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in suffixes and not _hidden(p.relative_to(path))
            )
            if not matches:
                raise VinerError(f"{path}: folder has no {' or '.join(suffixes)} files")
            found.extend(matches)
        else:
            found.append(path)
    return found


def _hidden(relative: Path) -> bool:
    """A file whose name, or the name of a folder it sits in, starts with "." (temporary outputs, .git)."""
    return any(part.startswith(".") for part in relative.parts)


def check_encoding(encoding: str, option: str = "--encoding") -> str:
    """Fail early, naming the option, when ``encoding`` is not a codec Python knows."""
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError) as err:
        raise VinerError(_unknown_encoding(encoding, option)) from err
    return encoding


def _unknown_encoding(encoding: str, option: str = "--encoding") -> str:
    return f"{option} {encoding!r}: unknown encoding; give a Python codec name, for example utf-8, cp1258 or utf-16"


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """Read a whole text file: BOM removed, CRLF/CR turned into LF. Undecodable bytes are an error."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
    return decode(data, path, encoding)


def os_reason(err: OSError) -> str:
    """The reason of an OS error in lower case, for one-line messages ("permission denied")."""
    reason = err.strerror or str(err)
    return reason[:1].lower() + reason[1:]


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
        raise VinerError(_unknown_encoding(encoding)) from err
    return text.lstrip(BOM).replace("\r\n", "\n").replace("\r", "\n")


def iter_lines(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Stream ``(line_number, line)`` from a text file without loading it whole.

    Lines are decoded one by one, so a bad byte names its line; a BOM on the
    first line and CRLF endings are accepted.
    """
    path = Path(path)
    done = 0
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        # fast path: decode the file as a stream (~3x faster than line by line); a bad byte
        # sends the rest of the file to the line-by-line reader below, which names its line
        try:
            handle = path.open("r", encoding="utf-8-sig", newline="\n")
        except OSError as err:
            raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
        with handle:
            try:
                for line in handle:
                    text = line[:-1] if line[-1:] == "\n" else line
                    if "\r" in text or text[:1] == BOM:
                        text = text.lstrip(BOM).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
                    done += 1
                    yield done, text
                return
            except UnicodeDecodeError:
                pass
    try:
        handle = path.open("rb")
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number <= done:
                continue
            text = decode(raw, path, encoding, line=number)
            yield number, text.rstrip("\n")


class NotJSON(NamedTuple):
    """A line of a JSONL file that is not JSON: the line, and the JSON parser's reason."""

    line: str
    reason: str  # e.g. "Expecting value at column 1"


# orjson reads a line ~1.7x faster than json and from bytes, without decoding them first; it
# differs from json only in what it refuses (handed to json here, for json's message) and in
# integers beyond 64 bits, which it turns into floats: a line with a run of 19 or more digits
# is read by json, so every value comes back as json gives it. (The digit runs are found by
# mapping digits to "0" and the rest to " ": 10x faster than a regular expression. Kept because
# bench/ shows convert would miss its target with json alone or with a regular expression.)
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_NUMBER = b"0" * 19


def iter_json_lines(path: Path | str) -> Iterator[tuple[int, Any]]:
    """Stream ``(line_number, value)`` of each non-blank line of a UTF-8 JSONL file, without loading it whole.

    ``value`` is what ``json.loads`` gives for the line, or :class:`NotJSON` when the line is
    not JSON. A BOM on the first line and CRLF endings are accepted; a byte that is not UTF-8
    is an error naming its line (as :func:`iter_lines`).
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
    loads = orjson.loads
    with handle:
        for number, raw in enumerate(handle, start=1):
            if _LONG_NUMBER not in raw.translate(_DIGITS_AS_ZEROS):
                try:
                    value = loads(raw)
                except orjson.JSONDecodeError:
                    pass
                else:
                    yield number, value
                    continue
            text = decode(raw, path, "utf-8", line=number).rstrip("\n")
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as err:
                yield number, NotJSON(text, f"{err.msg} at column {err.colno}")


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
        if pid == os.getpid() or (pid is not None and _alive(pid)):
            continue
        try:
            if path.lstat().st_mtime >= _STARTED:
                continue
        except OSError:
            continue
        _remove(path)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # exists, owned by someone else (or not a pid we can ask about): keep its files
    return True


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


def file_target(path: Path | str) -> Path:
    """Check that an output meant to be a file is not an existing folder (which would be replaced whole)."""
    path = Path(path)
    if path.is_dir():
        raise VinerError(f"{path}: is a folder; give a file name for the output (for example {path / 'out.jsonl'})")
    _parent_can_be_made(path, "output")
    return path


def _parent_can_be_made(path: Path, option: str) -> None:
    """The first existing folder above ``path`` must be a folder, not a file."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise VinerError(f"{path}: {parent} is a file, so the folder cannot be made; give another {option}")
            return


def folder_target(path: Path | str, option: str = "--output") -> Path:
    """Check, without creating anything, that an output meant to be a folder can be one."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise VinerError(f"{path}: is a file; {option} must be a folder")
    _parent_can_be_made(path, option)
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


def refuse_replacing_spans(path: Path | str, force: bool) -> None:
    """Refuse (without ``force``) to replace a file that may hold annotations.

    For outputs that are derived data but share a format with annotations (units from
    ``corpus build``, a model's predictions): an existing file whose rows carry no span is
    replaced freely (re-running the command is the normal thing to do), one with a span, or
    one that is not Doccano JSONL at all, only with ``--force``.
    """
    path = Path(path)
    if force or not path.is_file():
        return
    why = _what_it_holds(path)
    if why:
        raise VinerError(f"{path}: already exists and {why}; choose another output or pass --force to replace it")


def _what_it_holds(path: Path) -> str | None:
    """Why ``path`` must not be replaced silently, or None when it holds units without spans."""
    spans = rows = 0
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except ValueError:
                    return "is not a JSONL file of units (it may hold someone's work)"
                if not isinstance(row, dict) or "text" not in row:
                    return "is not a JSONL file of units (it may hold someone's work)"
                label = row.get("label", row.get("labels"))
                rows += 1
                if label:
                    spans += len(label) if isinstance(label, list) else 1
    except OSError as err:
        return f"cannot be read to check it holds no annotations ({err.strerror or err})"
    if spans:
        return f"holds annotations ({spans} span(s) in {rows} unit(s))"
    return None


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
