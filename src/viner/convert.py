"""Span files (Doccano JSONL) -> train/dev/test DocBins, split by article."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .errors import InvalidInput, VinerError
from .formats import docbin, doccano_jsonl
from .io import atomic_path, find_files, write_json
from .pipeline import tokenizer_from_config
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
            "spans": {k: dict(v) for k, v in self.spans.items()},
            "duplicates_skipped": self.duplicates,
            "misaligned_policy": self.misaligned_policy,
            "misaligned": [vars(m) for m in self.misaligned],
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


def _located(
    files: Sequence[Path], labels: Sequence[str] | None, on_problem: Callable[[Problem], None] | None, check: bool = True
) -> Iterator[tuple[str, int, Example]]:
    for path in files:
        for line, example in doccano_jsonl.read_located(path, labels, on_problem, check):
            yield str(path), line, example


def _fingerprint(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _raise_if_changed(fingerprints: dict[Path, tuple[int, int]], cause: BaseException | None = None) -> None:
    changed = [str(path) for path, mark in fingerprints.items() if _fingerprint(path) != mark]
    if changed:
        raise VinerError(f"{', '.join(changed)}: changed while being converted; nothing was written, run `viner convert` again") from cause


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
    vocab_block: int = 5000,
) -> ConvertReport:
    """Validate the span files, split them by article and write ``train/dev/test.spacy``.

    With ``per_file`` there is no split: each input file becomes ``<its name>.spacy``
    (for corpora that come with their own splits, such as VLSP's train and dev files).
    The input is read twice: validation and sizes, then conversion, which trusts the
    first pass (a file that changes in between makes convert fail and write nothing). An output with more
    than ``shard_size`` docs is written as a folder ``NAME.spacy/`` of DocBin shards of
    ``shard_docs`` docs each (default: ``min(shard_size, 1000)``), which ``spacy train`` reads
    like a single file; only one shard per output is in memory at a time (a doc in a DocBin
    takes ~20 KB), so memory stays flat however large the corpus. Invalid input raises
    :class:`InvalidInput` with every problem before any output is written.
    """
    output_dir = Path(output_dir)
    report = ConvertReport(files=find_files(paths, doccano_jsonl.SUFFIXES), misaligned_policy=misaligned)
    problems: list[Problem] = []
    group_sizes: Counter = Counter()
    file_sizes: Counter = Counter()
    seen = IdSet()  # ~16 bytes a unit: the only thing kept per unit
    fingerprints = {path: _fingerprint(path) for path in report.files}
    for count, (path, _, example) in enumerate(_located(report.files, labels, problems.append), start=1):
        if progress is not None and count % every == 0:
            progress("validated", count)
        if example.id not in seen:
            seen.add(example.id)
            group_sizes[example.group] += 1
            file_sizes[Path(path).stem] += 1
    if problems:
        raise InvalidInput(problems)
    if not group_sizes:
        raise VinerError(f"{', '.join(map(str, report.files))}: no units to convert (empty file(s)); nothing was written")
    if output_dir.exists() and not output_dir.is_dir():
        raise VinerError(f"{output_dir}: is a file; --output must be a folder (for train.spacy, dev.spacy, test.spacy)")
    if per_file:
        names = [p.stem for p in report.files]
        clash = {n for n in names if names.count(n) > 1}
        if clash:
            raise VinerError(f"--per-file: several inputs are named {', '.join(sorted(clash))}; rename them so each output name is unique")
        assignment: dict[str, str] = {}

        def route(path: str, example: Example) -> str:
            return Path(path).stem

    else:
        names = list(SPLIT_NAMES)
        assignment = assign_splits(group_sizes, ratios, seed)

        def route(path: str, example: Example) -> str:
            return assignment[example.group]  # a KeyError only if a file changed after the first pass

    nlp = tokenizer_from_config(config)
    sizes: Counter = Counter()
    if per_file:
        sizes = file_sizes
    else:
        for group, size in group_sizes.items():
            sizes[assignment[group]] += size
    report.units = {name: 0 for name in names}
    report.spans = {name: Counter() for name in names}
    groups: dict[str, set[str]] = {name: set() for name in names}
    with contextlib.ExitStack() as stack:
        writers = {
            name: stack.enter_context(_DocBinWriter(output_dir / f"{name}.spacy", sharded=sizes[name] > shard_size, shard_size=shard_docs or min(shard_size, 1000)))
            for name in names
        }
        seen.clear()
        # The first pass checked every line; this one trusts them, and makes sure below that
        # no file changed in between (else the outputs are discarded).
        # spaCy's vocabulary keeps every string it has seen: a corpus with many rare tokens (names,
        # numbers) would grow it without end. The first block of units is tokenised as usual, so the
        # common words enter the vocabulary and the tokenizer's cache for good; every later block runs
        # in a memory zone, whose new strings are freed at its end, after the DocBins have copied the
        # ones they need. (Inside a zone the tokenizer caches nothing, hence the warm first block.)
        try:
            located = _located(report.files, labels, None, check=False)
            for number, block in enumerate(iter(lambda: list(itertools.islice(located, vocab_block)), [])):
                with nlp.memory_zone() if number else contextlib.nullcontext():
                    for path, line, example in block:
                        if example.id in seen:
                            report.duplicates.append(f"{path}:{line}")
                            continue
                        seen.add(example.id)

                        def note(m: docbin.Misaligned, path: str = path, line: int = line) -> None:
                            item = MisalignedSpan(path, line, m.span.text_in(m.example.text), m.span.label, m.tokens)
                            report.misaligned.append(item)
                            if on_misaligned is not None:
                                on_misaligned(item)

                        name = route(path, example)
                        if progress is not None and len(seen) % every == 0:
                            progress("converted", len(seen))
                        writers[name].add(docbin.example_to_doc(nlp, example, misaligned, note))
                        report.units[name] += 1
                        report.spans[name].update(s.label for s in example.spans)
                        groups[name].add(example.group)
                    for writer in writers.values():
                        writer.bin.collect_strings()
        except Exception as err:  # a line that is no longer what the first pass checked
            _raise_if_changed(fingerprints, err)
            raise
        _raise_if_changed(fingerprints)
        report.articles = {name: len(members) for name, members in groups.items()}
        report.outputs = {name: writer.target for name, writer in writers.items()}
    # The report describes the outputs, so it is written once they are all in place.
    manifest = report.as_dict()
    manifest.update({"seed": seed, "ratios": None if per_file else list(ratios), "config": str(config), "assignment": assignment, "shard_size": shard_size, "shard_docs": shard_docs or min(shard_size, 1000)})
    write_json(manifest, output_dir / "convert-report.json")
    return report


class _DocBinWriter:
    """Writes docs to ``target`` atomically: one DocBin file, or a folder of DocBin shards."""

    def __init__(self, target: Path, sharded: bool, shard_size: int) -> None:
        self.target, self.sharded, self.shard_size = target, sharded, shard_size
        self.shards = 0

    def __enter__(self) -> "_DocBinWriter":
        self._atomic = atomic_path(self.target, is_dir=self.sharded)
        self.tmp = self._atomic.__enter__()
        self.bin = docbin.ViDocBin(docbin.GOLD_ATTRS)
        return self

    def add(self, doc) -> None:
        self.bin.add(doc)
        if self.sharded and len(self.bin) >= self.shard_size:
            self._flush()

    def _flush(self) -> None:
        self.bin.to_disk(self.tmp / f"{self.shards:05d}.spacy")
        self.shards += 1
        self.bin = docbin.ViDocBin(docbin.GOLD_ATTRS)

    def __exit__(self, *exc) -> bool | None:
        if exc[0] is None:
            if not self.sharded:
                self.bin.to_disk(self.tmp)
            elif len(self.bin) or not self.shards:
                self._flush()
        return self._atomic.__exit__(*exc)


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
