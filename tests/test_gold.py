"""The gold annotations of the seed corpus stay valid and in step with `viner corpus build`.

- every gold file passes viner's validator;
- every unit the corpus rules produce has exactly one gold record, matched by text (the unit id is a
  hash of the text), and no gold record holds a text the corpus no longer produces;
- the gold is what annotations/tools/make_gold.py generates from gold_source.txt, and that tool fails
  loudly instead of guessing;
- the bracketed examples in annotations/GUIDELINES.md are spans of the gold.

When the corpus rules change, regenerate with `.venv/bin/python annotations/tools/make_gold.py`: the
source is matched to units by text, so it reports exactly which texts appeared or disappeared.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from viner.corpus import build_units
from viner.record import DEFAULT_LABELS, unit_id
from viner.validate import validate_paths

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "annotations" / "gold"
RAW = ROOT / "corpus" / "raw"
TOOL = ROOT / "annotations" / "tools" / "make_gold.py"


def gold_rows() -> list[tuple[str, int, dict]]:
    """(file name, line number, row) of every gold record, read as plain JSON."""
    rows = []
    for path in sorted(GOLD.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                rows.append((path.name, number, json.loads(line)))
    return rows


@pytest.fixture(scope="module")
def units():
    return list(build_units([RAW]))


@pytest.fixture(scope="module")
def make_gold():
    spec = importlib.util.spec_from_file_location("make_gold", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def test_gold_files_validate():
    report = validate_paths([GOLD])
    assert report.files, f"no gold files in {GOLD}"
    assert report.ok, "gold does not validate:\n" + "\n".join(map(str, report.problems))
    assert report.records == report.valid > 0
    assert report.spans > 0


def test_every_unit_has_exactly_one_gold_record(units):
    assert units, "the seed corpus produced no units"
    gold_texts = Counter(row["text"] for _, _, row in gold_rows())
    unit_texts = {u.text for u in units}
    missing = [
        f"{u.meta['source']} position {u.meta['position']}: {u.text[:80]!r}" for u in units if u.text not in gold_texts
    ]
    doubled = [f"{n}x {text[:80]!r}" for text, n in gold_texts.items() if n > 1]
    stale = [f"{name}:{line}: {row['text'][:80]!r}" for name, line, row in gold_rows() if row["text"] not in unit_texts]
    report = [
        (title, items)
        for title, items in (
            ("units of the corpus without a gold record", missing),
            ("texts with more than one gold record", doubled),
            ("gold records whose text the corpus no longer produces", stale),
        )
        if items
    ]
    assert not report, "\n".join(f"{title}:\n  " + "\n  ".join(items) for title, items in report) + (
        "\nregenerate with annotations/tools/make_gold.py after updating gold_source.txt"
    )


def test_gold_unit_ids_match_corpus_units(units):
    by_text = {u.text: u for u in units}
    wrong = []
    for name, line, row in gold_rows():
        meta = row.get("meta", {})
        unit = by_text.get(row["text"])
        expected = unit.id if unit is not None else unit_id(row["text"])
        if meta.get("unit_id") != expected:
            wrong.append(f"{name}:{line}: meta.unit_id {meta.get('unit_id')!r}, the unit's id is {expected!r}")
        if unit is not None and meta.get("source") != unit.meta.get("source"):
            wrong.append(
                f"{name}:{line}: meta.source {meta.get('source')!r}, the corpus says {unit.meta.get('source')!r}"
            )
    assert not wrong, "\n".join(wrong)


def test_gold_is_generated_from_the_source(make_gold):
    files = make_gold.render(make_gold.build_gold())
    diffs = make_gold.check(files)
    assert not diffs, (
        "annotations/gold differs from gold_source.txt; run annotations/tools/make_gold.py:\n" + "\n".join(diffs)
    )


def test_guideline_examples_are_gold_spans():
    gold = {(row["text"][s:e], label) for _, _, row in gold_rows() for s, e, label in row["label"]}
    text = (ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8")
    labels = "|".join(DEFAULT_LABELS)
    examples = set(re.findall(rf"\[([^\[\]]+)\]({labels})\b", text))
    assert len(examples) > 50
    contradicted = sorted(f"[{s}]{label}" for s, label in examples if (s, label) not in gold)
    assert not contradicted, "guideline examples that are not gold spans:\n" + "\n".join(contradicted)


def _entry(make_gold, text: str, *lines: str):
    entry = make_gold.UnitEntry("a.txt", text, 1)
    for number, line in enumerate(lines, start=2):
        label, _, rest = line.partition(" ")
        count, picks = None, ()
        match = make_gold.QUALIFIER.search(rest)
        if match:
            count = int(match.group("all")) if match.group("all") else None
            picks = tuple(int(p) for p in match.group("picks").split(",")) if match.group("picks") else ()
            rest = rest[: match.start()]
        entry.entities.append(make_gold.EntityLine(label, rest, count, picks, number))
    return entry


def test_make_gold_places_strings_exactly(make_gold):
    text = "Bộ Ngoại giao Nga nói quan hệ Trung-Nga và Nga - Trung, quốc gia Trung Á."
    spans = make_gold.place(_entry(make_gold, text, "ORG Bộ Ngoại giao Nga", "GPE Nga x2", "GPE Trung #1,2"))
    assert [(text[s:e], label) for s, e, label in spans] == [
        ("Bộ Ngoại giao Nga", "ORG"),
        ("Trung", "GPE"),
        ("Nga", "GPE"),
        ("Nga", "GPE"),
        ("Trung", "GPE"),
    ]


@pytest.mark.parametrize(
    "lines, message",
    [
        (("GPE Nga",), "ambiguous"),
        (("GPE Nga x4",), "x4 given"),
        (("GPE Nga #4",), "out of range"),
        (("PERSON Putin",), "not found"),
        (("GPE Ng",), "not found"),  # word boundaries: never a piece of a word
        (("ORG Bộ Ngoại giao Nga", "GPE Nga x3"), "x3 given"),  # Nga inside the ORG is not free
        (("ORG Bộ Ngoại giao Nga", "GPE Nga #3"), "out of range"),
    ],
)
def test_make_gold_fails_loudly(make_gold, lines, message):
    text = "Bộ Ngoại giao Nga nói Nga và Nga."
    with pytest.raises(make_gold.GoldError, match=message):
        make_gold.place(_entry(make_gold, text, *lines))


def test_make_gold_reports_units_without_source_entry(make_gold, tmp_path):
    source = tmp_path / "gold_source.txt"
    lines = (ROOT / "annotations" / "tools" / "gold_source.txt").read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("> "))
    end = next(i for i in range(first + 1, len(lines)) if not lines[i].strip())
    dropped = lines[first][2:]
    edited = lines[:first] + ["> a text the corpus never produced", "NONE"] + lines[end:]
    source.write_text("\n".join(edited), encoding="utf-8")
    with pytest.raises(make_gold.GoldError) as err:
        make_gold.build_gold(source)
    assert dropped[:60] in str(err.value)
    assert "a text the corpus never produced" in str(err.value)
