"""Reading CoNLL/IOB files (``viner import-conll``): sentences -> examples (see the package's docstring)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InvalidInput, VinerError
from ...io import iter_lines
from ...record import ADD_LABEL, DEFAULT_LABELS, Example, Problem, make_example, unit_id
from .text import JOINS, join_tokens, match_tokens, token_text

SUFFIXES = (".conll", ".iob", ".bio", ".txt", ".tsv")
DOCSTART = "-DOCSTART-"
TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$")
COMMENT = re.compile(r"^#\s*([A-Za-z_][\w.-]*)\s*=\s?(.*)$")
PREFIX_ALIASES = {"L": "E", "U": "S"}

OnProblem = Callable[[Problem], None]


@dataclass
class _Token:
    text: str
    prefix: str  # "O", "B", "I", "E", "S"
    label: str
    line: int


@dataclass
class _Sentence:
    tokens: list[_Token] = field(default_factory=list)
    comments: dict[str, tuple[int, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    first_line: int = 0


def parse_label_map(text: str | None) -> dict[str, str]:
    """``"PER=PERSON,LOC=GPE"`` -> ``{"PER": "PERSON", "LOC": "GPE"}``."""
    mapping: dict[str, str] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item.count("=") != 1 or not all(part.strip() for part in item.split("=")):
            raise VinerError(f"--label-map: {item!r} is not FROM=TO; write for example PER=PERSON,ORG=ORG,LOC=GPE")
        source, target = (part.strip() for part in item.split("="))
        mapping[source] = target
    return mapping


def _split_columns(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t") if c.strip()]
    return line.split()


def _parse_line(line: str, number: int, path: str) -> tuple[list[str] | None, Problem | None]:
    stripped = line.strip()
    if (stripped[:1] == "{" and stripped[-1:] == "}") or (
        len(stripped) > 1 and stripped[0] == "[" and stripped[-1] == "]"
    ):
        hint = "this looks like JSON lines (Doccano JSONL), not CoNLL; give it to `viner validate` or `viner convert` directly"
        return None, Problem(path, number, None, hint)
    columns = _split_columns(line)
    if len(columns) < 2:
        return None, Problem(
            path, number, None, f"expected TOKEN and TAG columns separated by a space or a tab, got {stripped[:40]!r}"
        )
    return columns, None


def _entities(sentence: _Sentence, path: str) -> tuple[list[tuple[int, int, str, int]], list[Problem]]:
    """Token ranges ``(first, last_exclusive, label, line)`` from the tags; problems for broken sequences."""
    entities: list[tuple[int, int, str, int]] = []
    problems: list[Problem] = []
    current: list[Any] | None = None  # [first, last_exclusive, label, line]

    def close() -> None:
        nonlocal current
        if current is not None:
            first, last, label, line = current
            entities.append((first, last, label, line))
            current = None

    for i, token in enumerate(sentence.tokens):
        if token.prefix == "O":
            close()
        elif token.prefix in ("B", "S"):
            close()
            current = [i, i + 1, token.label, token.line]
            if token.prefix == "S":
                close()
        else:  # I or E
            if current is None or current[2] != token.label:
                before = sentence.tokens[i - 1] if i else None
                after = (
                    "at the start of a sentence"
                    if before is None
                    else (f"after {before.prefix}-{before.label}" if before.prefix != "O" else "after O")
                )
                problems.append(
                    Problem(
                        path,
                        token.line,
                        None,
                        f"tag {token.prefix}-{token.label} without a preceding B-{token.label} ({after}); fix the tag (IOB1 files are not read)",
                    )
                )
                close()
                continue
            current[1] = i + 1
            if token.prefix == "E":
                close()
    close()
    return entities, problems


def read(
    path: Path | str,
    *,
    label_map: Mapping[str, str] | None = None,
    drop: Iterable[str] = (),
    labels: Sequence[str] | None = DEFAULT_LABELS,
    join: str = "smart",
    keep_underscores: bool = False,
    encoding: str = "utf-8",
    on_problem: OnProblem | None = None,
    on_skip: Callable[[], None] = lambda: None,
) -> Iterator[Example]:
    """Stream the sentences of a CoNLL/IOB file as examples.

    ``label_map`` renames labels (unmapped labels are kept); entities whose label
    (before mapping) is in ``drop`` are left out. Labels after mapping must be in
    ``labels`` (``None`` accepts all). A sentence with problems is passed to
    ``on_problem`` (each problem) and skipped, and ``on_skip`` is called once for it;
    without ``on_problem`` the first such sentence raises :class:`InvalidInput`. A file without any token raises
    :class:`VinerError`.
    """
    if join not in JOINS:
        raise VinerError(f"unknown join {join!r}: choose {' or '.join(JOINS)}")
    path = Path(path)
    if path.is_dir():
        raise VinerError(f"{path}: is a folder, expected a CoNLL file")
    name = str(path)
    label_map = dict(label_map or {})
    drop = set(drop)
    has_docstart = _has_docstart(path, encoding)
    document = 0
    position = 0
    content_lines = 0
    sentence = _Sentence()

    def finish(sentence: _Sentence) -> Iterator[Example]:
        nonlocal position
        if not sentence.tokens:
            for problem in sentence.problems:
                _report([problem], on_problem)
            if sentence.problems:
                on_skip()
            return
        example, problems = _build(
            sentence,
            name,
            label_map,
            drop,
            labels,
            join,
            keep_underscores,
            document if has_docstart else None,
            position,
            path.name,
        )
        position += 1
        problems = sentence.problems + problems
        if problems:
            _report(problems, on_problem)
            on_skip()
            return
        assert example is not None
        yield example

    for number, line in iter_lines(path, encoding):
        if not line.strip():
            yield from finish(sentence)
            sentence = _Sentence()
            continue
        content_lines += 1
        comment = COMMENT.match(line.lstrip()) if line.lstrip().startswith("#") and " = " in line else None
        if comment is not None and not sentence.tokens:
            sentence.comments[comment.group(1)] = (number, comment.group(2))
            continue
        columns, problem = ([DOCSTART], None) if line.split()[0] == DOCSTART else _parse_line(line, number, name)
        if problem is not None:
            sentence.problems.append(problem)
            sentence.first_line = sentence.first_line or number
            continue
        assert columns is not None
        if columns[0] == DOCSTART:
            yield from finish(sentence)
            sentence = _Sentence()
            document += 1
            position = 0
            continue
        tag = columns[-1]
        match = TAG.match(tag)
        sentence.first_line = sentence.first_line or number
        if match is None:
            sentence.problems.append(
                Problem(
                    name,
                    number,
                    None,
                    f"tag {tag!r} is not O or B-/I-/E-/S- followed by a label (the tag is the last column)",
                )
            )
            continue
        prefix = PREFIX_ALIASES.get(match.group(1) or "O", match.group(1) or "O")
        sentence.tokens.append(_Token(columns[0], prefix, match.group(2) or "", number))
    yield from finish(sentence)
    if content_lines == 0:
        raise VinerError(f"{path}: no tokens: the file is empty or has only blank lines; expected TOKEN TAG lines")


def _has_docstart(path: Path, encoding: str) -> bool:
    for _, line in iter_lines(path, encoding):
        if line.lstrip().startswith(DOCSTART):
            return True
    return False


def _report(problems: list[Problem], on_problem: OnProblem | None) -> None:
    if on_problem is None:
        raise InvalidInput(problems)
    for problem in problems:
        on_problem(problem)


def _build(
    sentence: _Sentence,
    path: str,
    label_map: Mapping[str, str],
    drop: set[str],
    labels: Sequence[str] | None,
    join: str,
    keep_underscores: bool,
    document: int | None,
    position: int,
    filename: str,
) -> tuple[Example | None, list[Problem]]:
    entities, problems = _entities(sentence, path)
    raws = [t.text for t in sentence.tokens]
    text = None
    offsets = None
    if "text" in sentence.comments:
        line, given = sentence.comments["text"]
        text = unicodedata.normalize("NFC", given)
        offsets = match_tokens(text, [unicodedata.normalize("NFC", r) for r in raws])
        if offsets is None:
            problems.append(
                Problem(
                    path,
                    line,
                    "text",
                    "the tokens that follow do not match this `# text =` line; fix or remove the line",
                )
            )
    if text is None or offsets is None:
        text, offsets = join_tokens([token_text(r, keep_underscores) for r in raws], join)
    spans = []
    for first, last, label, line in entities:
        if label in drop:
            continue
        target = label_map.get(label, label)
        if labels is not None and target not in labels:
            fix = f"map it with --label-map {label}=LABEL, leave it out with --drop {label}, or {ADD_LABEL}"
            problems.append(Problem(path, line, None, f"label {target!r} is not one of {', '.join(labels)}; {fix}"))
            continue
        spans.append((offsets[first][0], offsets[last - 1][1], target))
    meta: dict[str, Any] = {
        "source": f"{filename}#{document}" if document is not None else f"{filename}:{sentence.first_line}",
        "line": sentence.first_line,
        "position": position,
    }
    if document is not None:
        meta["document"] = document
    if "meta" in sentence.comments:
        line, raw = sentence.comments["meta"]
        try:
            given = json.loads(raw)
        except json.JSONDecodeError as err:
            problems.append(Problem(path, line, "meta", f"invalid JSON ({err.msg} at column {err.colno})"))
        else:
            if isinstance(given, dict):
                meta = given
            else:
                problems.append(Problem(path, line, "meta", f"must be a JSON object, got {type(given).__name__}"))
    if problems:
        return None, problems
    id_line, unit = sentence.comments.get("id", (0, ""))
    unit = unit.strip()
    if unit and unit != unit_id(text):
        return None, [
            Problem(
                path,
                id_line,
                "id",
                f"{unit!r} is not the id of this sentence's text ({unit_id(text)!r}): was the text edited? remove the line to give it a new id",
            )
        ]
    example, errors = make_example(text, spans, meta=meta, id=unit, labels=None)
    return example, [Problem(path, sentence.first_line, fld, msg) for fld, msg in errors]
