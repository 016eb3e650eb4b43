"""CoNLL/IOB column files: one token per line, token first and tag last, a blank line between sentences.

Reading (``viner import-conll``)
--------------------------------
- Columns are separated by tabs when the line holds a tab, otherwise by spaces; the
  first column is the token, the last the tag; columns in between (POS, chunk...) are
  ignored. Tags are ``O`` or ``PREFIX-LABEL`` with the prefixes of BIO/IOB2 (``B``, ``I``)
  and BIOES (``E``, ``S``; BILOU's ``L``, ``U`` are read as ``E``, ``S``). An ``I-``/``E-``
  tag that does not continue a ``B-``/``I-`` of the same label is an error reported
  with its line number (IOB1 files, where a lone ``I-`` starts an entity, are refused,
  never guessed). A line with fewer than two columns is an error too.
- Each sentence becomes one example. Its text is rebuilt from the tokens:

  * word-level files (VLSP word-segmented data, PhoNER ``data/word``) join the syllables
    of a word with ``_``: an underscore between two characters that are neither
    ``_`` nor whitespace becomes a space ("Hà_Nội" -> "Hà Nội"); ``keep_underscores``
    turns this off;
  * ``join="smart"`` (default) puts one space between tokens except: no space *before*
    a token made only of ``, . : ; ! ? ) ] } ” ’ % … »``; no space *after* a token made
    only of ``( [ { “ ‘ «``; straight quotes ``"`` and ``'`` alternate within a sentence,
    the first of a pair opening (no space after it), the second closing (no space
    before it). So ``Ông Putin nói : " xin chào " ( SCO ) .`` becomes
    ``Ông Putin nói: "xin chào" (SCO).``;
  * ``join="space"`` joins tokens with single spaces, exactly as VLSP 2016 prints its
    text (punctuation spaced out): use it to compare with published VLSP results.

  Entity offsets are computed while the text is built, so they are exact.
- ``-DOCSTART-`` lines separate documents. A sentence's ``meta.source`` is
  ``FILE#N`` (its document, N from 1) when the file has ``-DOCSTART-`` lines, and
  ``FILE:LINE`` (the sentence alone) otherwise; ``viner convert`` keeps a ``source``
  in one split, so documents are never cut between train and test. ``meta.line`` is
  the line where the sentence starts, ``meta.position`` its index in the document.
- CoNLL-U style comment lines ``# key = value`` before a sentence are read:
  ``# text = ...`` gives the exact text (the tokens must match it in order, an ``_``
  matching a run of whitespace), ``# id = ...`` the unit id, ``# meta = {json}`` the
  meta. ``viner export --format conll --comments`` writes them, which makes
  JSONL -> CoNLL -> JSONL exact (text, spacing, ids, meta), not only span-preserving.

Writing (``viner export --format conll``)
-----------------------------------------
IOB2 tags, tab-separated ``TOKEN<TAB>TAG`` lines, a blank line after each sentence.
Tokens come from :mod:`viner.tokens` (pyvi words or rule-based syllables); a
multi-syllable word is written with ``_`` between its syllables ("Hà_Nội"), as VLSP and
PhoNER do. Tokens that a span starts or ends inside are split at the span's edge and
reported, so every span survives.
"""

from .read import DOCSTART, SUFFIXES, parse_label_map, read
from .text import JOINS, join_tokens
from .write import lines, sentence_lines, unit_preview, write

__all__ = [
    "DOCSTART",
    "JOINS",
    "SUFFIXES",
    "join_tokens",
    "lines",
    "parse_label_map",
    "read",
    "sentence_lines",
    "unit_preview",
    "write",
]
