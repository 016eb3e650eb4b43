"""Shared pieces of the command line: the app, argument helpers, the printer."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import typer
from wasabi import Printer

from ..errors import InvalidInput, VinerError
from ..record import DEFAULT_LABELS

import sys

msg = Printer(line_max=1_000_000)
msg.show_color = msg.show_color and sys.stdout.isatty()
_err = Printer(line_max=1_000_000, no_print=True)
_err.show_color = _err.show_color and sys.stderr.isatty()


def fail(text: str) -> None:
    """Print one error line to standard error."""
    print(_err.fail(text), file=sys.stderr, flush=True)

COMMAND = "viner"
app = typer.Typer(
    name=COMMAND,
    help=(
        "viner: build a custom Vietnamese named-entity model (PERSON, ORG, GPE, EVENT) end to end: "
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

LABELS_HELP = "Comma-separated entity labels that are allowed"


def parse_labels(text: str | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_LABELS
    labels = tuple(label.strip() for label in text.split(",") if label.strip())
    if not labels:
        raise VinerError("--labels: give at least one label, for example PERSON,ORG,GPE,EVENT")
    return labels


def print_problems(error: InvalidInput, limit: int = 50) -> None:
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
