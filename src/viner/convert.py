"""Span files (Doccano JSONL) -> train/dev/test DocBins, split by article."""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy
import srsly

from .errors import InvalidInput, VinerError
from .formats import docbin, doccano_jsonl
from .io import atomic_path, fewer_gc_passes, find_files, os_reason, write_json
from .pipeline import VOCAB_BLOCK, tokenizer_from_config, vocab_zone
from .record import DEFAULT_LABELS, Example, IdSet, Problem
from .split import SPLIT_NAMES, assign_splits


@dataclass
class MisalignedSpan:
    path: str
    line: int
    text: str
    label: str
    tokens: list[str]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: span {self.text!r} ({self.label}) does not align with tokens {' | '.join(self.tokens)}"


@dataclass
class ConvertReport:
    files: list[Path] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)
    articles: dict[str, int] = field(default_factory=dict)
    spans: dict[str, Counter] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    misaligned: list[MisalignedSpan] = field(default_factory=list)
    misaligned_policy: str = "keep"
    outputs: dict[str, Path] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "inputs": [str(p) for p in self.files],
            "units": self.units,
            "articles": self.articles,
            "spans": {k: dict(sorted(v.items())) for k, v in self.spans.items()},
            "duplicates_skipped": self.duplicates,
            "misaligned_policy": self.misaligned_policy,
            "misaligned": [vars(m) for m in self.misaligned],
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


