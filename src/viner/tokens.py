"""Token boundaries for token-level formats (CoNLL, Hugging Face datasets).

A token here is a ``(start, end)`` character range of an example's text that holds
no leading or trailing whitespace. Two tokenisations are offered:

- ``word`` (default): the spaCy tokenizer of the training config (pyvi word
  segmentation with a pyvi config; syllables with ``configs/ner.cfg``), so exported tokens are the ones the
  pipeline sees. A word may span several syllables ("Hà Nội"); token-level formats
  write it with ``_`` joining the syllables ("Hà_Nội"), as VLSP and PhoNER do.
- ``syllable``: rule-based, no model: the text is split at whitespace, then
  punctuation is split off the ends of each piece (``SYLLABLE_TOKEN``). Dots,
  commas, slashes, hyphens and apostrophes *between* letters or digits stay inside
  ("2.000", "TP.HCM", "15/3", "COVID-19").

Whichever tokenisation is used, a token that an entity span starts or ends inside
is split at the span's edge (the same policy as ``viner convert --misaligned keep``),
so every span lands on token boundaries and no span is ever lost; every such split
is reported to the caller.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import spacy

from .errors import VinerError
from .pipeline import VOCAB_BLOCK, tokenizer_from_config, vocab_zone
from .record import Example, Span

TOKENISATIONS = ("word", "syllable")

SYLLABLE_TOKEN = re.compile(r"\w+(?:[.,/'’\-]\w+)*|[^\w\s]", re.UNICODE)
WHITESPACE_RUN = re.compile(r"\s+")

TokenOffsets = list[tuple[int, int]]


@dataclass(frozen=True)
class SplitToken:
    """A span whose edge fell inside a token (the token was split to keep the span)."""

    example: Example
    span: Span
    tokens: list[str]

    def describe(self) -> str:
        return f"span {self.span.text_in(self.example.text)!r} ({self.span.label}) cuts through token(s) {' | '.join(self.tokens)}; the token was split at the span's edge"


def syllable_offsets(text: str) -> TokenOffsets:
    """Rule-based syllable tokens: whitespace-separated pieces with punctuation split off."""
    return [(m.start(), m.end()) for m in SYLLABLE_TOKEN.finditer(text)]


def spacy_offsets(nlp, text: str) -> TokenOffsets:
    """Tokens of a spaCy tokenizer, whitespace tokens left out, each stripped of surrounding whitespace."""
    out: TokenOffsets = []
    for token in nlp.make_doc(text):
        start, end = token.idx, token.idx + len(token.text)
        out.extend(_strip(text, start, end))
    return out


def _strip(text: str, start: int, end: int) -> TokenOffsets:
    piece = text[start:end]
    core = piece.strip()
    if not core:
        return []
    lead = len(piece) - len(piece.lstrip())
    return [(start + lead, start + lead + len(core))]


def split_at(text: str, offsets: Sequence[tuple[int, int]], cuts: Iterable[int]) -> TokenOffsets:
    """Split tokens at every character offset in ``cuts`` that falls strictly inside one."""
    cuts = sorted(set(cuts))
    out: TokenOffsets = []
    for start, end in offsets:
        inner = [c for c in cuts if start < c < end]
        if not inner:
            out.append((start, end))
            continue
        edges = [start, *inner, end]
        for a, b in zip(edges, edges[1:]):
            out.extend(_strip(text, a, b))
    return out


def align(
    example: Example,
    offsets: Sequence[tuple[int, int]],
    on_split: Callable[[SplitToken], None] | None = None,
) -> TokenOffsets:
    """Return ``offsets`` split where needed so that every span starts and ends on token edges.

    Each span that needed a split is passed to ``on_split``. Raises :class:`VinerError`
    if a span still does not align (it covers no token at all, which cannot happen for a
    valid example: spans hold no leading or trailing whitespace).
    """
    starts = {s for s, _ in offsets}
    ends = {e for _, e in offsets}
    cuts: set[int] = set()
    for span in example.spans:
        if span.start in starts and span.end in ends:
            continue
        cuts.update((span.start, span.end))
        if on_split is not None:
            covering = [example.text[s:e] for s, e in offsets if s < span.end and e > span.start]
            on_split(SplitToken(example, span, covering))
    if not cuts:
        return list(offsets)
    result = split_at(example.text, offsets, cuts)
    starts = {s for s, _ in result}
    ends = {e for _, e in result}
    for span in example.spans:
        if span.start not in starts or span.end not in ends:
            raise VinerError(
                f"span {span.text_in(example.text)!r} ({span.label}) of unit {example.id} cannot be aligned to tokens"
            )
    return result


def iob2_tags(example: Example, offsets: Sequence[tuple[int, int]]) -> list[str]:
    """IOB2 tags of aligned tokens (every span starts and ends on a token edge)."""
    tags = ["O"] * len(offsets)
    index = {start: i for i, (start, _) in enumerate(offsets)}
    for span in example.spans:
        i = index[span.start]
        tags[i] = f"B-{span.label}"
        i += 1
        while i < len(offsets) and offsets[i][1] <= span.end:
            tags[i] = f"I-{span.label}"
            i += 1
    return tags


def token_string(text: str) -> str:
    """How a token is written in token-level formats: inner whitespace runs become ``_``."""
    return WHITESPACE_RUN.sub("_", text)


DEFAULT_CONFIG = "configs/ner.cfg"


def word_tokenizer(config: str | None = None):
    """The tokenizer of a training config; without one, ``configs/ner.cfg`` if it exists, else
    spaCy's Vietnamese tokenizer with pyvi."""
    if config is None:
        if Path(DEFAULT_CONFIG).exists():
            return tokenizer_from_config(DEFAULT_CONFIG)
        return spacy.blank(
            "vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.vi.VietnameseTokenizer", "use_pyvi": True}}}
        )
    return tokenizer_from_config(config)


