"""CoNLL/IOB column files: one token per line, token first and tag last, a blank line between sentences.

Reading (``viner import-conll``)
--------------------------------
- Columns are separated by tabs when the line holds a tab, otherwise by spaces; the
  first column is the token, the last the tag; columns in between (POS, chunk...) are
  ignored. Tags are ``O`` or ``PREFIX-LABEL`` with the prefixes of BIO/IOB2 (``B``, ``I``)
  and BIOES (``E``, ``S``; BILOU's ``L``, ``U`` are read as ``E``, ``S``). An ``I-``/``E-``
  tag that does not continue a ``B-``/``I-`` of the same label is an error reported
  with its line number (IOB1 files, where a lone ``I-`` starts an entity, are refused,
  never guessed). A line with fewer than two columns is an error too.
- Each sentence becomes one example. Its text is rebuilt from the tokens:

  * word-level files (VLSP word-segmented data, PhoNER ``data/word``) join the syllables
    of a word with ``_``: an underscore between two characters that are neither
    ``_`` nor whitespace becomes a space ("Hà_Nội" -> "Hà Nội"); ``keep_underscores``
    turns this off;
  * ``join="smart"`` (default) puts one space between tokens except: no space *before*
    a token made only of ``, . : ; ! ? ) ] } ” ’ % … »``; no space *after* a token made
    only of ``( [ { “ ‘ «``; straight quotes ``"`` and ``'`` alternate within a sentence,
    the first of a pair opening (no space after it), the second closing (no space
    before it). So ``Ông Putin nói : " xin chào " ( SCO ) .`` becomes
    ``Ông Putin nói: "xin chào" (SCO).``;
  * ``join="space"`` joins tokens with single spaces, exactly as VLSP 2016 prints its
    text (punctuation spaced out): use it to compare with published VLSP results.

  Entity offsets are computed while the text is built, so they are exact.
- ``-DOCSTART-`` lines separate documents. A sentence's ``meta.source`` is
  ``FILE#N`` (its document, N from 1) when the file has ``-DOCSTART-`` lines, and
  ``FILE:LINE`` (the sentence alone) otherwise; ``viner convert`` keeps a ``source``
  in one split, so documents are never cut between train and test. ``meta.line`` is
  the line where the sentence starts, ``meta.position`` its index in the document.
- CoNLL-U style comment lines ``# key = value`` before a sentence are read:
  ``# text = ...`` gives the exact text (the tokens must match it in order, an ``_``
  matching a run of whitespace), ``# id = ...`` the unit id, ``# meta = {json}`` the
  meta. ``viner export --format conll --comments`` writes them, which makes
  JSONL -> CoNLL -> JSONL exact (text, spacing, ids, meta), not only span-preserving.

Writing (``viner export --format conll``)
-----------------------------------------
IOB2 tags, tab-separated ``TOKEN<TAB>TAG`` lines, a blank line after each sentence.
Tokens come from :mod:`viner.tokens` (pyvi words or rule-based syllables); a
multi-syllable word is written with ``_`` between its syllables ("Hà_Nội"), as VLSP and
PhoNER do. Tokens that a span starts or ends inside are split at the span's edge and
reported, so every span survives.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..errors import InvalidInput, VinerError
from ..io import iter_lines, write_lines
from ..record import DEFAULT_LABELS, Example, Problem, make_example, unit_id
from ..tokens import SplitToken, Tokeniser, token_string

SUFFIXES = (".conll", ".iob", ".bio", ".txt", ".tsv")
JOINS = ("smart", "space")
DOCSTART = "-DOCSTART-"

NO_SPACE_BEFORE = set(",.:;!?)]}”’%…»")
NO_SPACE_AFTER = set("([{“‘«")
STRAIGHT_QUOTES = ('"', "'")
TAG = re.compile(r"^(?:O|([BIESLU])-(\S+))$")
UNDERSCORE = re.compile(r"(?<=[^\s_])_(?=[^\s_])")
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


def join_tokens(tokens: Sequence[str], join: str = "smart") -> tuple[str, list[tuple[int, int]]]:
    """Rebuild a text from tokens with the spacing rule of ``join``; returns the text and each token's offsets."""
    if join not in JOINS:
        raise VinerError(f"unknown join {join!r}: choose {' or '.join(JOINS)}")
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    previous_opens = True  # no space before the first token
    open_quotes = {q: False for q in STRAIGHT_QUOTES}
    for token in tokens:
        space = not previous_opens
        opens = False
        if join == "smart":
            if token in STRAIGHT_QUOTES:
                if open_quotes[token]:
                    space = False  # closing quote
                    open_quotes[token] = False
                else:
                    opens = True
                    open_quotes[token] = True
            elif all(ch in NO_SPACE_BEFORE for ch in token):
                space = False
            elif all(ch in NO_SPACE_AFTER for ch in token):
                opens = True
        if space and parts:
            parts.append(" ")
            position += 1
        parts.append(token)
        offsets.append((position, position + len(token)))
        position += len(token)
        previous_opens = opens if join == "smart" else False
    return "".join(parts), offsets


