"""Validation of span files: every problem, with file, line and field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .formats import doccano_jsonl
from .io import find_files
from .record import DEFAULT_LABELS, Problem


@dataclass
class ValidationReport:
    files: list[Path] = field(default_factory=list)
    records: int = 0
    valid: int = 0
    spans: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len({(p.path, p.line) for p in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_paths(
    paths: Sequence[Path | str],
    labels: Sequence[str] | None = DEFAULT_LABELS,
    on_problem: Callable[[Problem], None] | None = None,
) -> ValidationReport:
    """Check every record of the JSONL files under ``paths`` with the shared validator (streaming)."""
    report = ValidationReport(files=find_files(paths, doccano_jsonl.SUFFIXES))

    def collect(problem: Problem) -> None:
        report.problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    for path in report.files:
        before = (report.valid, len(report.problems))
        for example in doccano_jsonl.read(path, labels, collect):
            report.valid += 1
            report.spans += len(example.spans)
        if (report.valid, len(report.problems)) == before:
            collect(
                Problem(
                    str(path),
                    None,
                    None,
                    'empty file: no JSON lines (expected one {"text": ..., "label": [...]} object per line)',
                )
            )
    report.records = report.valid + report.invalid
    return report
