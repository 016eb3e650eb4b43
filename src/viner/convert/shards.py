"""Writing gold rows as DocBin files, one file per output or a folder of shards, made in a background thread;
the fast maker's bytes (those spaCy's ``DocBin.to_bytes`` makes, built from the rows at once: :mod:`.docbins`)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import numpy
import srsly
from spacy.tokens import DocBin

from ..errors import VinerError
from ..formats.docbin import GOLD_ATTRS, USER_DATA_KEY
from ..record import Example
from .rows import GoldRows, unique_values

_zlib: ModuleType
try:  # ISA-L's zlib: the same format, 3x faster to compress than zlib at level 1, similar size
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal has wheels for the usual platforms; zlib does the same, slower
    _zlib = zlib

ZLIB_LEVEL = 1
_NO_SPAN_GROUPS = b"\x90"  # Doc.spans.to_bytes() of a doc without span groups: an empty msgpack list
_GOLD_BIN = DocBin(attrs=GOLD_ATTRS)
_PACKER = srsly.msgpack.Packer(use_bin_type=True)


def pack(value) -> bytes:
    """``srsly.msgpack_dumps(value)`` for plain values, with one reused packer (``msgpack_dumps`` makes
    a new one per call, which rescans Python's entry points: ~0.6 ms)."""
    return _PACKER.pack(value)


def compress(data: bytes) -> bytes:
    """The bytes of a DocBin file from its message (:func:`docbin_msgpack`): a zlib stream at level 1
    (spaCy uses 6: 3-4x slower, files ~2/3 the size), made by ISA-L when installed (3x faster
    than zlib), which spaCy's ``zlib.decompress`` reads. Both release the GIL while they work."""
    return _zlib.compress(data, ZLIB_LEVEL)


def user_data_bytes(example: Example) -> bytes:
    """What a DocBin stores as the ``user_data`` of ``example_to_doc(nlp, example)``."""
    return pack({USER_DATA_KEY: {"id": example.id, "meta": example.meta}})


def docbin_msgpack(bin_: DocBin, tokens, spaces, lengths, strings, cats, flags, span_groups, user_data) -> bytes:
    """The message spaCy's ``DocBin.to_bytes`` compresses (``bin_`` gives the version and the attrs)."""
    msg = {
        "version": bin_.version,
        "attrs": bin_.attrs,
        "tokens": tokens.tobytes("C"),
        "spaces": spaces.tobytes("C"),
        "lengths": lengths.tobytes("C"),
        "strings": sorted(strings),
        "cats": cats,
        "flags": flags,
        "span_groups": span_groups,
        "user_data": user_data,
    }
    return pack(msg)


def gold_docbin_msgpack(blocks: Sequence[GoldRows], user_data: Sequence[bytes]) -> bytes:
    """The DocBin message of the docs of ``blocks`` (compress it with :func:`compress`): the same
    bytes as adding ``example_to_doc`` of each example to a ``DocBin(GOLD_ATTRS, store_user_data=True)``,
    built from the arrays at once (``tests/test_gold_rows.py`` checks it). ``user_data`` holds
    :func:`user_data_bytes` of each doc.
    """
    count = sum(len(block.lengths) for block in blocks)
    if count != len(user_data):
        raise VinerError(f"internal error: {count} docs but {len(user_data)} user data")
    if blocks:
        tokens = numpy.vstack([block.tokens for block in blocks])
        spaces = numpy.concatenate([block.spaces for block in blocks]).reshape(-1, 1)
        lengths = numpy.concatenate([block.lengths for block in blocks]).astype("int32")
    else:
        tokens, spaces, lengths = numpy.asarray([]), numpy.asarray([]), numpy.asarray([], dtype="int32")
    strings: set[str] = set()
    if len(tokens):
        table = blocks[0].strings
        if any(block.strings is not table for block in blocks):
            table = {}
            for block in blocks:
                table.update(block.strings)
        strings = {table[value] for value in unique_values(tokens[:, [0, 1, 3]]).tolist()}
    return docbin_msgpack(
        _GOLD_BIN,
        tokens,
        spaces,
        lengths,
        strings,
        [{}] * count,
        [{"has_unknown_spaces": False}] * count,
        [_NO_SPAN_GROUPS] * count,
        list(user_data),
    )


Encoder = Callable[[], bytes]  # makes the bytes of one DocBin file
EncoderOf = Callable[[Sequence[GoldRows], Sequence[bytes]], Encoder]  # the docs of rows and their user data


def write_shard(encode: Encoder, path: Path) -> None:
    """Make a DocBin file's bytes and write them to ``path``."""
    path.write_bytes(encode())


class Background:
    """One thread that makes (compresses) and writes DocBin files (zlib/ISA-L release the GIL, so this
    overlaps with the main thread's work); at most two files wait, so memory stays flat."""

    def __enter__(self) -> Background:
        self.executor = ThreadPoolExecutor(max_workers=1)
        self.waiting: list[Future] = []
        return self

    def submit(self, encode: Encoder, path: Path) -> Future:
        while len(self.waiting) >= 2:
            self.waiting.pop(0).result()
        future = self.executor.submit(write_shard, encode, path)
        self.waiting.append(future)
        return future

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True)


class DocBinWriter:
    """Writes docs to ``path``: one DocBin file, or (``sharded``) a folder of DocBin shards of
    ``shard_size`` docs each, made by ``encoder`` (see :mod:`.docbins`) and written by ``background``.
    ``path`` is a temporary path of :func:`viner.io.atomic_path`, which the caller enters and leaves."""

    def __init__(self, path: Path, sharded: bool, shard_size: int, background: Background, encoder: EncoderOf) -> None:
        self.path, self.sharded, self.shard_size, self.background = path, sharded, shard_size, background
        self.encoder = encoder
        self.shards = 0
        self.pending: list[Future] = []  # one per file written: each is checked by finish()
        self.blocks: list[GoldRows] = []
        self.user_data: list[bytes] = []

    def add(self, rows: GoldRows, user_data: Sequence[bytes]) -> None:
        start, count = 0, len(rows.lengths)
        while start < count:
            stop = min(count, start + self.shard_size - len(self.user_data)) if self.sharded else count
            self.blocks.append(rows.slice(start, stop) if (start, stop) != (0, count) else rows)
            self.user_data.extend(user_data[start:stop])
            start = stop
            if self.sharded and len(self.user_data) >= self.shard_size:
                self._write(self.path / f"{self.shards:05d}.spacy")

    def finish(self) -> None:
        """Write what is left and wait for every file: raises what writing one raised."""
        if not self.sharded:
            self._write(self.path)
        elif self.user_data or not self.shards:
            self._write(self.path / f"{self.shards:05d}.spacy")
        for future in self.pending:
            future.result()

    def _write(self, path: Path) -> None:
        encode = self.encoder(self.blocks, self.user_data)
        self.shards += 1
        self.blocks, self.user_data = [], []
        self.pending.append(self.background.submit(encode, path))
