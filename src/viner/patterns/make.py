"""`viner patterns`: gold (and optionally the lexicon) into a checked pattern file and a report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, ProblemLog, VinerError
from ..formats import doccano_jsonl
from ..io import find_files, write_json
from ..record import Example
from .build import PatternStats, build_patterns, judge
from .lexicon import lexicon_patterns, score_patterns
from .ruler import write_patterns


@dataclass
class PatternsResult:
    patterns: list[dict]
    candidates: list[PatternStats]  # every string looked at, kept or not
    units: int
    lexicon_used: int = 0

    @property
    def left_out(self) -> list[PatternStats]:
        return [s for s in self.candidates if not s.kept]


def read_gold(inputs: Sequence[Path | str], labels: Sequence[str] | None) -> list[Example]:
    log = ProblemLog()
    examples = [
        e
        for path in find_files(inputs, doccano_jsonl.SUFFIXES)
        for e in doccano_jsonl.read(path, labels=labels, on_problem=log)
    ]
    if log:
        raise InvalidInput(log.problems)
    if not examples:
        raise VinerError(f"{', '.join(map(str, inputs))}: no units with text: nothing to learn patterns from")
    return examples


def make_patterns(
    inputs: Sequence[Path | str],
    output: Path | str,
    *,
    labels: Sequence[str] | None,
    lexicon: bool = False,
    min_precision: float = 0.9,
    min_count: int = 1,
    report: Path | str | None = None,
) -> PatternsResult:
    """Patterns from the gold in ``inputs`` (plus the lexicon's, each checked against that gold), written atomically.

    With no ``inputs`` and ``lexicon``, the lexicon alone (a cold start: nothing annotated yet)."""
    if not 0.0 <= min_precision <= 1.0:
        raise VinerError(f"--min-precision {min_precision}: give a number from 0 to 1")
    if min_count < 1:
        raise VinerError(f"--min-count {min_count}: give at least 1")
    if not inputs and not lexicon:
        raise VinerError(
            "no gold given: name gold files or folders (e.g. annotations/gold/), or use --lexicon alone for a cold start"
        )
    examples = read_gold(inputs, labels) if inputs else []
    patterns, candidates = (
        build_patterns(examples, min_precision=min_precision, min_count=min_count) if examples else ([], [])
    )
    result = PatternsResult(patterns, candidates, len(examples))
    if lexicon:
        known = {s.text for s in candidates}
        extra = [p for p in lexicon_patterns(labels) if p["pattern"] not in known]
        for stats, pattern in zip(score_patterns(extra, examples), extra):
            if stats.occurrences:  # the gold has it unlabelled or as part of something else: judge it as a gold string
                judge(stats, min_precision, 0)
            else:
                stats.kept, stats.reason = True, "lexicon (not in this gold)"
            candidates.append(stats)
            if stats.kept:
                patterns.append(pattern)
                result.lexicon_used += 1
    if not patterns:
        raise VinerError(
            f"no string reaches --min-precision {min_precision} and --min-count {min_count}; nothing was written (lower them, or annotate more)"
        )
    write_patterns(patterns, output)
    if report is not None:
        write_json(
            {
                "units": result.units,
                "min_precision": min_precision,
                "min_count": min_count,
                "kept": len(patterns),
                "candidates": [s.as_dict() for s in candidates],
            },
            report,
        )
    return result
