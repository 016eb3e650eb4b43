"""The conversion: read and validate every input once, tokenise it into the pool a block at a
time, split by article, then route the pooled docs to their outputs."""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy
from spacy.language import Language

from ..errors import InvalidInput, VinerError
from ..formats import doccano_jsonl
from ..formats.docbin import Misaligned, check_misaligned
from ..io import atomic_path, find_files, write_json
from ..pipeline import VOCAB_BLOCK, tokenizer_from_config, vocab_zone
from ..record import DEFAULT_LABELS, Example, IdSet, Problem
from ..split import SPLIT_NAMES, assign_splits
from .docbins import DocBinMaker, docbin_maker
from .pool import Chunk, Pool
from .report import ConvertReport, MisalignedSpan
from .shards import Background, DocBinWriter

RouteOfDoc = Callable[[Chunk], numpy.ndarray]  # the output number of each doc of a chunk
_ROUTE_SPAN = 1 << 40  # more article numbers than any corpus has


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
    keep_whole: bool = False,
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
    (for corpora that come with their own splits, such as VLSP's train and dev files). A unit
    that repeats one read before is skipped (and counted per file), so no text is in two
    outputs; with ``keep_whole`` (``per_file`` only) repeats are skipped within a file only, so
    each output keeps every unit of its file (a test set comparable with published figures).
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
    check_misaligned(misaligned)
    report = ConvertReport(files=find_files(paths, doccano_jsonl.SUFFIXES), misaligned_policy=misaligned)
    if output_dir.exists() and not output_dir.is_dir():
        raise VinerError(f"{output_dir}: is a file; --output must be a folder (for train.spacy, dev.spacy, test.spacy)")
    if keep_whole and not per_file:
        raise VinerError(
            "--keep-whole keeps each input file's units whole: it goes with --per-file (a split by article never puts one text in two splits)"
        )
    names = _output_names(report.files) if per_file else list(SPLIT_NAMES)
    maker = docbin_maker()
    report.docbin_maker = maker.name
    nlp = maker.tokenizer(tokenizer_from_config(config))
    shard_docs = shard_docs or min(shard_size, 1000)
    with fewer_gc_passes(), Pool(_existing_folder(output_dir)) as pool:
        run = ConvertRun(nlp, maker, pool, report, misaligned, on_misaligned, _Progress(progress, every), vocab_block)
        run.read(labels, block_size, per_file_repeats=keep_whole)
        if per_file:
            assignment: dict[str, str] = {}
            route_of_doc: RouteOfDoc = _route_by_file
            sizes = Counter(dict(zip(names, run.articles.file_sizes)))
        else:
            assignment = assign_splits(dict(zip(run.articles.numbers, run.articles.sizes)), ratios, seed)
            route_of_group = numpy.asarray(
                [names.index(assignment[group]) for group in run.articles.numbers], dtype=numpy.int64
            )
            route_of_doc = partial(_route_by_article, route_of_group)
            sizes = Counter()
            for group, size in zip(run.articles.numbers, run.articles.sizes):
                sizes[assignment[group]] += size
        targets = {name: (output_dir / f"{name}.spacy", sizes[name] > shard_size) for name in names}
        run.write(route_of_doc, targets, shard_docs)
    # The report describes the outputs, so it is written once they are all in place.
    manifest = report.as_dict()
    manifest.update(
        {
            "seed": seed,
            "ratios": None if per_file else list(ratios),
            "config": str(config),
            "assignment": assignment,
            "shard_size": shard_size,
            "shard_docs": shard_docs,
        }
    )
    write_json(manifest, output_dir / "convert-report.json")
    return report


def _route_by_file(chunk: Chunk) -> numpy.ndarray:
    """``--per-file``: each doc goes to its input file's output."""
    return chunk.files


def _route_by_article(route_of_group: numpy.ndarray, chunk: Chunk) -> numpy.ndarray:
    """Each doc goes to its article's split."""
    return route_of_group[chunk.groups]


def _output_names(files: Sequence[Path]) -> list[str]:
    """``--per-file``: each input's name, which must be unique."""
    names = [p.stem for p in files]
    clash = {n for n in names if names.count(n) > 1}
    if clash:
        raise VinerError(
            f"--per-file: several inputs are named {', '.join(sorted(clash))}; rename them so each output name is unique"
        )
    return names


def _existing_folder(path: Path) -> Path:
    """``path`` or its nearest existing parent folder (for temporary files on the output's disk)."""
    path = path.absolute()
    while not path.is_dir():
        path = path.parent
    return path


@dataclass
class _Progress:
    """Calls ``callback(stage, count)`` each time ``count`` passes a multiple of ``every``."""

    callback: Callable[[str, int], None] | None
    every: int

    def advance(self, stage: str, before: int, after: int) -> None:
        if self.callback is not None and after // self.every > before // self.every:
            self.callback(stage, after)


@dataclass
class Articles:
    """The units of each article and of each input file, counted while reading."""

    numbers: dict[str, int] = field(default_factory=dict)  # article -> its number
    sizes: list[int] = field(default_factory=list)  # units of each article
    file_sizes: list[int] = field(default_factory=list)  # units of each input file

    def count(self, example: Example, file_number: int) -> int:
        """Count a unit of input file ``file_number``; returns its article's number."""
        group = example.group
        number = self.numbers.get(group)
        if number is None:
            number = self.numbers[group] = len(self.sizes)
            self.sizes.append(0)
        self.sizes[number] += 1
        self.file_sizes[file_number] += 1
        return number


@dataclass
class Block:
    """Valid examples waiting to be tokenised, with where they come from."""

    examples: list[Example] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)  # file number and line of each example
    articles: list[int] = field(default_factory=list)  # article number of each example


