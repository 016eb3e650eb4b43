"""The lexicon shipped with viner: known names as patterns (src/viner/data/lexicon.jsonl, sources in its README).

Countries and territories, Vietnam's 63 provinces (the list before the 2025 merger, which news text uses)
and major cities as GPE; major international organisations as ORG; all in Vietnamese, as Vietnamese news
writes them. Its precision on real gold is measured (docs/annotate-less.md) with :func:`score_patterns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from ..record import Example
from .build import PatternStats, measure
from .ruler import read_patterns

LEXICON = "lexicon.jsonl"


def lexicon_patterns(labels: Sequence[str] | None = None) -> list[dict]:
    """The lexicon's patterns, only those whose label is in ``labels`` when given."""
    with resources.as_file(resources.files("viner") / "data" / LEXICON) as path:
        patterns = read_patterns(path)
    return [p for p in patterns if labels is None or p["label"] in labels]


def score_patterns(patterns: Sequence[dict], examples: Sequence[Example]) -> list[PatternStats]:
    """How each phrase pattern's occurrences in gold ``examples`` are labelled (precision = as_label / occurrences)."""
    strings = {p["pattern"]: PatternStats(p["pattern"], p["label"]) for p in patterns if isinstance(p["pattern"], str)}
    measure(strings, list(examples))
    return list(strings.values())
