"""Patterns: known names as pre-annotations (spaCy's EntityRuler format, as Prodigy's patterns use).

- :mod:`.build` turns what annotators already labelled into patterns, leaving out strings that
  also occur unlabelled or with another label (each string's precision on the gold is counted);
- :mod:`.lexicon` reads the lexicon shipped with viner (countries, Vietnam's provinces and cities,
  international organisations, in Vietnamese);
- :mod:`.ruler` reads and writes pattern files and adds them to a pipeline as an ``entity_ruler``.
"""

from .build import PatternStats, build_patterns
from .lexicon import LEXICON, lexicon_patterns
from .ruler import RULER_NAME, add_patterns, pipeline_with_patterns, read_patterns, write_patterns

__all__ = [
    "LEXICON",
    "RULER_NAME",
    "PatternStats",
    "add_patterns",
    "build_patterns",
    "lexicon_patterns",
    "pipeline_with_patterns",
    "read_patterns",
    "write_patterns",
]