class Tokeniser:
    """Tokenise examples as ``word`` (a spaCy tokenizer from a config) or ``syllable`` tokens."""

    def __init__(self, mode: str = "word", config: str | None = None, nlp=None, block: int = VOCAB_BLOCK) -> None:
        if mode not in TOKENISATIONS:
            raise VinerError(f"unknown tokenisation {mode!r}: choose {' or '.join(TOKENISATIONS)}")
        if block < 1:
            raise VinerError(f"block must be at least 1, got {block}")
        self.mode = mode
        self.nlp = nlp
        self.block = block
        self._warm = 0  # examples streamed by zoned() outside a zone so far
        if mode == "word" and nlp is None:
            self.nlp = word_tokenizer(config)

    def zoned(self, examples: Iterable[Example]) -> Iterator[Example]:
        """Pass ``examples`` through; all but the tokeniser's first ``block`` are tokenised in spaCy memory zones.

        spaCy's vocabulary keeps every string it has seen, so a long stream of rare tokens
        (names, numbers) would grow it without end. Tokenise each example this yields (with
        ``self(example)`` or :meth:`offsets`) before taking the next one: the first ``block``
        examples this tokeniser streams are tokenised as usual, so their common words enter
        the vocabulary and the tokenizer's cache for good (inside a zone spaCy caches
        nothing); every later block of ``block`` examples, in this stream or the next, is
        tokenised inside ``nlp.memory_zone()``, whose new strings are freed when the block
        ends (or the stream stops). Only offsets (ints) leave the tokeniser, never a spaCy
        object, so nothing outlives its zone. The tokens are exactly the same either way.
        """
        if self.nlp is None:  # syllable tokens
            yield from examples
            return
        stream = iter(examples)
        while True:
            # the warm examples still to stream outside a zone, else a zone's worth
            size = self.block - self._warm or self.block
            with vocab_zone(self.nlp, self._warm, self.block):
                count = 0
                for example in itertools.islice(stream, size):
                    count += 1
                    yield example
            if self._warm < self.block:
                self._warm += count
            if count < size:
                return

    def offsets(self, text: str) -> TokenOffsets:
        if self.mode == "syllable":
            return syllable_offsets(text)
        return spacy_offsets(self.nlp, text)

    def __call__(
        self, example: Example, on_split: Callable[[SplitToken], None] | None = None
    ) -> tuple[TokenOffsets, list[str]]:
        """Aligned token offsets of ``example`` and their IOB2 tags."""
        offsets = align(example, self.offsets(example.text), on_split)
        return offsets, iob2_tags(example, offsets)
