"""viner_words: pyvi's word segmentation and POS tags on syllable tokens, as a spaCy component."""

from __future__ import annotations

import subprocess
import sys

import spacy

from viner.components.words import SPACE_TAG, segment, word_tags

SYLLABLES = {"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}}


def syllable_nlp():
    nlp = spacy.blank("vi", config=SYLLABLES)
    nlp.add_pipe("viner_words")
    return nlp


def test_tags_give_each_syllable_its_place_in_its_word_and_the_word_tag():
    nlp = syllable_nlp()
    doc = nlp("Thành phố Hồ Chí Minh .")
    assert [t.tag_ for t in doc] == [
        "B-N",
        "E-N",
        "B-Np",
        "I-Np",
        "E-Np",
        "S-F",
    ]  # pyvi's words: Thành_phố Hồ_Chí_Minh .
    doc = nlp("Hôm qua ông Dũng đến Hà Nội.")
    assert [t.text for t in doc] == ["Hôm", "qua", "ông", "Dũng", "đến", "Hà", "Nội", "."]  # tokens unchanged
    assert [t.tag_ for t in doc][5:7] == ["B-Np", "E-Np"]


def test_words_never_join_punctuation_digits_or_a_capital_after_lower_case():
    syllables = ("năm", "2001", ",", "ông", "Putin")
    words = segment(syllables)
    assert [syllables[s:e] for s, e in words] == [("năm",), ("2001",), (",",), ("ông",), ("Putin",)]
    assert sum(e - s for s, e in words) == len(syllables)


def test_whitespace_tokens_get_the_space_tag_and_do_not_split_words():
    doc = syllable_nlp()("Hà  Nội\n\nvà Huế")
    assert [t.tag_ for t in doc if t.is_space] == [SPACE_TAG, SPACE_TAG]
    assert [t.tag_ for t in doc if not t.is_space] == list(word_tags(("Hà", "Nội", "và", "Huế")))


def test_an_empty_doc_gets_no_tags():
    assert len(syllable_nlp()("")) == 0


def test_the_factory_is_found_through_the_entry_point_and_survives_saving(tmp_path):
    """A fresh Python that never imports viner builds and loads the component by name (spaCy's entry points)."""
    script = (
        "import sys, spacy\n"
        f"nlp = spacy.blank('vi', config={SYLLABLES!r}); nlp.add_pipe('viner_words')\n"
        "nlp.to_disk(sys.argv[1]); loaded = spacy.load(sys.argv[1])\n"
        "assert 'viner' not in ' '.join(m for m in sys.modules if m.startswith('viner.cli'))\n"
        "print(loaded.pipe_names, [t.tag_ for t in loaded('Hà Nội')])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "p")], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['viner_words'] ['B-Np', 'E-Np']"


def test_given_words_keeps_each_token_a_word_and_tags_it_whole():
    """viner_given_words (the like-for-like setting): tokens already words, one S- tag each, pyvi's POS of the word."""
    words = {"nlp": {"tokenizer": {"@tokenizers": "spacy.vi.VietnameseTokenizer", "use_pyvi": False}}}
    nlp = spacy.blank("vi", config=words)
    nlp.add_pipe("viner_given_words")
    doc = nlp("Ông Nguyễn_Trung_Hiếu làm_việc tại Hà_Nội .")
    assert [t.text for t in doc] == ["Ông", "Nguyễn_Trung_Hiếu", "làm_việc", "tại", "Hà_Nội", "."]
    assert [t.tag_ for t in doc][1:] == ["S-Np", "S-V", "S-E", "S-Np", "S-F"]
    assert all(t.tag_.startswith("S-") for t in doc)
