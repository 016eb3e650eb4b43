"""How numbers read in every report, comparison and index, Markdown and HTML alike.

Percentages with one decimal (``83.3``), differences in F1 points with a sign (``+2.5``),
and an en dash for a missing value (``None``, or a value a template does not have).
"""

from __future__ import annotations

from collections.abc import Sequence

import jinja2


def _undefined(x: object) -> bool:
    """A value a template does not have (jinja2 passes its ``Undefined``)."""
    return isinstance(x, jinja2.Undefined)


def _missing(x: object) -> bool:
    return x is None or _undefined(x)


def pct(x: float | None) -> str:
    return "–" if x is None or _undefined(x) else f"{100 * x:.1f}"


def points(x: float | None) -> str:
    return "–" if x is None or _undefined(x) else f"{100 * x:+.1f}"


def interval(ci: Sequence[float] | None, signed: bool = False) -> str:
    if _missing(ci) or not ci:
        return "–"
    f = points if signed else pct
    return f"{f(ci[0])} to {f(ci[1])}"


def count(x) -> str:
    return "–" if _missing(x) else f"{x:,}"


def size(n: int | None) -> str:
    if n is None or _undefined(n):
        return "–"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


def rate(x: float | None) -> str:
    return "–" if _missing(x) or not x else f"{x:,.0f}"


def short(h: str | None, n: int = 12) -> str:
    return h[:n] if not _missing(h) and h else "–"


def day(text: str | None) -> str:
    """Date and time to the minute, for tables."""
    return date(text)[:16]


def date(text: str | None) -> str:
    return ("–" if _missing(text) or not text else text).replace("T", " ").replace("+00:00", " UTC")
