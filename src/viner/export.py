"""`viner export`'s flow: gold annotations -> CoNLL files or a Hugging Face dataset.

Inputs are Doccano JSONL files and DocBins (a ``NAME.spacy/`` folder of shards is one
input). Every input is checked before anything is written (all problems together, empty
inputs refused, labels collected); then each input is streamed once more into its writer
(:mod:`viner.formats.conll` or :mod:`viner.formats.hf_datasets`), never held in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language

from .errors import InvalidInput, VinerError
from .formats import conll, docbin, doccano_jsonl, hf_datasets
from .io import find_files, refuse_overwrite
from .record import DEFAULT_LABELS, Example, Problem
from .tokens import SplitToken, Tokeniser

FORMATS = ("conll", "hf")
OnSplit = Callable[[str, SplitToken], None]  # (where, split token): a span not on token edges


@dataclass
class ExportOptions:
    fmt: str = "conll"  # one of FORMATS
    tokens: str = "word"  # one of viner.tokens.TOKENISATIONS
    config: Path | None = None  # training config whose tokenizer gives the word tokens
    split_names: list[str] | None = None  # one per input (default: from the file names)
    labels: Sequence[str] | None = DEFAULT_LABELS  # None accepts every label
    comments: bool = False  # conll: '# id =', '# text =', '# meta =' lines
    docstart: bool = False  # conll: a -DOCSTART- line before each article
    force: bool = False  # replace existing outputs


@dataclass
class ExportResult:
    counts: dict[str, int] = field(default_factory=dict)  # units per split (hf) or per file written (conll)
    split_spans: int = 0  # spans that did not fall on token edges (their tokens were split)

    @property
    def units(self) -> int:
        return sum(self.counts.values())


def input_units(paths: Sequence[Path]) -> list[Path]:
    """Input files; a folder ``NAME.spacy/`` of DocBin shards (large `viner convert` outputs) is one input."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and path.suffix.lower() in docbin.SUFFIXES:
            out.append(path)
            continue
        for file in find_files([path], doccano_jsonl.SUFFIXES + docbin.SUFFIXES):
            unit = file.parent if file.parent != path and file.parent.suffix.lower() in docbin.SUFFIXES else file
            if unit not in out:
                out.append(unit)
    return out


class ExportInputs:
    """The examples of each input (JSONL or DocBin), read twice and never held in memory.

    :meth:`check` reads everything once before any output is written: every problem is
    reported together, empty inputs are refused, and the labels met are collected (the
    Hugging Face tag names need them before the first row). :meth:`examples` then streams
    one input again; :attr:`where` is the location of the example last streamed.
    """

    def __init__(self, labels: Sequence[str] | None) -> None:
        self.labels = labels
        self.found: set[str] = set()
        self.counts: dict[Path, int] = {}
        self.where = ""
        self._nlp: Language | None = None

    def _read(self, path: Path, on_problem=None) -> Iterator[tuple[str, Example]]:
        if path.suffix.lower() in docbin.SUFFIXES:
            if self._nlp is None:
                self._nlp = spacy.blank("xx")
            for i, example in enumerate(docbin.read(path, self._nlp), start=1):
                yield f"{path}#doc{i}", example
        else:
            for line, example in doccano_jsonl.read_located(path, self.labels, on_problem):
                yield f"{path}:{line}", example

    def check(self, files: Sequence[Path]) -> None:
        problems: list[Problem] = []
        for path in files:
            count = 0
            for _, example in self._read(path, problems.append):
                count += 1
                self.found.update(s.label for s in example.spans)
            if not count and not problems:
                raise VinerError(f"{path}: holds no units to export (an empty file?)")
            self.counts[path] = count
        if problems:
            raise InvalidInput(problems)

    def examples(self, path: Path) -> Iterator[Example]:
        for where, example in self._read(path):
            self.where = where
            yield example


def export(
    inputs: Sequence[Path], output: Path, options: ExportOptions, on_split: OnSplit | None = None
) -> ExportResult:
    """Export the gold units of ``inputs`` to ``output`` in ``options.fmt``; nothing is written if an input is invalid."""
    files = input_units(inputs)
    names = _split_names(files, options.split_names)
    _refuse_overwrites(output, names, options)
    tokeniser = Tokeniser(options.tokens, config=str(options.config) if options.config else None)
    data = ExportInputs(options.labels)
    data.check(files)
    result = ExportResult()

    def split(token: SplitToken) -> None:
        result.split_spans += 1
        if on_split is not None:
            on_split(data.where, token)

    if options.fmt == "hf":
        splits = {name: data.examples(path) for name, path in zip(names, files)}
        base = list(options.labels) if options.labels else []
        all_labels = base + sorted(data.found - set(base))
        result.counts = hf_datasets.write(splits, output, tokeniser, labels=base, all_labels=all_labels, on_split=split)
    else:
        for name, path in zip(names, files):
            target = output if len(files) == 1 else output / f"{name}.conll"
            result.counts[str(target)] = conll.write(
                data.examples(path),
                target,
                tokeniser,
                comments=options.comments,
                docstart=options.docstart,
                on_split=split,
            )
    return result


def _split_names(files: Sequence[Path], given: list[str] | None) -> list[str]:
    """One distinct name per input: ``given``, else from the file names (train.jsonl -> train)."""
    names = given if given is not None else [hf_datasets.split_name(p.stem) for p in files]
    if len(names) != len(files):
        raise VinerError(f"--split-names: got {len(names)} name(s) for {len(files)} input file(s)")
    repeated = sorted(n for n, c in Counter(names).items() if c > 1)
    if repeated:
        raise VinerError(f"several inputs would be written as {', '.join(repeated)}; name them with --split-names")
    return names


def _refuse_overwrites(output: Path, names: Sequence[str], options: ExportOptions) -> None:
    """Existing outputs are only replaced with ``force``; several CoNLL files go to a folder."""
    if options.fmt == "conll" and len(names) > 1:
        if output.exists() and not output.is_dir():
            raise VinerError(
                f"{output}: is a file; with several inputs --output must be a folder (one NAME.conll per input)"
            )
        for name in names:
            refuse_overwrite(output / f"{name}.conll", options.force, "exported annotations")
    else:
        refuse_overwrite(output, options.force, "exported annotations")
