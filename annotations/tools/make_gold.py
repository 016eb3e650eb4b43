"""Generate annotations/gold/*.jsonl from the readable annotation source (gold_source.txt).

The source lists every unit of the seed corpus by its exact text and, under it, the entities of the
unit as ``LABEL string`` lines. Offsets are never written by hand: this script finds each string in
its unit and fails loudly when it cannot place it exactly.

Source format (see gold_source.txt)::

    === 000_bfa7c0c797dc5220.txt            an article (the unit's meta.source)
    > Văn phòng Tổng thống Nga cho biết ...  a unit: its exact text after "> "
    ORG Văn phòng Tổng thống Nga             one entity line: LABEL, a space, the exact string
    GPE Nga x2                                the string occurs twice (free occurrences): label both
    GPE Trung #1                              label only the 1st free occurrence (1-based, left to right)
    NONE                                      the unit has no entity (required, so nothing is skipped silently)
    # ...                                     a comment

An occurrence is a match of the string on word boundaries (the characters around it are not letters
or digits), so "Nga" never matches inside "Ngay" and "Trung" matches in "Trung-Nga". Entity lines are
placed longest string first; a *free* occurrence is one that does not overlap a span already placed, so
"Nga" inside "Bộ Ngoại giao Nga" is not free once the ORG is listed. The script fails when:

- a string has no free occurrence in its unit;
- a string has several free occurrences and the line says neither ``xN`` (all N of them) nor ``#i``;
- ``xN`` does not equal the number of free occurrences, or ``#i`` is out of range;
- a unit of the corpus has no entry in the source, or an entry's text is not a unit of the corpus;
- a record does not pass viner's validator (``check_example``).

Units are matched by text, never by position, so the gold follows the corpus when its rules change;
each gold row carries the unit's meta exactly as ``viner corpus build`` writes it.

Usage (from the repository root)::

    .venv/bin/python annotations/tools/make_gold.py             # write annotations/gold/
    .venv/bin/python annotations/tools/make_gold.py --check     # fail if the committed gold differs
    .venv/bin/python annotations/tools/make_gold.py --review    # per-label lists, unlabelled mentions
    .venv/bin/python annotations/tools/make_gold.py --skeleton  # print a source skeleton of all units
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(__file__).resolve().with_name("gold_source.txt")
GOLD_DIR = ROOT / "annotations" / "gold"
RAW_DIR = ROOT / "corpus" / "raw"
LABELS = ("PERSON", "ORG", "GPE", "EVENT")
QUALIFIER = re.compile(r"\s+(?:x(?P<all>\d+)|#(?P<picks>\d+(?:,\d+)*))$")


class GoldError(Exception):
    """The source cannot be turned into gold exactly; the message says where and why."""


@dataclass
class EntityLine:
    label: str
    string: str
    count: int | None  # xN: all N free occurrences
    picks: tuple[int, ...]  # #i,j: these free occurrences (1-based)
    line: int


@dataclass
class UnitEntry:
    article: str
    text: str
    line: int
    entities: list[EntityLine] = field(default_factory=list)
    none: bool = False


def parse_source(path: Path = SOURCE) -> list[UnitEntry]:
    entries: list[UnitEntry] = []
    article = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path.name}:{number}"
        if line.startswith("=== "):
            article = line[4:].strip()
            continue
        if line.startswith("> "):
            if article is None:
                raise GoldError(f"{where}: unit before the first '=== article' line")
            entries.append(UnitEntry(article, raw[2:], number))
            continue
        if not entries:
            raise GoldError(f"{where}: entity line before the first unit")
        entry = entries[-1]
        if line.strip() == "NONE":
            if entry.entities:
                raise GoldError(f"{where}: NONE in a unit that has entities")
            entry.none = True
            continue
        label, _, rest = line.strip().partition(" ")
        if label not in LABELS:
            raise GoldError(f"{where}: unknown label {label!r} (expected one of {', '.join(LABELS)} or NONE)")
        if entry.none:
            raise GoldError(f"{where}: entity in a unit marked NONE")
        count, picks = None, ()
        match = QUALIFIER.search(rest)
        if match:
            if match.group("all"):
                count = int(match.group("all"))
            else:
                picks = tuple(int(p) for p in match.group("picks").split(","))
            rest = rest[: match.start()]
        if not rest or rest != rest.strip():
            raise GoldError(f"{where}: empty entity string or stray spaces in {rest!r}")
        entry.entities.append(EntityLine(label, rest, count, picks, number))
    for entry in entries:
        if not entry.entities and not entry.none:
            raise GoldError(f"{path.name}:{entry.line}: unit has no entity lines; write NONE if it has no entity")
    return entries


def occurrences(text: str, string: str) -> list[tuple[int, int]]:
    """Every match of ``string`` in ``text`` on word boundaries (str.find, left to right)."""
    found = []
    start = text.find(string)
    while start != -1:
        end = start + len(string)
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            found.append((start, end))
        start = text.find(string, start + 1)
    return found


def place(entry: UnitEntry) -> list[tuple[int, int, str]]:
    """Turn the entity lines of one unit into exact, non-overlapping spans."""
    spans: list[tuple[int, int, str]] = []
    for ent in sorted(entry.entities, key=lambda e: (-len(e.string), e.line)):
        where = f"{SOURCE.name}:{ent.line}: {ent.label} {ent.string!r}"
        every = occurrences(entry.text, ent.string)
        free = [(s, e) for s, e in every if all(e <= s2 or s >= e2 for s2, e2, _ in spans)]
        if not free:
            taken = f" ({len(every)} inside spans already placed)" if every else ""
            raise GoldError(f"{where}: not found in its unit{taken}: {entry.text[:80]!r}")
        if ent.count is not None:
            if ent.count != len(free):
                raise GoldError(f"{where}: x{ent.count} given but it occurs {len(free)} time(s) outside other spans")
            chosen = free
        elif ent.picks:
            bad = [p for p in ent.picks if not 1 <= p <= len(free)]
            if bad or len(set(ent.picks)) != len(ent.picks):
                raise GoldError(
                    f"{where}: #{','.join(map(str, ent.picks))} out of range (free occurrences: {len(free)})"
                )
            chosen = [free[p - 1] for p in ent.picks]
        else:
            if len(free) > 1:
                contexts = "; ".join(_context(entry.text, s, e) for s, e in free)
                raise GoldError(
                    f"{where}: ambiguous, {len(free)} free occurrences (say x{len(free)} or #i): {contexts}"
                )
            chosen = free
        spans.extend((s, e, ent.label) for s, e in chosen)
    return sorted(spans)


def _context(text: str, start: int, end: int, width: int = 20) -> str:
    return f"…{text[max(0, start - width) : start]}[{text[start:end]}]{text[end : end + width]}…"


def build_gold(source: Path = SOURCE, raw_dir: Path = RAW_DIR) -> dict[str, list]:
    """Gold examples per article (key: the article's source name), in corpus order."""
    sys.path.insert(0, str(ROOT / "src"))
    from viner.corpus import build_units
    from viner.record import Example, Span, check_example

    entries = parse_source(source)
    by_text: dict[str, UnitEntry] = {}
    for entry in entries:
        if entry.text in by_text:
            raise GoldError(
                f"{source.name}:{entry.line}: the same unit text is listed twice (also line {by_text[entry.text].line})"
            )
        by_text[entry.text] = entry
    gold: dict[str, list] = defaultdict(list)
    used: set[str] = set()
    missing = []
    for unit in build_units([raw_dir]):
        entry = by_text.get(unit.text)
        if entry is None:
            missing.append(f"{unit.meta.get('source')} position {unit.meta.get('position')}: {unit.text[:70]!r}")
            continue
        used.add(unit.text)
        spans = place(entry)
        problems = check_example(unit.text, spans)
        if problems:
            raise GoldError(f"{source.name}:{entry.line}: invalid record: {problems}")
        if entry.article != unit.meta.get("source"):
            raise GoldError(
                f"{source.name}:{entry.line}: listed under {entry.article} but the corpus puts it in {unit.meta.get('source')}"
            )
        gold[unit.meta["source"]].append(
            Example(unit.text, tuple(Span(*s) for s in spans), id=unit.id, meta=dict(unit.meta))
        )
    stale = [f"{source.name}:{e.line}: {e.text[:70]!r}" for e in entries if e.text not in used]
    if missing or stale:
        lines = [f"unit of the corpus without an entry in the source: {m}" for m in missing]
        lines += [f"source entry whose text the corpus no longer produces: {s}" for s in stale]
        raise GoldError("the source is out of step with `viner corpus build`:\n  " + "\n  ".join(lines))
    return dict(gold)


def gold_name(article: str) -> str:
    """annotations/gold file name of an article: 000_bfa7c0c797dc5220.txt -> seed-000.jsonl."""
    stem = Path(article.split(":", 1)[0]).stem
    return f"seed-{stem.split('_', 1)[0]}.jsonl"


def render(gold: dict[str, list]) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from viner.formats.doccano_jsonl import dumps

    files: dict[str, str] = {}
    for article, examples in gold.items():
        name = gold_name(article)
        if name in files:
            raise GoldError(f"two articles map to the same gold file {name}")
        files[name] = "".join(dumps(e) + "\n" for e in examples)
    return files


def write(files: dict[str, str], gold_dir: Path = GOLD_DIR) -> None:
    gold_dir.mkdir(parents=True, exist_ok=True)
    for old in gold_dir.glob("seed-*.jsonl"):
        if old.name not in files:
            old.unlink()
    for name, content in files.items():
        (gold_dir / name).write_text(content, encoding="utf-8")


def check(files: dict[str, str], gold_dir: Path = GOLD_DIR) -> list[str]:
    """Differences between the gold on disk and what the source generates."""
    diffs = []
    on_disk = {p.name for p in gold_dir.glob("seed-*.jsonl")}
    for name in sorted(on_disk | set(files)):
        path = gold_dir / name
        if name not in files:
            diffs.append(f"{name}: on disk but not generated")
        elif not path.exists():
            diffs.append(f"{name}: generated but missing on disk")
        elif path.read_text(encoding="utf-8") != files[name]:
            diffs.append(f"{name}: differs from what gold_source.txt generates")
    return diffs


def counts(gold: dict[str, list]) -> tuple[Counter, dict[str, Counter], int]:
    total: Counter = Counter()
    per_article: dict[str, Counter] = {}
    units = 0
    for article, examples in gold.items():
        c: Counter = Counter(s.label for e in examples for s in e.spans)
        per_article[gold_name(article)] = c
        total.update(c)
        units += len(examples)
    return total, per_article, units


def review(gold: dict[str, list]) -> None:
    """Second-pass aids: distinct strings per label, strings with two labels, unlabelled mentions."""
    strings: dict[str, Counter] = defaultdict(Counter)
    labels_of: dict[str, set] = defaultdict(set)
    for examples in gold.values():
        for e in examples:
            for text, label in e.span_texts():
                strings[label][text] += 1
                labels_of[text.lower()].add(label)
    for label in LABELS:
        items = sorted(strings[label].items(), key=lambda kv: (kv[0].lower(), kv[0]))
        print(f"\n## {label}: {sum(strings[label].values())} spans, {len(items)} distinct strings")
        for text, n in items:
            print(f"  {n:3d}  {text}")
    clashes = {t: ls for t, ls in labels_of.items() if len(ls) > 1}
    print(f"\n## strings with more than one label: {len(clashes)}")
    for text, ls in sorted(clashes.items()):
        print(f"  {text}: {', '.join(sorted(ls))}")
    print("\n## mentions of a labelled string (any case) left outside every span")
    known = sorted(labels_of, key=len, reverse=True)
    for article, examples in gold.items():
        for e in examples:
            low = e.text.lower()
            for text in known:
                for s, end in occurrences(low, text):
                    if not any(sp.start <= s and end <= sp.end for sp in e.spans):
                        print(f"  {gold_name(article)} pos {e.meta.get('position')}: {_context(e.text, s, end, 30)}")


def skeleton(raw_dir: Path = RAW_DIR) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from viner.corpus import build_units

    article = None
    for unit in build_units([raw_dir]):
        if unit.meta["source"] != article:
            article = unit.meta["source"]
            print(f"\n=== {article}")
        print(f"\n> {unit.text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if annotations/gold differs from the source")
    mode.add_argument("--review", action="store_true", help="print review lists for the second pass")
    mode.add_argument("--skeleton", action="store_true", help="print a source skeleton of every corpus unit")
    args = parser.parse_args(argv)
    if args.skeleton:
        skeleton()
        return 0
    try:
        gold = build_gold()
        files = render(gold)
    except GoldError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.review:
        review(gold)
        return 0
    if args.check:
        diffs = check(files)
        for d in diffs:
            print(f"error: {d}", file=sys.stderr)
        return 1 if diffs else 0
    write(files)
    total, per_article, units = counts(gold)
    print(f"wrote {len(files)} files, {units} units, {sum(total.values())} spans to {GOLD_DIR.relative_to(ROOT)}")
    for name, c in sorted(per_article.items()):
        print(f"  {name}: " + ", ".join(f"{label} {c.get(label, 0)}" for label in LABELS))
    print("  total: " + ", ".join(f"{label} {total.get(label, 0)}" for label in LABELS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
