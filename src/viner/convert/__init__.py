"""`viner convert`: span files (Doccano JSONL) -> train/dev/test DocBins, split by article.

- :mod:`.run`: the conversion (:func:`convert`), one :class:`~.run.ConvertRun` per call;
- :mod:`.rows`: a block of examples -> the DocBin arrays of their gold docs;
- :mod:`.pool`: converted blocks in a temporary file until the split is known;
- :mod:`.docbins`: the one seam with spaCy's DocBin format: the fast maker on the spaCy versions it was
  checked with, spaCy's ``DocBin.add`` on others;
- :mod:`.shards`: DocBin files or folders of shards, written in the background; the fast maker's bytes;
- :mod:`.report`: what a conversion did.
"""

from .report import ConvertReport, MisalignedSpan
from .run import convert

__all__ = ["ConvertReport", "MisalignedSpan", "convert"]
