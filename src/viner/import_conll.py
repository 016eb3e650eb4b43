"""`viner import-conll`'s flow: CoNLL/IOB files -> one Doccano JSONL file, with counts.

The reading rules (columns, tags, text rebuilt from tokens) are in :mod:`viner.formats.conll`;
this module runs them over every input file, writes the units atomically and counts what
went through: units per file, entities per label, repeated texts, problems and skipped
sentences. By default any problem stops the import and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput, VinerError
from .formats import conll, doccano_jsonl
from .io import find_files, refuse_overwrite
from .record import DEFAULT_LABELS, Example, Problem


@dataclass
class ConllReading:
    """How the CoNLL files are read (the options of :func:`viner.formats.conll.read`)."""

    label_map: Mapping[str, str] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    labels: Sequence[str] | None = DEFAULT_LABELS
    join: str = "smart"
    keep_underscores: bool = False
    encoding: str = "utf-8"
    skip_invalid: bool = False


@dataclass
class ImportResult:
    files: list[Path]
    units: int = 0
    per_label: Counter = field(default_factory=Counter)
    duplicates: int = 0  # sentences with the text of an earlier one (kept)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # sentences left out because of the problems (--skip-invalid)


def import_conll(
    inputs: Sequence[Path],
    output: Path,
    reading: ConllReading,
    *,
    force: bool = False,
    on_skip: Callable[[Problem], None] | None = None,
) -> ImportResult:
    """Read every CoNLL file under ``inputs`` into the Doccano JSONL ``output``.

    ``on_skip`` is called with each problem when ``reading.skip_invalid`` (the sentence is
    left out); otherwise every problem is collected and raised together as
    :class:`InvalidInput` before ``output`` is replaced. No valid sentence at all is an error too.
    """
    result = ImportResult(files=find_files(inputs, conll.SUFFIXES))
    refuse_overwrite(output, force, "annotations")
    texts: Counter = Counter()

    def on_problem(problem: Problem) -> None:
        result.problems.append(problem)
        if reading.skip_invalid and on_skip is not None:
            on_skip(problem)

    def skipped() -> None:
        result.skipped += 1

    def examples() -> Iterator[Example]:
        for path in result.files:
            for example in conll.read(
                path,
                label_map=reading.label_map,
                drop=reading.drop,
                labels=reading.labels,
                join=reading.join,
                keep_underscores=reading.keep_underscores,
                encoding=reading.encoding,
                on_problem=on_problem,
                on_skip=skipped,
            ):
                texts[example.id] += 1
                result.per_label.update(s.label for s in example.spans)
                yield example
        if result.problems and not reading.skip_invalid:
            raise InvalidInput(result.problems)
        if not texts:  # raised inside the writer, so an earlier OUTPUT stays as it was
            raise VinerError(f"no valid sentence in {', '.join(map(str, result.files))}; nothing was written")

    result.units = doccano_jsonl.write(examples(), output)
    result.duplicates = sum(n - 1 for n in texts.values())
    return result
