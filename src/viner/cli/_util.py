"""Shared pieces of the command line: the app, argument helpers, the printer."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import typer
from wasabi import table as _table

from ..console import PROBLEMS_SHOWN, Align
from ..errors import InvalidInput, VinerError
from ..labels import workspace_scheme


class TerminalPrinter:
    """The command line's :class:`~viner.console.Printer`: messages on one line each (never wrapped, so they can
    be grepped), wasabi tables.

    ``good``/``info``/``text``/``table`` go to standard output; ``warn`` and ``fail`` to
    standard error. Colour only on a terminal.
    """

    ICONS = {"good": ("\u2714", 2), "warn": ("\u26a0", 3), "fail": ("\u2718", 1), "info": ("\u2139", 4)}

    def _line(self, kind: str, text: str, stream: TextIO) -> None:
        icon, color = self.ICONS[kind]
        line = f"{icon} {text}"
        if stream.isatty():
            line = f"\x1b[38;5;{color}m{line}\x1b[0m"
        print(line, file=stream, flush=True)

    def good(self, text: str) -> None:
        self._line("good", text, sys.stdout)

    def info(self, text: str) -> None:
        self._line("info", text, sys.stdout)

    def warn(self, text: str) -> None:
        self._line("warn", text, sys.stderr)

    def fail(self, text: str) -> None:
        self._line("fail", text, sys.stderr)

    def text(self, text: str = "") -> None:
        print(text, flush=True)

    def divider(self, title: str = "") -> None:
        print(f"\n=== {title} ===" if title else "", flush=True)

    def table(
        self,
        data: Sequence[Sequence[object]],
        header: Sequence[str] | None = None,
        aligns: Sequence[Align] | None = None,
        title: str | None = None,
        divider: bool = False,
    ) -> None:
        if title:
            self.divider(title)
        print(_table(data, header=header, aligns=aligns, divider=divider), flush=True)


msg = TerminalPrinter()
fail = msg.fail


COMMAND = "viner"
app = typer.Typer(
    name=COMMAND,
    help=(
        "viner: build a custom Vietnamese named-entity model with your own labels (annotations/labels.json; "
        "PERSON, ORG, GPE, EVENT for news) end to end: "
        "raw articles -> annotation units -> Doccano -> agreement and adjudication -> spaCy training data "
        "-> trained pipeline -> evaluation reports."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Arg = typer.Argument
Opt = typer.Option

LABELS_HELP = "Comma-separated entity labels that are allowed [default: those of the workspace's label scheme, annotations/labels.json; without one PERSON,ORG,GPE,EVENT]"


def parse_labels(text: str | None) -> tuple[str, ...]:
    """The labels given with --labels, or those of the workspace's label scheme (viner.labels)."""
    if not text:
        return workspace_scheme().names
    labels = tuple(label.strip() for label in text.split(",") if label.strip())
    if not labels:
        raise VinerError("--labels: give at least one label, for example PERSON,ORG,GPE,EVENT")
    return labels


def print_problems(error: InvalidInput, limit: int = PROBLEMS_SHOWN) -> None:
    """Print every problem of an InvalidInput (up to ``limit``) with file, line and field."""
    for problem in error.problems[:limit]:
        fail(str(problem))
    if len(error.problems) > limit:
        fail(f"... and {len(error.problems) - limit} more problems")


def existing(paths: Sequence[Path]) -> list[Path]:
    for path in paths:
        if not path.exists():
            raise VinerError(f"{path}: no such file or folder")
    return list(paths)


def parse_names(text: str | None, option: str, example: str) -> list[str]:
    """Comma-separated names of an option; given but empty (e.g. ``","``) is an error."""
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if text is not None and not names:
        raise VinerError(f"{option}: give comma-separated names, for example {example}")
    return names
