"""Finding input files and reading text: encodings, BOMs and line endings, bad bytes named by their line."""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import VinerError

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
                p
                for p in path.rglob("*")
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
            f"{where}: not valid {encoding} (byte {err.start}: {data[err.start : err.start + 1]!r}); "
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
            stream = path.open("r", encoding="utf-8-sig", newline="\n")
        except OSError as err:
            raise VinerError(f"{path}: cannot read file: {os_reason(err)}") from err
        with stream:
            try:
                for line in stream:
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
