"""Pattern files (JSONL, spaCy's EntityRuler format) and the ruler that applies them.

A pattern is ``{"label": "GPE", "pattern": "Hà Nội"}`` (a phrase, matched on the exact syllables)
or ``{"label": "ORG", "pattern": [{"LOWER": "bộ"}, ...]}`` (a token pattern), one per line: the
format of spaCy's ``entity_ruler`` and of Prodigy's ``--patterns``.

Beside a model the patterns run after ``ner`` (a ``span_ruler``, then viner's ``viner_patterns``
component merges its matches into ``doc.ents``) and **win on overlap**, except where the model's
entity strictly contains the match: a pattern is an exact string whose precision was measured on
the team's own gold (``viner patterns`` keeps only strings labelled the same way nearly every time
they occur), while the model's errors on known names are mostly the label (experiments/rounds/round-3.md, error
analysis: brands and teams taken for PERSON or GPE); a longer name around a known one (``UBND Hà
Nội``) is the model reading context, which a pattern would cut short. Where no pattern matches, the
model's entities stay.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import SpanRuler

from ..errors import VinerError
from ..io import os_reason, write_lines

RULER_NAME = "viner_patterns"
BLANK = "blank:vi"  # "no model": a blank Vietnamese pipeline, syllable tokens as the configs tokenise


def read_patterns(path: Path | str, labels: Sequence[str] | None = None) -> list[dict]:
    """The patterns of a JSONL file; a bad line is an error naming file, line and field."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise VinerError(f"{path}: cannot read the patterns file: {os_reason(err)}") from err
    except UnicodeDecodeError as err:
        raise VinerError(f"{path}: not UTF-8 text (byte {err.start}); save the patterns as UTF-8 JSONL") from err
    patterns = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise VinerError(
                f'{where}: not JSON ({err.msg}); expected {{"label": "GPE", "pattern": "Hà Nội"}}'
            ) from err
        if not isinstance(row, dict) or not isinstance(row.get("label"), str) or not row["label"]:
            raise VinerError(f"{where}: field 'label': expected a label name such as \"GPE\"")
        pattern = row.get("pattern")
        if isinstance(pattern, str):
            if not pattern.strip():
                raise VinerError(f"{where}: field 'pattern': empty string")
            row["pattern"] = unicodedata.normalize("NFC", pattern)
        elif not (isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern)):
            raise VinerError(
                f"{where}: field 'pattern': expected a phrase (string) or a list of token patterns (objects)"
            )
        if labels is not None and row["label"] not in labels:
            raise VinerError(
                f"{where}: field 'label': {row['label']!r} is not one of {', '.join(labels)}; fix the pattern or add the label"
            )
        patterns.append(row)
    if not patterns:
        raise VinerError(
            f'{path}: no patterns in the file (expected one {{"label": ..., "pattern": ...}} object per line)'
        )
    return patterns


def write_patterns(patterns: Iterable[dict], path: Path | str) -> int:
    """Write patterns as JSONL, atomically; returns how many."""
    return write_lines((json.dumps(p, ensure_ascii=False) for p in patterns), path)


def add_patterns(nlp: Language, patterns: Sequence[dict]) -> Language:
    """Add ``patterns`` at the end of ``nlp``: a span_ruler, then the merge into doc.ents (see the module docstring)."""
    from ..components.patterns import SPANS_KEY  # registers the viner_patterns component

    ruler = cast(  # add_pipe is typed to return any pipe; "span_ruler" makes a SpanRuler
        SpanRuler,
        nlp.add_pipe(
            "span_ruler", name=f"{RULER_NAME}_matcher", last=True, config={"spans_key": SPANS_KEY, "validate": True}
        ),
    )
    ruler.add_patterns(list(patterns))
    nlp.add_pipe("viner_patterns", name=RULER_NAME, last=True)
    return nlp


def pipeline_with_patterns(model: str | None, patterns: Sequence[dict] | None, load=spacy.load) -> Language:
    """``model`` (or a blank Vietnamese pipeline for None / ``blank:vi``) with the patterns' ruler added."""
    if model in (None, BLANK):
        nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}})
    else:
        nlp = load(model)
    return add_patterns(nlp, patterns) if patterns else nlp
