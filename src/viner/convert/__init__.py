"""`viner convert`: span files (Doccano JSONL) -> train/dev/test DocBins, split by article.

- :mod:`.run`: the conversion (:func:`convert`), one :class:`~.run.ConvertRun` per call;
- :mod:`.rows`: a block of examples -> the DocBin arrays of their gold docs;
- :mod:`.pool`: converted blocks in a temporary file until the split is known;
- :mod:`.shards`: DocBin bytes of gold rows, written as files or folders of shards;
- :mod:`.report`: what a conversion did.
"""

from .report import ConvertReport, MisalignedSpan
from .run import convert

__all__ = ["ConvertReport", "MisalignedSpan", "convert"]