def convert(
    paths: Sequence[Path | str],
    output_dir: Path | str,
    *,
    config: Path | str = "configs/ner.cfg",
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    misaligned: str = "keep",
    per_file: bool = False,
    shard_size: int = 5000,
    shard_docs: int | None = None,
    on_misaligned: Callable[[MisalignedSpan], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
    every: int = 10000,
    block_size: int = 1000,
    vocab_block: int = VOCAB_BLOCK,
) -> ConvertReport:
    """Validate the span files, split them by article and write ``train/dev/test.spacy``.

    With ``per_file`` there is no split: each input file becomes ``<its name>.spacy``
    (for corpora that come with their own splits, such as VLSP's train and dev files).
    The input is read once: each line is validated, and the valid units are tokenised in
    blocks of ``block_size`` into a temporary file beside the output (about 1.6 KB a unit),
    because the split needs every article's size; then the blocks are routed to their
    outputs. Invalid input raises :class:`InvalidInput` with every problem, and nothing is
    written. An output with more than ``shard_size`` docs is written as a folder ``NAME.spacy/`` of
    DocBin shards of ``shard_docs`` docs each (default: ``min(shard_size, 1000)``), which
    ``spacy train`` reads like a single file; only one block and one shard per output are
    in memory at a time, so memory stays flat however large the corpus.
    """
    output_dir = Path(output_dir)
    report = ConvertReport(files=find_files(paths, doccano_jsonl.SUFFIXES), misaligned_policy=misaligned)
    if misaligned not in docbin.MISALIGNED:
        raise VinerError(f"unknown misaligned policy {misaligned!r}: choose keep or drop")
    if output_dir.exists() and not output_dir.is_dir():
        raise VinerError(f"{output_dir}: is a file; --output must be a folder (for train.spacy, dev.spacy, test.spacy)")
    if per_file:
        names = [p.stem for p in report.files]
        clash = {n for n in names if names.count(n) > 1}
        if clash:
            raise VinerError(f"--per-file: several inputs are named {', '.join(sorted(clash))}; rename them so each output name is unique")
    else:
        names = list(SPLIT_NAMES)
    nlp = docbin.lean_vocab(tokenizer_from_config(config))
    with fewer_gc_passes(), _Pool(_existing_folder(output_dir)) as pool:
        articles = _pool_blocks(
            pool, nlp, report, labels=labels, misaligned=misaligned, on_misaligned=on_misaligned,
            progress=progress, every=every, block_size=block_size, vocab_block=vocab_block,
        )
        assignment: dict[str, str] = {}
        if per_file:
            route_of_doc = lambda chunk: chunk.files  # noqa: E731
            sizes = Counter(dict(zip(names, articles.file_sizes)))
        else:
            assignment = assign_splits(dict(zip(articles.numbers, articles.sizes)), ratios, seed)
            route_of_group = numpy.asarray([names.index(assignment[group]) for group in articles.numbers], dtype=numpy.int64)
            route_of_doc = lambda chunk: route_of_group[chunk.groups]  # noqa: E731
            sizes = Counter()
            for group, size in zip(articles.numbers, articles.sizes):
                sizes[assignment[group]] += size
        shard_docs = shard_docs or min(shard_size, 1000)
        targets = {name: (output_dir / f"{name}.spacy", sizes[name] > shard_size) for name in names}
        _write_outputs(pool, route_of_doc, targets, shard_docs, report, progress, every)
    # The report describes the outputs, so it is written once they are all in place.
    manifest = report.as_dict()
    manifest.update({"seed": seed, "ratios": None if per_file else list(ratios), "config": str(config), "assignment": assignment, "shard_size": shard_size, "shard_docs": shard_docs})
    write_json(manifest, output_dir / "convert-report.json")
    return report


@dataclass
class _Articles:
    numbers: dict[str, int] = field(default_factory=dict)  # article -> its number
    sizes: list[int] = field(default_factory=list)  # units of each article
    file_sizes: list[int] = field(default_factory=list)  # units of each input file


def _pool_blocks(pool: "_Pool", nlp, report: ConvertReport, *, labels, misaligned, on_misaligned, progress, every, block_size, vocab_block) -> _Articles:
    """Read, validate and tokenise every input into ``pool``, ``block_size`` units at a time;
    count the units of each article.

    Raises :class:`InvalidInput` with every problem of the input (after the first one, the
    rest is only validated).
    """
    problems: list[Problem] = []
    articles = _Articles(file_sizes=[0] * len(report.files))
    seen = IdSet()  # ~16 bytes a unit: the only thing kept per unit
    numbers_of = articles.numbers
    sizes, file_sizes = articles.sizes, articles.file_sizes
    block = _Block()
    converted = 0
    for file_number, path in enumerate(report.files):
        for line, example in doccano_jsonl.read_located(path, labels, problems.append):
            if not seen.add(example.id):
                report.duplicates.append(f"{path}:{line}")
                continue
            meta = example.meta
            group = meta.get("source") or meta.get("article") or example.id  # Example.group, inlined
            if type(group) is not str:
                group = str(group)
            number = numbers_of.get(group)
            if number is None:
                number = numbers_of[group] = len(sizes)
                sizes.append(0)
            sizes[number] += 1
            file_sizes[file_number] += 1
            if problems:  # after the first problem, only validation goes on
                continue
            block.examples.append(example)
            block.places.append((file_number, line))
            block.articles.append(number)
            if len(block.examples) == block_size:
                converted = _pool_block(pool, nlp, block, report, converted, misaligned, on_misaligned, progress, every, vocab_block)
                block = _Block()
    if problems:
        raise InvalidInput(problems)
    if block.examples:
        _pool_block(pool, nlp, block, report, converted, misaligned, on_misaligned, progress, every, vocab_block)
    if not articles.numbers:
        raise VinerError(f"{', '.join(map(str, report.files))}: no units to convert (empty file(s)); nothing was written")
    return articles


@dataclass
class _Block:
    examples: list[Example] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)  # file number and line of each example
    articles: list[int] = field(default_factory=list)  # article number of each example


def _pool_block(pool: "_Pool", nlp, block: _Block, report: ConvertReport, converted: int, misaligned, on_misaligned, progress, every, vocab_block) -> int:
    """Tokenise a block of examples into ``pool``; returns the count of units converted so far."""
    position: dict[int, int] = {}  # id() of an example -> its place in the block, made at the first misaligned span

    def note(m: docbin.Misaligned) -> None:
        if not position:
            position.update((id(example), i) for i, example in enumerate(block.examples))
        file_number, line = block.places[position[id(m.example)]]
        item = MisalignedSpan(str(report.files[file_number]), line, m.span.text_in(m.example.text), m.span.label, m.tokens)
        report.misaligned.append(item)
        if on_misaligned is not None:
            on_misaligned(item)

    # bounded vocabulary (see pipeline.VOCAB_BLOCK): the rows keep their strings past the zone
    with vocab_zone(nlp, converted, vocab_block):
        rows = docbin.gold_rows(nlp, block.examples, misaligned, note)
    pool.add(rows, block.examples, block.articles, [file_number for file_number, _ in block.places])
    before, converted = converted, converted + len(block.examples)
    if progress is not None and converted // every > before // every:
        progress("converted", converted)
    return converted


