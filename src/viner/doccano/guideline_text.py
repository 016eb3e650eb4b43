"""Guidelines as Doccano's guideline dialog should get them: paragraphs on one line.

Doccano 1.8.4 renders the guideline with TOAST UI's viewer, which turns every line break inside a
paragraph into a visible break: Markdown wrapped at 100 columns shows as ragged short lines with a
third of the dialog empty. :func:`unwrap` joins the lines of each paragraph, list item and quote, and
leaves alone what lines mean something in: headings, fenced and indented code, tables, HTML,
horizontal rules, and hard breaks (two trailing spaces or a backslash).
"""

from __future__ import annotations

import re

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
RULE = re.compile(r"^ {0,3}([-*_=])( *\1){2,} *$")  # a thematic break, or a setext heading's underline
LIST_ITEM = re.compile(r"^\s*([-*+]|\d{1,9}[.)])(\s+|$)")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$")


def _hard_break(line: str) -> bool:
    return line.endswith("  ") or line.endswith("\\")


def unwrap(text: str) -> str:
    """``text`` (Markdown) with each paragraph, list item and block quote on one line."""
    out: list[str] = []
    joinable = False  # the last line of ``out`` is text that a following plain line continues
    fence: str | None = None
    in_list = False  # since the last list item, only blank lines, continuations or nested items
    in_code = False  # an indented code block
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        if fence is not None:
            out.append(line)
            if stripped.startswith(fence):
                fence = None
            continue
        opening = FENCE.match(line)
        if opening:
            fence, joinable, in_code = opening.group(1), False, False
            out.append(line)
            continue
        if not stripped:
            out.append("")
            joinable, in_table = False, False
            continue
        indented = line.startswith(("    ", "\t"))
        if in_code and indented:
            out.append(line)
            continue
        in_code = False
        if indented and not joinable and not in_list and (not out or not out[-1].strip()):
            in_code = True
            out.append(line)
            continue
        if TABLE_DELIMITER.match(line) and out and "|" in out[-1]:
            in_table = True
        if in_table or stripped.startswith("|") or HEADING.match(line) or RULE.match(line) or stripped.startswith("<"):
            out.append(line.rstrip())
            joinable = False
            continue
        if LIST_ITEM.match(line):
            out.append(line.rstrip())
            joinable, in_list = True, True
            continue
        if not indented:
            in_list = False
        if stripped.startswith(">"):
            if joinable and out[-1].lstrip().startswith(">") and not _hard_break(out[-1]):
                out[-1] = f"{out[-1].rstrip()} {line.lstrip().lstrip('>').lstrip()}".rstrip(
                    " " if not _hard_break(line) else ""
                )
            else:
                out.append(line.rstrip())
            joinable = True
            continue
        if joinable and not _hard_break(out[-1]):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip() if _hard_break(line) else stripped}"
        else:
            out.append(line if _hard_break(line) else line.rstrip())
        joinable = True
    return "\n".join(out)
