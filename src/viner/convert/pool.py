"""Convert's pool: blocks of converted docs kept in an anonymous temporary file until the split is known."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy
import srsly

from ..errors import VinerError
from ..formats.docbin import GOLD_ATTRS
from ..io import os_reason
from ..record import Example
from .rows import GoldRows
from .shards import pack, user_data_bytes

_ARRAYS = {
    "tokens": numpy.uint64,
    "spaces": bool,
    "lengths": numpy.int64,
    "span_counts": numpy.int64,
    "span_labels": numpy.uint64,
}


@dataclass
class Chunk:
    """A block of pooled docs, read back."""

    rows: GoldRows
    user_data: list[bytes]
    groups: numpy.ndarray  # article number of each doc
    files: numpy.ndarray  # input file number of each doc


class Pool:
    """Blocks of converted docs in an anonymous temporary file in ``folder``, until the split is known.

    A block is stored as its arrays' raw bytes (written straight from the arrays, no copy)
    after a small msgpack header with its strings and user data (no compression: writing
    and reading it back costs a few % of tokenising), and read back one at a time.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index: list[tuple[int, int, list[int]]] = []  # offset, header size and array sizes of each block

    def __enter__(self) -> Pool:
        try:
            self.handle = tempfile.TemporaryFile(dir=self.folder, prefix=".viner-convert-")
        except OSError as err:
            raise VinerError(f"{self.folder}: cannot write convert's temporary file there: {os_reason(err)}") from err
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def add(self, rows: GoldRows, examples: Sequence[Example], groups: Sequence[int], files: Sequence[int]) -> None:
        strings = rows.strings
        header = pack(
            {
                "hashes": numpy.fromiter(strings, dtype=numpy.uint64, count=len(strings)).tobytes(),
                "strings": list(strings.values()),
                "user_data": [user_data_bytes(e) for e in examples],
                "groups": numpy.asarray(groups, dtype=numpy.int64).tobytes(),
                "files": numpy.asarray(files, dtype=numpy.int64).tobytes(),
            }
        )
        arrays = [numpy.ascontiguousarray(getattr(rows, name), dtype=dtype) for name, dtype in _ARRAYS.items()]
        self.index.append((self.handle.tell(), len(header), [array.nbytes for array in arrays]))
        self.handle.write(header)
        for array in arrays:
            self.handle.write(array.data)

    def __iter__(self) -> Iterator[Chunk]:
        self.handle.flush()
        unpacker = srsly.msgpack.Unpacker(raw=False)  # one unpacker: making one looks up srsly's registry
        for offset, header_size, sizes in self.index:
            self.handle.seek(offset)
            unpacker.feed(self.handle.read(header_size))
            block = unpacker.unpack()
            arrays = {
                name: numpy.frombuffer(self.handle.read(size), dtype=dtype)
                for (name, dtype), size in zip(_ARRAYS.items(), sizes)
            }
            arrays["tokens"] = arrays["tokens"].reshape((-1, len(GOLD_ATTRS)))
            strings = dict(zip(numpy.frombuffer(block["hashes"], dtype=numpy.uint64).tolist(), block["strings"]))
            rows = GoldRows(strings=strings, **arrays)
            yield Chunk(
                rows,
                block["user_data"],
                numpy.frombuffer(block["groups"], dtype=numpy.int64),
                numpy.frombuffer(block["files"], dtype=numpy.int64),
            )
