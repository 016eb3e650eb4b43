"""``viner_words``: Vietnamese word information on syllable tokens, from pyvi's word segmenter and tagger.

viner's configs tokenise into syllables, so every gold span falls on a token edge; but Vietnamese names are
words of several syllables ("Bộ Nông nghiệp", "Việt Nam"), and whether a syllable starts, continues or ends
a proper noun is what the syllable alone does not say. This component runs pyvi's CRF word segmenter over
the doc's syllables, pyvi's CRF part-of-speech tagger over the words it finds (the VLSP tag set: ``Np``
proper noun, ``N`` noun, ``V`` verb, ...), and writes to every token's ``TAG`` its place in its word and the
word's tag: ``S-Np`` (a one-syllable word), ``B-Np``, ``I-Np``, ``E-Np`` (first, inner, last syllable).
A ``tok2vec`` whose embedding lists ``TAG`` among its attributes sees them beside NORM, PREFIX, SUFFIX, SHAPE.
``viner_given_words`` is its counterpart for docs already in words (``Hà_Nội``, VLSP's gold words): ``S-<POS>``.

The tokens are not changed, so spans stay on syllable edges. In training the component must annotate the
docs the model learns from: list it in ``[training] annotating_components``. It runs on every batch then
(about 45,000 syllables a second: some 2 minutes of a 6,000-step run); the tags of the last CACHE_SIZE docs
are kept, which makes a small training set (the seed corpus of `make demo`) cost pyvi once, and holds at most
7 MB for sentence-sized units (measured on 4,096 VLSP sentences) however many units a pipeline annotates.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

SPACE_TAG = "_SP"
PUNCTUATION = frozenset(string.punctuation)
CACHE_SIZE = 4096


@Language.component("viner_words")
def viner_words(doc: Doc) -> Doc:
    """Set each token's ``TAG`` to ``<place>-<POS>`` from pyvi (see the module docstring)."""
    return _tagged(doc, word_tags)


@Language.component("viner_given_words")
def viner_given_words(doc: Doc) -> Doc:
    """For docs whose tokens are already words (a word's syllables joined by ``_``, as VLSP's word-level data and
    pyvi write them): each token is one word, its ``TAG`` ``S-<POS>`` with pyvi's tag of that word. The setting of
    experiments' ``train-likeforlike``, where it takes ``viner_words``' place (``--components.viner_words.factory``)."""
    return _tagged(doc, given_word_tags)


def _tagged(doc: Doc, tagger: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Doc:
    """Each token's ``TAG``: the tagger's tag for the tokens that are not spaces, ``_SP`` for the others."""
    positions = [i for i, token in enumerate(doc) if not token.is_space]
    tags = tagger(tuple(doc[i].text for i in positions))
    for token in doc:
        token.tag_ = SPACE_TAG
    for i, tag in zip(positions, tags):
        doc[i].tag_ = tag
    return doc


@lru_cache(maxsize=CACHE_SIZE)
def given_word_tags(words: tuple[str, ...]) -> tuple[str, ...]:
    """``S-<POS>`` for each word: pyvi's tags of these words, the segmentation taken as given."""
    if not words:
        return ()
    return tuple(f"S-{tag}" for tag in _tagger().postagging_tokens(list(words))[1])


@lru_cache(maxsize=CACHE_SIZE)
def word_tags(syllables: tuple[str, ...]) -> tuple[str, ...]:
    """``<place>-<POS>`` for each syllable: pyvi's words over these syllables, tagged."""
    if not syllables:
        return ()
    words = segment(syllables)
    pos = _tagger().postagging_tokens(["_".join(syllables[start:end]) for start, end in words])[1]
    tags: list[str] = []
    for (start, end), tag in zip(words, pos):
        if end - start == 1:
            tags.append(f"S-{tag}")
        else:
            tags.extend([f"B-{tag}", *[f"I-{tag}"] * (end - start - 2), f"E-{tag}"])
    return tuple(tags)


def segment(syllables: Sequence[str]) -> list[tuple[int, int]]:
    """pyvi's words as ``(start, end)`` syllable ranges, with the rules of ``ViTokenizer.tokenize``.

    pyvi's CRF labels each syllable ``B_W`` or ``I_W``; like ``ViTokenizer.tokenize``, an ``I_W`` syllable
    joins the previous one only if neither is punctuation, neither starts with a digit, and it is not a
    capitalised syllable after a lower-case one.
    """
    tokenizer = _segmenter()
    labels = tokenizer.model.predict([tokenizer.sent2features(list(syllables), False)])[0]
    words: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(syllables)):
        previous, current = syllables[i - 1], syllables[i]
        joins = (
            labels[i] == "I_W"
            and current not in PUNCTUATION
            and previous not in PUNCTUATION
            and not current[0].isdigit()
            and not previous[0].isdigit()
            and not (current[0].istitle() and not previous[0].istitle())
        )
        if not joins:
            words.append((start, i))
            start = i
    words.append((start, len(syllables)))
    return words


@lru_cache(maxsize=1)
def _segmenter():
    from pyvi.ViTokenizer import ViTokenizer  # loads its CRF model on import (~1 s): only when first used

    return ViTokenizer


@lru_cache(maxsize=1)
def _tagger():
    from pyvi.ViPosTagger import ViPosTagger  # loads its CRF model on import

    return ViPosTagger