@dataclass
class ConvertRun:
    """One conversion: the tokenizer, the pool of converted blocks, the report and the counts."""

    nlp: Language
    maker: DocBinMaker
    pool: Pool
    report: ConvertReport
    misaligned: str
    on_misaligned: Callable[[MisalignedSpan], None] | None
    progress: _Progress
    vocab_block: int
    articles: Articles = field(default_factory=Articles)
    converted: int = 0  # units tokenised into the pool so far

    def read(self, labels: Sequence[str] | None, block_size: int, per_file_repeats: bool = False) -> None:
        """Read, validate and tokenise every input into the pool, ``block_size`` units at a time;
        count the units of each article.

        Raises :class:`InvalidInput` with every problem of the input (after the first one, the
        rest is only validated).
        """
        problems: list[Problem] = []
        seen = IdSet()  # ~16 bytes a unit: the only thing kept per unit
        self.articles.file_sizes = [0] * len(self.report.files)
        block = Block()
        for file_number, path in enumerate(self.report.files):
            if per_file_repeats:
                seen = IdSet()  # repeats of another file's units are kept (--keep-whole)
            for line, example in doccano_jsonl.read_located(path, labels, problems.append):
                if not seen.add(example.id):
                    self.report.duplicates.append(f"{path}:{line}")
                    continue
                article = self.articles.count(example, file_number)
                if problems:  # after the first problem, only validation goes on
                    continue
                block.examples.append(example)
                block.places.append((file_number, line))
                block.articles.append(article)
                if len(block.examples) == block_size:
                    self.pool_block(block)
                    block = Block()
        if problems:
            raise InvalidInput(problems)
        if block.examples:
            self.pool_block(block)
        if not self.articles.numbers:
            raise VinerError(
                f"{', '.join(map(str, self.report.files))}: no units to convert (empty file(s)); nothing was written"
            )

    def pool_block(self, block: Block) -> None:
        """Tokenise a block of examples into the pool."""
        position = {id(example): i for i, example in enumerate(block.examples)}

        def note(m: Misaligned) -> None:
            file_number, line = block.places[position[id(m.example)]]
            item = MisalignedSpan(
                str(self.report.files[file_number]), line, m.span.text_in(m.example.text), m.span.label, m.tokens
            )
            self.report.misaligned.append(item)
            if self.on_misaligned is not None:
                self.on_misaligned(item)

        # bounded vocabulary (see pipeline.VOCAB_BLOCK): the rows keep their strings past the zone
        with vocab_zone(self.nlp, self.converted, self.vocab_block):
            rows = self.maker.rows(self.nlp, block.examples, self.misaligned, note)
        self.pool.add(rows, block.examples, block.articles, [file_number for file_number, _ in block.places])
        before, self.converted = self.converted, self.converted + len(block.examples)
        self.progress.advance("converted", before, self.converted)

    def write(self, route_of_doc: RouteOfDoc, targets: dict[str, tuple[Path, bool]], shard_docs: int) -> None:
        """Route the pooled docs to their outputs (``targets``: name -> path and whether it is
        sharded) and write them, each atomically; fills the report's counts and outputs."""
        names = list(targets)
        report = self.report
        report.units = {name: 0 for name in names}
        report.spans = {name: Counter() for name in names}
        articles: set[int] = set()  # route * _ROUTE_SPAN + article number, for each article of each output
        # the background thread stops (its writes done) before the atomic paths are left
        with contextlib.ExitStack() as stack, Background() as background:
            writers = [
                DocBinWriter(
                    stack.enter_context(atomic_path(path, is_dir=sharded)),
                    sharded,
                    shard_docs,
                    background,
                    self.maker.encoder,
                )
                for path, sharded in targets.values()
            ]
            written = 0
            for chunk in self.pool:
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
                self.progress.advance("written", before, written)
            for writer in writers:
                writer.finish()
        routes_of_articles = Counter(key // _ROUTE_SPAN for key in articles)
        report.articles = {name: routes_of_articles[number] for number, name in enumerate(names)}
        report.outputs = {name: path for name, (path, _) in targets.items()}


# Python's cyclic garbage collector runs every 700 new container objects (dicts, lists,
# tuples) by default. A stage that streams a corpus makes a few dozen per unit and keeps a
# block of them alive at a time, so the collector ran thousands of times over objects that
# reference counting frees anyway. `viner convert` on 100k units: 3,000 collections, 0.39 s
# (7 %) at 700; 108 and 0.10 s at 10,000; 8 and 0.01 s at 50,000. Kept because bench/ shows
# convert would miss its target without it (experiments/bench.md).
GC_THRESHOLD = 50_000


@contextlib.contextmanager
def fewer_gc_passes(threshold: int = GC_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector after ``threshold`` new objects instead of 700 while
    the block runs (never more often than it was set to, and not at all if it was off); the old
    setting is restored after."""
    old = gc.get_threshold()
    if old[0]:
        gc.set_threshold(max(threshold, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
