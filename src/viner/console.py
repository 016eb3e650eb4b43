"""How library code talks to the user, without depending on the command line.

- :data:`Echo`: a function that shows one line of progress (the CLI passes its printer's ``text``, a test
  ``list.append``);
- :class:`Printer`: what the functions that build messages need of a printer (``viner.cli._util.TerminalPrinter``
  is the command line's);
- :data:`PROBLEMS_SHOWN`: how many problems of bad input a command prints before saying how many more there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Protocol

Echo = Callable[[str], None]
Align = Literal["l", "r", "c"]  # a table column's alignment

PROBLEMS_SHOWN = 50


class Printer(Protocol):
    """Messages on one line each and tables (wasabi's ``msg`` has the same methods)."""

    def good(self, text: str) -> None: ...
    def info(self, text: str) -> None: ...
    def warn(self, text: str) -> None: ...
    def fail(self, text: str) -> None: ...
    def text(self, text: str = "") -> None: ...
    def divider(self, title: str = "") -> None: ...
    def table(
        self,
        data: Sequence[Sequence[object]],
        header: Sequence[str] | None = None,
        aligns: Sequence[Align] | None = None,
        title: str | None = None,
        divider: bool = False,
    ) -> None: ...