def _token_text(raw: str, keep_underscores: bool) -> str:
    text = unicodedata.normalize("NFC", raw)
    return text if keep_underscores else UNDERSCORE.sub(" ", text)


def _match_tokens(text: str, raws: Sequence[str]) -> list[tuple[int, int]] | None:
    """Offsets of ``raws`` found in order in ``text`` (``_`` may stand for whitespace); None if they do not match.

    Each token is matched as ``re.match(r"\\s*(TOKEN)", text, position)`` would, and a token with
    ``_`` that does not match so as ``\\s*(PART(?:_|\\s+)PART...)``: the same leftmost, greedy,
    backtracking semantics, without compiling a regex per token (linear in the text).
    """
    offsets: list[tuple[int, int]] = []
    position = 0
    for raw in raws:
        span = _match_literal(text, position, raw)
        if span is None and "_" in raw:
            span = _match_underscored(text, position, raw.split("_"))
        if span is None:
            return None
        offsets.append(span)
        position = span[1]
    if text[position:].strip():
        return None
    return offsets


def _spaces_end(text: str, position: int) -> int:
    """The end of the run of whitespace (``\\s``, i.e. ``str.isspace``) starting at ``position``."""
    end, n = position, len(text)
    while end < n and text[end].isspace():
        end += 1
    return end


def _match_literal(text: str, position: int, raw: str) -> tuple[int, int] | None:
    """The span of ``raw`` after optional whitespace at ``position``, as ``re.match(r"\\s*(raw)")``."""
    end = _spaces_end(text, position)
    for start in range(end, position - 1, -1):  # \s* is greedy: longest run first
        if text.startswith(raw, start):
            return start, start + len(raw)
        if not raw[:1].isspace():  # a shorter run leaves a space where raw has none
            break
    return None


def _match_underscored(text: str, position: int, parts: Sequence[str]) -> tuple[int, int] | None:
    """The span of ``parts`` joined by ``_`` or a whitespace run, after optional whitespace at ``position``."""
    end = _spaces_end(text, position)
    for start in range(end, position - 1, -1):
        stop = _match_parts(text, start, parts, 0)
        if stop is not None:
            return start, stop
    return None


def _match_parts(text: str, position: int, parts: Sequence[str], i: int) -> int | None:
    part = parts[i]
    if not text.startswith(part, position):
        return None
    position += len(part)
    if i == len(parts) - 1:
        return position
    if text.startswith("_", position):  # the separator: "_" first, then a whitespace run (longest first)
        stop = _match_parts(text, position + 1, parts, i + 1)
        if stop is not None:
            return stop
    for after in range(_spaces_end(text, position), position, -1):
        stop = _match_parts(text, after, parts, i + 1)
        if stop is not None:
            return stop
    return None


