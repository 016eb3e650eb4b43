"""Confidence and uncertainty from the beam (viner.scores), on a model trained in the test."""

import random

import pytest
import spacy
from spacy.training import Example
from spacy.util import fix_random_seed

from viner.errors import VinerError
from viner.scores import find_ner, score_docs, score_texts

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Minh Đức", "Hoàng Thu Hà", "Vũ Đức Long"]
PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang"]


def sentence(name: str, place: str) -> tuple[str, list[tuple[int, int, str]]]:
    text = f"Ông {name} đã đến {place} hôm qua ."
    start = text.index(name)
    where = text.index(place, start + len(name))
    return text, [(start, start + len(name), "PERSON"), (where, where + len(place), "GPE")]


@pytest.fixture(scope="module")
def nlp():
    fix_random_seed(0)
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}})
    ner = nlp.add_pipe("ner")
    data = [sentence(n, p) for n in NAMES for p in PLACES]
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": ents}) for t, ents in data]
    for _, _, label in data[0][1]:
        ner.add_label(label)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(30):
        rng.shuffle(examples)
        for i in range(0, len(examples), 8):
            nlp.update(examples[i : i + 8], sgd=optimizer, drop=0.1)
    return nlp


def scored(nlp, text):
    ((doc, scores),) = list(score_texts(nlp, [text]))
    return doc, scores


def test_a_unit_the_model_gets_right_is_less_uncertain_than_one_it_gets_wrong(nlp):
    right_text, gold = sentence("Trần Thị Bình", "Huế")
    right, right_scores = scored(nlp, right_text)
    assert [(e.start_char, e.end_char, e.label_) for e in right.ents] == gold
    wrong_text = "Sáng nay , Bình Huế Long và An Cường ký kết hợp đồng với công ty Phòng Trang ."
    wrong, wrong_scores = scored(nlp, wrong_text)
    assert right_scores.uncertainty < wrong_scores.uncertainty
    for start, end, label in gold:  # the model is sure of what it gets right
        assert right_scores.confidence(start, end, label) > 0.5


def test_values_are_probabilities_and_the_best_parse_is_reported(nlp):
    docs = [nlp.make_doc(sentence(n, p)[0]) for n, p in zip(NAMES, PLACES)] + [nlp.make_doc("không có tên nào ở đây cả")]
    for doc, scores in zip(docs, score_docs(find_ner(nlp), docs)):
        assert 0.0 <= scores.uncertainty <= 1.0
        for start, end, label, confidence in scores.entities:
            assert 0.0 < confidence <= 1.0
            assert doc.text[start:end] == doc.char_span(start, end).text and label in ("PERSON", "GPE")
        assert all(0.0 <= p <= 1.0 for p in scores.spans.values())


def test_scores_are_deterministic_and_an_empty_unit_is_certain(nlp):
    texts = ["Ông Lê Văn Cường đã đến Cần Thơ hôm qua .", "", "Bà Vũ Đức Long gặp Hoàng Thu Hà ở Nha Trang ."]
    first = [s for _, s in score_texts(nlp, texts, batch_size=2)]
    second = [s for _, s in score_texts(nlp, texts, batch_size=3)]
    assert first == second
    assert first[1].uncertainty == 0.0 and first[1].entities == []


def test_a_beam_of_one_and_a_pipeline_without_ner_are_refused(nlp):
    with pytest.raises(VinerError, match="beam width 1"):
        score_docs(find_ner(nlp), [nlp.make_doc("Hà Nội")], beam_width=1)
    with pytest.raises(VinerError, match="no single spaCy 'ner'"):
        find_ner(spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}}))