def _write_outputs(pool: "_Pool", route_of_doc, targets: dict[str, tuple[Path, bool]], shard_docs: int, report: ConvertReport, progress, every) -> None:
    """Route the pooled docs to their outputs (``route_of_doc(chunk)``: each doc's output number)
    and write them; fills the report's counts and outputs."""
    names = list(targets)
    report.units = {name: 0 for name in names}
    report.spans = {name: Counter() for name in names}
    articles: set[int] = set()  # route * ROUTE_SPAN + article number, for each article of each output
    with _Background() as background, contextlib.ExitStack() as stack:
        writers = [stack.enter_context(_DocBinWriter(path, sharded, shard_docs, background)) for path, sharded in targets.values()]
        written = 0
        for chunk in pool:
            routes = route_of_doc(chunk)
            articles.update(numpy.unique(routes * _ROUTE_SPAN + chunk.groups).tolist())
            for number, name in enumerate(names):
                docs = routes == number
                count = int(docs.sum())
                if not count:
                    continue
                rows = chunk.rows.select(docs)
                writers[number].add(rows, [chunk.user_data[i] for i in numpy.flatnonzero(docs).tolist()])
                report.units[name] += count
                report.spans[name].update(rows.label_counts())
            before, written = written, written + len(chunk.groups)
            if progress is not None and written // every > before // every:
                progress("written", written)
    routes_of_articles = Counter(key // _ROUTE_SPAN for key in articles)
    report.articles = {name: routes_of_articles[number] for number, name in enumerate(names)}
    report.outputs = {name: writer.target for name, writer in zip(names, writers)}


_ROUTE_SPAN = 1 << 40  # more article numbers than any corpus has


def _existing_folder(path: Path) -> Path:
    """``path`` or its nearest existing parent folder (for temporary files on the output's disk)."""
    path = path.absolute()
    while not path.is_dir():
        path = path.parent
    return path


@dataclass
class _Chunk:
    rows: docbin.GoldRows
    user_data: list[bytes]
    groups: numpy.ndarray  # article number of each doc
    files: numpy.ndarray  # input file number of each doc


class _Pool:
    """Blocks of converted docs in an anonymous temporary file, until the split is known.

    A block is stored as its arrays' raw bytes (written straight from the arrays, no copy)
    after a small msgpack header with its strings and user data (no compression: writing
    and reading it back costs a few % of tokenising), and read back one at a time.
    """

    _ARRAYS = {"tokens": numpy.uint64, "spaces": bool, "lengths": numpy.int64, "span_counts": numpy.int64, "span_labels": numpy.uint64}

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index: list[tuple[int, int, list[int]]] = []  # offset, header size and array sizes of each block

    def __enter__(self) -> "_Pool":
        try:
            self.handle = tempfile.TemporaryFile(dir=self.folder, prefix=".viner-convert-")
        except OSError as err:
            raise VinerError(f"{self.folder}: cannot write convert's temporary file there: {os_reason(err)}") from err
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def add(self, rows: docbin.GoldRows, examples: Sequence[Example], groups: Sequence[int], files: Sequence[int]) -> None:
        strings = rows.strings
        header = docbin.pack({
            "hashes": numpy.fromiter(strings, dtype=numpy.uint64, count=len(strings)).tobytes(), "strings": list(strings.values()),
            "user_data": [docbin.user_data_bytes(e) for e in examples],
            "groups": numpy.asarray(groups, dtype=numpy.int64).tobytes(), "files": numpy.asarray(files, dtype=numpy.int64).tobytes(),
        })
        arrays = [numpy.ascontiguousarray(getattr(rows, name), dtype=dtype) for name, dtype in self._ARRAYS.items()]
        self.index.append((self.handle.tell(), len(header), [array.nbytes for array in arrays]))
        self.handle.write(header)
        for array in arrays:
            self.handle.write(array.data)

    def __iter__(self) -> Iterator[_Chunk]:
        self.handle.flush()
        unpacker = srsly.msgpack.Unpacker(raw=False)  # one unpacker: making one looks up srsly's registry
        for offset, header_size, sizes in self.index:
            self.handle.seek(offset)
            unpacker.feed(self.handle.read(header_size))
            block = unpacker.unpack()
            arrays = {name: numpy.frombuffer(self.handle.read(size), dtype=dtype) for (name, dtype), size in zip(self._ARRAYS.items(), sizes)}
            arrays["tokens"] = arrays["tokens"].reshape((-1, len(docbin.GOLD_ATTRS)))
            strings = dict(zip(numpy.frombuffer(block["hashes"], dtype=numpy.uint64).tolist(), block["strings"]))
            rows = docbin.GoldRows(strings=strings, **arrays)
            yield _Chunk(rows, block["user_data"], numpy.frombuffer(block["groups"], dtype=numpy.int64), numpy.frombuffer(block["files"], dtype=numpy.int64))


class _Background:
    """One thread that compresses and writes DocBin files (zlib/ISA-L release the GIL, so this
    overlaps with the main thread's work); at most two files wait, so memory stays flat."""

    def __enter__(self) -> "_Background":
        self.executor = ThreadPoolExecutor(max_workers=1)
        self.waiting: list[Future] = []
        return self

    def submit(self, data: bytes, path: Path) -> Future:
        while len(self.waiting) >= 2:
            self.waiting.pop(0).result()
        future = self.executor.submit(_write_docbin, data, path)
        self.waiting.append(future)
        return future

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True)