def _split_columns(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t") if c.strip()]
    return line.split()


def _parse_line(line: str, number: int, path: str) -> tuple[list[str] | None, Problem | None]:
    stripped = line.strip()
    if stripped[:1] == "{" and stripped[-1:] == "}" or len(stripped) > 1 and stripped[0] == "[" and stripped[-1] == "]":
        hint = "this looks like JSON lines (Doccano JSONL), not CoNLL; give it to `viner validate` or `viner convert` directly"
        return None, Problem(path, number, None, hint)
    columns = _split_columns(line)
    if len(columns) < 2:
        return None, Problem(path, number, None, f"expected TOKEN and TAG columns separated by a space or a tab, got {stripped[:40]!r}")
    return columns, None


def _entities(sentence: _Sentence, path: str) -> tuple[list[tuple[int, int, str, int]], list[Problem]]:
    """Token ranges ``(first, last_exclusive, label, line)`` from the tags; problems for broken sequences."""
    entities: list[tuple[int, int, str, int]] = []
    problems: list[Problem] = []
    current: list[Any] | None = None  # [first, last_exclusive, label, line]

    def close() -> None:
        nonlocal current
        if current is not None:
            entities.append(tuple(current))  # type: ignore[arg-type]
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
                after = "at the start of a sentence" if before is None else (
                    f"after {before.prefix}-{before.label}" if before.prefix != "O" else "after O"
                )
                problems.append(
                    Problem(path, token.line, None, f"tag {token.prefix}-{token.label} without a preceding B-{token.label} ({after}); fix the tag (IOB1 files are not read)")
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
) -> Iterator[Example]:
    """Stream the sentences of a CoNLL/IOB file as examples.

    ``label_map`` renames labels (unmapped labels are kept); entities whose label
    (before mapping) is in ``drop`` are left out. Labels after mapping must be in
    ``labels`` (``None`` accepts all). A sentence with problems is passed to
    ``on_problem`` (each problem) and skipped; without a callback the first such
    sentence raises :class:`InvalidInput`. A file without any token raises
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
            return
        example, problems = _build(sentence, name, label_map, drop, labels, join, keep_underscores, document if has_docstart else None, position, path.name)
        position += 1
        problems = sentence.problems + problems
        if problems:
            _report(problems, on_problem)
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
        if line.split()[0] == DOCSTART:
            columns, problem = [DOCSTART], None
        else:
            columns, problem = _parse_line(line, number, name)
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
            sentence.problems.append(Problem(name, number, None, f"tag {tag!r} is not O or B-/I-/E-/S- followed by a label (the tag is the last column)"))
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
        offsets = _match_tokens(text, [unicodedata.normalize("NFC", r) for r in raws])
        if offsets is None:
            problems.append(Problem(path, line, "text", "the tokens that follow do not match this `# text =` line; fix or remove the line"))
    if text is None or offsets is None:
        text, offsets = join_tokens([_token_text(r, keep_underscores) for r in raws], join)
    spans = []
    for first, last, label, line in entities:
        if label in drop:
            continue
        target = label_map.get(label, label)
        if labels is not None and target not in labels:
            fix = f"map it with --label-map {label}=LABEL or leave it out with --drop {label}"
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
        return None, [Problem(path, id_line, "id", f"{unit!r} is not the id of this sentence's text ({unit_id(text)!r}): was the text edited? remove the line to give it a new id")]
    example, errors = make_example(text, spans, meta=meta, id=unit, labels=None)
    return example, [Problem(path, sentence.first_line, fld, msg) for fld, msg in errors]


# ---------------------------------------------------------------- writing


def sentence_lines(
    example: Example,
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
) -> list[str]:
    """The CoNLL lines of one example (IOB2, tab-separated), without the blank line after it."""
    offsets, tags = tokeniser(example, on_split)
    lines: list[str] = []
    if comments:
        lines.append(f"# id = {example.id}")
        lines.append(f"# text = {_one_line(example.text)}")
        if example.meta:
            lines.append(f"# meta = {json.dumps(example.meta, ensure_ascii=False)}")
    for (start, end), tag in zip(offsets, tags):
        lines.append(f"{token_string(example.text[start:end])}\t{tag}")
    return lines


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise VinerError(
            f"unit {unit_preview(text)} spans several lines; `# text =` comments cannot hold it: export without --comments"
        )
    return text


def unit_preview(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def lines(
    examples: Iterable[Example],
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    docstart: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
    counter: list[int] | None = None,
) -> Iterator[str]:
    """All lines of a CoNLL file for ``examples`` (streaming; the tokeniser's vocabulary stays bounded, see :meth:`Tokeniser.zoned`)."""
    group = None
    for example in tokeniser.zoned(examples):
        if docstart and example.group != group:
            group = example.group
            yield f"{DOCSTART}\tO"
            yield ""
        body = sentence_lines(example, tokeniser, comments=comments, on_split=on_split)
        if not any(not line.startswith("#") for line in body):
            raise VinerError(f"unit {example.id} ({unit_preview(example.text)}) has no tokens; CoNLL cannot hold an empty sentence")
        yield from body
        yield ""
        if counter is not None:
            counter[0] += 1


def write(
    examples: Iterable[Example],
    path: Path | str,
    tokeniser: Tokeniser,
    *,
    comments: bool = False,
    docstart: bool = False,
    on_split: Callable[[SplitToken], None] | None = None,
) -> int:
    """Write examples as a CoNLL file atomically; returns the number of sentences."""
    counter = [0]
    write_lines(lines(examples, tokeniser, comments=comments, docstart=docstart, on_split=on_split, counter=counter), path)
    return counter[0]
