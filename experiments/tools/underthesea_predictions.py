"""underthesea's CRF NER over Doccano JSONL units, written as Doccano JSONL spans for `viner evaluate`.

Runs in underthesea's own environment (it does not import viner):

    python -m venv assets/venv-underthesea
    assets/venv-underthesea/bin/pip install "underthesea>=9,<10"
    assets/venv-underthesea/bin/python tools/underthesea_predictions.py \
        assets/vlsp2016/dev.jsonl -o assets/underthesea/vlsp-dev.jsonl
    python -m viner evaluate assets/underthesea/vlsp-dev.jsonl corpus/vlsp-syllable/dev.spacy \
        -o evaluate/reports/underthesea-vlsp-dev.json --words-per-second N

(from experiments/: `weasel run baselines` runs them all.)

``underthesea.ner(text)`` is its raw-text pipeline (word segmentation, POS tags, chunks, then the
CRF): it returns words with BIO tags (PER, LOC, ORG, MISC). Each word is found again in the unit's
text (its words are the text's characters in order, spaces inside a word standing for the text's
whitespace); entities are the B-/I- runs (an I- after O or after another type starts an entity, as
conlleval reads it), mapped to viner's labels (PER=PERSON, ORG=ORG, LOC=GPE; MISC dropped and
counted). Each output row keeps the unit's ``meta.unit_id``, so `viner evaluate` matches it by id.

Speed: only the ``ner`` calls are timed (one process, one thread, after one warm-up call), and
words are counted as viner's syllable tokenizer counts them (runs of letters and digits, and each
other non-space character), so the figure is comparable with the words/s of a viner report.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
WORD = re.compile(r"\w+|[^\w\s]")


def entities(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(first word, word after the last, type)`` of each B-/I- run of BIO tags."""
    out: list[tuple[int, int, str]] = []
    start: int | None = None
    kind = ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        if prefix == "I" and start is not None and name == kind:
            continue
        if start is not None:
            out.append((start, i, kind))
            start = None
        if prefix in ("B", "I"):
            start, kind = i, name
    return out


def word_offsets(text: str, words: list[str]) -> list[tuple[int, int] | None]:
    """Where each word is in ``text`` (code points), ``None`` for a word that cannot be placed.

    Words are looked for in order, separated by whitespace only. Where underthesea changed a
    character (its text normalisation moves tone marks: "hoà" becomes "hòa"), the words are
    aligned to the text on base letters (without marks, lower case, spaces left out).
    """
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for word in words:
        start = cursor
        while start < len(text) and text[start].isspace():
            start += 1
        if not text.startswith(word, start):
            return _aligned(text, words)
        spans.append((start, start + len(word)))
        cursor = start + len(word)
    return spans


def _base(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0].lower()


def _aligned(text: str, words: list[str]) -> list[tuple[int, int] | None]:
    places = [i for i, c in enumerate(text) if not c.isspace()]
    text_key = "".join(_base(text[i]) for i in places)
    word_keys = ["".join(_base(c) for c in word if not c.isspace()) for word in words]
    where: dict[int, int] = {}  # position in the words' key -> position in the text's key
    matcher = difflib.SequenceMatcher(None, "".join(word_keys), text_key, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            where[a + k] = b + k
    out: list[tuple[int, int] | None] = []
    at = 0
    for key in word_keys:
        first, last = at, at + len(key) - 1
        at += len(key)
        if key and first in where and last in where and where[last] - where[first] == last - first:
            out.append((places[where[first]], places[where[last]] + 1))
        else:
            out.append(None)
    return out


def predict_row(ner, row: dict, counts: Counter) -> tuple[dict, int, float]:
    """The output row of one unit, its word count and the seconds ``ner`` took."""
    text = unicodedata.normalize("NFC", row["text"])
    start = time.perf_counter()
    tokens = ner(text) if text.strip() else []
    seconds = time.perf_counter() - start
    words = [t[0] for t in tokens]
    places = word_offsets(text, words)
    spans = []
    for first, end, kind in entities([t[3] for t in tokens]):
        label = LABELS.get(kind)
        if label is None:
            counts[f"dropped {kind}"] += 1
            continue
        a, b = places[first], places[end - 1]
        if a is None or b is None:
            counts["entities whose words could not be placed in the text (skipped)"] += 1
            continue
        s, e = a[0], b[1]
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        spans.append([s, e, label])
        counts[label] += 1
    meta = {"system": "underthesea.ner"}
    unit = (row.get("meta") or {}).get("unit_id") or row.get("unit_id")
    if unit:
        meta["unit_id"] = unit
    return {"text": text, "label": spans, "meta": meta}, len(WORD.findall(text)), seconds


def read_units(paths: list[Path]):
    """``(file, line, row)`` of every unit of the JSONL files (a folder: its ``*.jsonl`` files, sorted)."""
    files = [f for p in paths for f in (sorted(p.glob("*.jsonl")) if p.is_dir() else [p])]
    for path in files:
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    text = row["text"]
                except (json.JSONDecodeError, KeyError, TypeError) as err:
                    sys.exit(f"{path}:{number}: not a Doccano JSONL unit ({err})")
                if not isinstance(text, str):
                    sys.exit(f"{path}:{number}: text: must be a string")
                yield path, number, row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "units", type=Path, nargs="+", help="Doccano JSONL files of units, or folders of them (their spans are ignored)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="Doccano JSONL to write (atomically)")
    args = parser.parse_args(argv)

    import underthesea
    from underthesea import ner

    ner("Ông Nguyễn Văn An làm việc ở Hà Nội.")  # warm-up: loads the models, not timed
    counts: Counter = Counter()
    words = units = 0
    seconds = 0.0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=args.output.parent, prefix=f".{args.output.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            for _, _, row in read_units(args.units):
                out, n, took = predict_row(ner, row, counts)
                handle.write(json.dumps(out, ensure_ascii=False) + "\n")
                words, units, seconds = words + n, units + 1, seconds + took
        os.replace(handle.name, args.output)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    rate = words / seconds if seconds else 0.0
    print(
        f"underthesea {underthesea.__version__}: {units} units, {words} words in {seconds:.1f} s of ner: "
        f"{rate:,.0f} words/s (pass --words-per-second {rate:.0f} to viner evaluate)"
    )
    print("entities: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
