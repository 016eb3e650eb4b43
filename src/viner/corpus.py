"""Raw articles -> annotation units: decode, normalise, clean, split, identify, deduplicate.

The rules, in order, for every article:

1. Decoding: UTF-8 with or without BOM (``--encoding`` for anything else); CRLF and CR
   become LF; the text is normalised to Unicode NFC; tabs, non-breaking and other
   Unicode spaces become plain spaces, runs of spaces collapse to one, lines are stripped.
2. Cleaning, line by line (each removal is counted by reason and reported):
   - a line that is only a URL is removed; the last such line of an article (the
     source link news sites print at the end) is kept as ``meta.source_url``;
   - comment-widget lines ("Tối đa: 1500 ký tự", "Hiện chưa có bình luận nào...",
     "Gửi bình luận", ...) are removed;
   - lone numbers (a line of digits and punctuation only, e.g. a comment counter "0") are removed.
3. Photo captions: a line that ends with a photo credit such as "(Ảnh: NHK)" or starts with
   "Ảnh:" is a caption. Captions are kept as units of their own with ``meta.caption = true``
   (they name people and places worth annotating); ``--drop-captions`` removes them instead.
4. Units: a paragraph is one non-empty line (news extractions put one paragraph per line;
   blank lines only separate them). ``--unit sentence`` splits paragraphs at sentence ends
   (``. ! ? …`` followed by a space and an upper-case letter, digit or quote, abbreviations such as
   "St." and "TP." excepted); ``--unit document`` keeps the cleaned article whole, paragraphs
   joined by newlines.
5. Each unit gets ``id = unit_id(text)`` (a hash of its NFC text) and its provenance in
   ``meta``: ``source`` (the article: file path relative to the input, plus ``:LINE`` for a JSONL row),
   ``position`` (index of the unit in its article), ``line`` (line of the source file
   where the unit starts, for .txt input). Exact duplicates (same text) are dropped and counted.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput, VinerError
from .formats import doccano_jsonl
from .io import check_encoding, file_target, find_files, iter_lines, read_text, refuse_replacing_spans
from .record import Example, IdSet, Problem

UNITS = ("paragraph", "sentence", "document")
INPUT_SUFFIXES = (".txt", ".jsonl")

URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
LONE_NUMBER = re.compile(r"^[\d\s.,:;/%+\-–—()]+$")
COMMENT_WIDGET = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^Tối đa:?\s*\d[\d.,]*\s*ký tự\.?$",
        r"^Hiện chưa có bình luận nào",
        r"^(Gửi|Viết|Xem thêm|Xem tất cả) bình luận",
        r"^Bình luận( \(\d+\))?:?$",
        r"^Ý kiến bạn đọc:?$",
        r"^Bạn đọc bình luận",
        r"^Đăng nhập để bình luận",
        r"^Vui lòng nhập (nội dung|họ tên|email)",
        r"^Ý kiến của bạn sẽ được biên tập",
    )
]
CAPTION = re.compile(
    r"(\((Ảnh|Nguồn ảnh|Ảnh minh họa|Ảnh minh hoạ|Photo)\s*:[^()]*\)\.?$)|(^(Ảnh|Photo)\s*:)", re.IGNORECASE
)
SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
ABBREVIATIONS = {
    "st",
    "mr",
    "mrs",
    "ms",
    "dr",
    "tp",
    "ts",
    "ths",
    "pgs",
    "gs",
    "bs",
    "ks",
    "th",
    "tt",
    "q",
    "p",
    "no",
    "vs",
    "jr",
    "sr",
    "co",
    "inc",
    "ltd",
    "corp",
    "u.s",
    "tx",
    "h",
    "ng",
}
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[0-9A-ZÀ-ỸĐ])")


@dataclass
class CorpusStats:
    files: int = 0
    articles: int = 0
    units: int = 0
    duplicates: int = 0
    characters: int = 0
    captions: int = 0
    removed: Counter = field(default_factory=Counter)
    skipped: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "articles": self.articles,
            "units": self.units,
            "duplicates": self.duplicates,
            "characters": self.characters,
            "captions": self.captions,
            "removed_lines": dict(self.removed),
            "skipped_records": len(self.skipped),
        }


def normalise_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    line = ZERO_WIDTH.sub("", line)
    return SPACES.sub(" ", line).strip()


def classify_line(line: str) -> str | None:
    """The reason a (normalised) line is not article text, or None when it is text."""
    if URL_LINE.match(line):
        return "source_url"
    if any(p.search(line) for p in COMMENT_WIDGET):
        return "comment_widget"
    if LONE_NUMBER.match(line):
        return "lone_number"
    return None


def is_caption(line: str) -> bool:
    return bool(CAPTION.search(line))


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph at sentence ends; abbreviations ("St.", "TP.") do not end a sentence."""
    pieces: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(paragraph):
        before = paragraph[start : match.start()].rstrip('"”’)]')
        last_word = before.rsplit(" ", 1)[-1].rstrip(".").lower()
        if before.endswith(".") and (last_word in ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())):
            continue
        pieces.append(paragraph[start : match.start()].strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


@dataclass
class Article:
    source: str
    lines: list[tuple[int, str]]  # (line number in file or 0, raw line)
    meta: dict[str, Any]


def iter_articles(
    paths: Sequence[Path | str], encoding: str = "utf-8", on_problem: Callable[[Problem], None] | None = None
) -> Iterator[Article]:
    """Stream articles from .txt files (one article each) and .jsonl files (one article per row, field ``text``)."""
    files = find_files(paths, INPUT_SUFFIXES)
    roots = [Path(p) for p in paths]
    for path in files:
        rel = _relative(path, roots)
        if path.suffix.lower() == ".jsonl":
            yield from _jsonl_articles(path, rel, encoding, on_problem)
        else:
            text = read_text(path, encoding)
            yield Article(rel, list(enumerate(text.split("\n"), start=1)), {})


def _relative(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return path.relative_to(root).as_posix()
            except ValueError:
                continue
    return path.name


def _jsonl_articles(
    path: Path, rel: str, encoding: str, on_problem: Callable[[Problem], None] | None
) -> Iterator[Article]:
    for number, line in iter_lines(path, encoding):
        if not line.strip():
            continue
        problem = None
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            problem = Problem(str(path), number, None, f"invalid JSON ({err.msg} at column {err.colno})")
        else:
            if not isinstance(row, dict):
                problem = Problem(str(path), number, None, f"expected a JSON object, got {type(row).__name__}")
            elif not isinstance(row.get("text"), str):
                problem = Problem(str(path), number, "text", "missing or not a string")
        if problem is not None:
            if on_problem is None:
                raise InvalidInput([problem])
            on_problem(problem)
            continue
        meta = {k: v for k, v in row.items() if k not in ("text", "label", "labels")}
        text = row["text"].replace("\r\n", "\n").replace("\r", "\n")
        yield Article(f"{rel}:{number}", [(0, t) for t in text.split("\n")], meta)


def article_units(article: Article, unit: str, drop_captions: bool, stats: CorpusStats) -> Iterator[Example]:
    """Clean one article and cut it into units (before de-duplication)."""
    paragraphs: list[tuple[int, str, bool]] = []
    source_url = None
    for number, raw in article.lines:
        line = normalise_line(raw)
        if not line:
            continue
        reason = classify_line(line)
        if reason:
            stats.removed[reason] += 1
            if reason == "source_url":
                source_url = line
            continue
        caption = is_caption(line)
        if caption:
            stats.captions += 1
            if drop_captions:
                stats.removed["caption"] += 1
                continue
        paragraphs.append((number, line, caption))
    if not paragraphs:
        return
    base = {"source": article.source}
    if source_url:
        base["source_url"] = source_url
    for key, value in article.meta.items():
        base.setdefault(key if key != "id" else "article_id", value)
    if unit == "document":
        text = "\n".join(p for _, p, _ in paragraphs)
        yield Example(text, meta={**base, "position": 0})
        return
    position = 0
    for number, paragraph, caption in paragraphs:
        pieces = split_sentences(paragraph) if unit == "sentence" else [paragraph]
        for piece in pieces:
            meta = {**base, "position": position}
            if number:
                meta["line"] = number
            if caption:
                meta["caption"] = True
            yield Example(piece, meta=meta)
            position += 1


def build_units(
    paths: Sequence[Path | str],
    *,
    unit: str = "paragraph",
    encoding: str = "utf-8",
    drop_captions: bool = False,
    skip_invalid: bool = False,
    stats: CorpusStats | None = None,
) -> Iterator[Example]:
    """Stream the de-duplicated annotation units of the articles under ``paths``.

    Statistics accumulate in ``stats``. Invalid JSONL rows raise :class:`InvalidInput`
    unless ``skip_invalid``, in which case they are counted in ``stats.skipped``.
    """
    if unit not in UNITS:
        raise VinerError(f"unknown unit {unit!r}: choose one of {', '.join(UNITS)}")
    stats = stats if stats is not None else CorpusStats()
    seen = IdSet()  # ~16 bytes a unit: the only thing kept per unit
    files: set[str] = set()
    on_problem = stats.skipped.append if skip_invalid else None
    for article in iter_articles(paths, encoding, on_problem):
        files.add(article.source.split(":", 1)[0])
        stats.files = len(files)
        stats.articles += 1
        for example in article_units(article, unit, drop_captions, stats):
            if example.id in seen:
                stats.duplicates += 1
                continue
            seen.add(example.id)
            example.meta = {"unit_id": example.id, **example.meta}
            stats.units += 1
            stats.characters += len(example.text)
            yield example


def build_corpus(
    paths: Sequence[Path | str],
    output: Path | str,
    *,
    unit: str = "paragraph",
    encoding: str = "utf-8",
    drop_captions: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[CorpusStats], None] | None = None,
    force: bool = False,
) -> CorpusStats:
    """Build units from raw articles and write them as Doccano-importable JSONL (atomically).

    The units carry no spans, so an earlier units file is derived data and is replaced
    (the annotation loop reruns this command); but an existing output that holds spans,
    or is not a units file, may be someone's annotations and is only replaced with ``force``.
    """
    check_encoding(encoding)
    refuse_replacing_spans(file_target(output), force)
    stats = CorpusStats()
    units: Iterable[Example] = build_units(
        paths, unit=unit, encoding=encoding, drop_captions=drop_captions, skip_invalid=skip_invalid, stats=stats
    )
    if progress is not None:
        units = _report_every(units, stats, progress)
    doccano_jsonl.write(_at_least_one(units, paths), output)
    return stats


def _at_least_one(units: Iterable[Example], paths: Sequence[Path | str]) -> Iterator[Example]:
    """Pass units through; no unit at all is an error (raised before the output replaces anything)."""
    count = 0
    for example in units:
        count += 1
        yield example
    if count == 0:
        raise VinerError(
            f"{', '.join(map(str, paths))}: no text to make units from (empty files, or only URLs, comment widgets and numbers); nothing was written"
        )


def _report_every(
    units: Iterable[Example], stats: CorpusStats, progress: Callable[[CorpusStats], None], every: int = 10000
) -> Iterator[Example]:
    for i, example in enumerate(units, start=1):
        yield example
        if i % every == 0:
            progress(stats)
