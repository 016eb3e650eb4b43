"""Patterns from gold: the strings annotators labelled, kept when they are labelled the same way wherever they occur.

Doccano users ask for "label repeated strings"; done blindly it spreads errors (``Đức`` is Germany and a
given name, ``Nam`` a province and "south"). So every labelled string is looked up in *all* the gold text
(at syllable boundaries) and each occurrence is counted as

- ``as_label``: a gold span of exactly that string with the pattern's label (the right answer);
- ``other_label``: a gold span of exactly that string with another label;
- ``inside``: inside or across a longer (or other) gold entity (``Hà Nội`` in ``UBND Hà Nội``);
- ``unlabelled``: no gold entity there at all.

A string's **precision** is ``as_label / occurrences``: what fraction of its matches would be right. It
becomes a pattern when that is at least ``min_precision`` and it was labelled at least ``min_count``
times; the others are reported with their counts, so a lead sees why (and can lower the bar knowingly).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..record import Example

WORD = re.compile(r"\w+")


@dataclass
class PatternStats:
    text: str
    label: str
    labelled: Counter = field(default_factory=Counter)  # label -> times annotated as this exact string
    occurrences: int = 0
    as_label: int = 0
    other_label: int = 0
    inside: int = 0
    unlabelled: int = 0
    kept: bool = False
    reason: str = ""

    @property
    def precision(self) -> float:
        return self.as_label / self.occurrences if self.occurrences else 0.0

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "label": self.label,
            "labelled": dict(self.labelled),
            "occurrences": self.occurrences,
            "as_label": self.as_label,
            "other_label": self.other_label,
            "inside": self.inside,
            "unlabelled": self.unlabelled,
            "precision": round(self.precision, 4),
            "kept": self.kept,
            "reason": self.reason,
        }


def occurrences(text: str, needle: str) -> Iterable[tuple[int, int]]:
    """Where ``needle`` occurs in ``text`` as whole syllables (not inside a longer word)."""
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            yield start, end
        start = text.find(needle, start + 1)


def measure(strings: dict[str, PatternStats], examples: Sequence[Example]) -> None:
    """Count, for every candidate string, how each of its occurrences in the gold is labelled."""
    by_first: dict[str, list[PatternStats]] = defaultdict(list)  # a string occurs only where its first syllable does
    for text, stats in strings.items():
        first = WORD.search(text)
        if first is not None:  # a string without a word occurs nowhere as a name (candidates() has none)
            by_first[first.group()].append(stats)
    for example in examples:
        gold = {(s.start, s.end): s.label for s in example.spans}
        syllables = set(WORD.findall(example.text))
        for stats in (stats for first in syllables & by_first.keys() for stats in by_first[first]):
            text = stats.text
            for start, end in occurrences(example.text, text):
                stats.occurrences += 1
                label = gold.get((start, end))
                if label == stats.label:
                    stats.as_label += 1
                elif label is not None:
                    stats.other_label += 1
                elif any(s.start < end and s.end > start for s in example.spans):
                    stats.inside += 1
                else:
                    stats.unlabelled += 1


def candidates(examples: Iterable[Example]) -> dict[str, PatternStats]:
    """Every labelled string, with how often it got each label; its pattern label is the most frequent one."""
    labelled: dict[str, Counter] = defaultdict(Counter)
    for example in examples:
        for span in example.spans:
            text = unicodedata.normalize("NFC", example.text[span.start : span.end])
            if text.strip() == text and WORD.search(text):
                labelled[text][span.label] += 1
    return {text: PatternStats(text, counts.most_common(1)[0][0], counts) for text, counts in labelled.items()}


def judge(stats: PatternStats, min_precision: float, min_count: int) -> None:
    if stats.labelled[stats.label] < min_count:
        stats.reason = f"labelled {stats.labelled[stats.label]} time(s), fewer than --min-count {min_count}"
    elif stats.precision < min_precision:
        parts = [
            f"{n} {what}"
            for n, what in (
                (stats.other_label, "with another label"),
                (stats.inside, "inside another entity"),
                (stats.unlabelled, "unlabelled"),
            )
            if n
        ]
        stats.reason = (
            f"precision {stats.precision:.2f} < {min_precision:.2f} ({', '.join(parts)} of {stats.occurrences})"
        )
    else:
        stats.kept = True


def build_patterns(
    examples: Sequence[Example], *, min_precision: float = 0.9, min_count: int = 1
) -> tuple[list[dict], list[PatternStats]]:
    """Patterns (EntityRuler format) from gold ``examples``, and every candidate string's counts."""
    examples = list(examples)
    strings = candidates(examples)
    measure(strings, examples)
    for stats in strings.values():
        judge(stats, min_precision, min_count)
    ordered = sorted(strings.values(), key=lambda s: (s.label, -s.as_label, s.text))
    patterns = [{"label": s.label, "pattern": s.text, "id": "gold"} for s in ordered if s.kept]
    return patterns, ordered
