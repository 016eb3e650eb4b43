"""What `viner convert` did: counts per output, skipped duplicates, misaligned spans."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class MisalignedSpan:
    path: str
    line: int
    text: str
    label: str
    tokens: list[str]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: span {self.text!r} ({self.label}) does not align with tokens {' | '.join(self.tokens)}"


@dataclass
class ConvertReport:
    files: list[Path] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)
    articles: dict[str, int] = field(default_factory=dict)
    spans: dict[str, Counter] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    misaligned: list[MisalignedSpan] = field(default_factory=list)
    misaligned_policy: str = "keep"
    outputs: dict[str, Path] = field(default_factory=dict)
    docbin_maker: str = "fast"  # or "plain" on a spaCy version the fast maker was not checked with (convert.docbins)

    def as_dict(self) -> dict:
        return {
            "inputs": [str(p) for p in self.files],
            "units": self.units,
            "articles": self.articles,
            "spans": {k: dict(sorted(v.items())) for k, v in self.spans.items()},
            "duplicates_skipped": self.duplicates,
            "misaligned_policy": self.misaligned_policy,
            "misaligned": [vars(m) for m in self.misaligned],
            "outputs": {k: str(v) for k, v in self.outputs.items()},
            "docbin_maker": self.docbin_maker,
        }

    def duplicates_by_file(self) -> dict[str, int]:
        """How many repeated units were skipped in each input file."""
        counts = Counter(where.rsplit(":", 1)[0] for where in self.duplicates)
        return dict(counts)

    def labels(self) -> list[str]:
        """Every label met in any output, sorted."""
        return sorted({label for counter in self.spans.values() for label in counter})

    def table(self) -> list[tuple]:
        """One row per output: its name, articles, units and the spans of each of :meth:`labels`."""
        labels = self.labels()
        return [
            (name, self.articles[name], self.units[name], *(self.spans[name][label] for label in labels))
            for name in self.units
        ]
