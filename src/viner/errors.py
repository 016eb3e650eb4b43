"""Errors that reach the user as one line (the CLI prints them without a traceback)."""

from __future__ import annotations

from collections.abc import Iterable

from .record import Problem


class VinerError(Exception):
    """An error caused by the user's input or environment, with a message that says what to do."""

    exit_code = 1


class InvalidInput(VinerError):
    """Input files that failed validation; carries every problem found."""

    def __init__(self, problems: Iterable[Problem], what: str = "input", hint: str = "") -> None:
        self.problems = list(problems)
        self.hint = hint  # the next step, printed after the problems
        n = len(self.problems)
        first = str(self.problems[0]) if self.problems else ""
        more = f" (and {n - 1} more problem{'s' if n > 2 else ''})" if n > 1 else ""
        super().__init__(f"{first}{more}" if n else f"invalid {what}")


class ProblemLog:
    """Collects problems while a reader streams; the caller decides whether they are fatal."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.skipped = 0

    def __call__(self, problem: Problem) -> None:
        self.problems.append(problem)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)