class _DocBinWriter:
    """Writes docs to ``target`` atomically: one DocBin file, or a folder of DocBin shards
    (compressed and written by ``background``)."""

    def __init__(self, target: Path, sharded: bool, shard_size: int, background: _Background) -> None:
        self.target, self.sharded, self.shard_size, self.background = target, sharded, shard_size, background
        self.shards = 0
        self.pending: list[Future] = []  # one per file written: each is checked at the end

    def __enter__(self) -> "_DocBinWriter":
        self._atomic = atomic_path(self.target, is_dir=self.sharded)
        self.tmp = self._atomic.__enter__()
        self.blocks: list[docbin.GoldRows] = []
        self.user_data: list[bytes] = []
        return self

    def add(self, rows: docbin.GoldRows, user_data: Sequence[bytes]) -> None:
        start, count = 0, len(rows.lengths)
        while start < count:
            stop = min(count, start + self.shard_size - len(self.user_data)) if self.sharded else count
            self.blocks.append(rows.slice(start, stop) if (start, stop) != (0, count) else rows)
            self.user_data.extend(user_data[start:stop])
            start = stop
            if self.sharded and len(self.user_data) >= self.shard_size:
                self._write(self.tmp / f"{self.shards:05d}.spacy")

    def _write(self, path: Path) -> None:
        data = docbin.gold_docbin_msgpack(self.blocks, self.user_data)
        self.shards += 1
        self.blocks, self.user_data = [], []
        self.pending.append(self.background.submit(data, path))

    def __exit__(self, *exc) -> bool | None:
        try:
            if exc[0] is None:
                if not self.sharded:
                    self._write(self.tmp)
                elif self.user_data or not self.shards:
                    self._write(self.tmp / f"{self.shards:05d}.spacy")
            for future in self.pending:
                future.result()  # raises what the writing raised; after a failure, waits before the cleanup
        except BaseException as err:
            self._atomic.__exit__(type(err), err, err.__traceback__)
            raise
        return self._atomic.__exit__(*exc)


def _write_docbin(data: bytes, path: Path) -> None:
    path.write_bytes(docbin.compress(data))
