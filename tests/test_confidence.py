"""Confidence and uncertainty from the beam (viner.confidence), on a model trained in the test."""

import pytest
import spacy

from helpers import NAMES, PLACES, tiny_ner
from helpers import person_place as sentence
from viner.confidence import find_ner, score_docs, score_texts
from viner.errors import VinerError


@pytest.fixture(scope="module")
def nlp():
    return tiny_ner()


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
    docs = [nlp.make_doc(sentence(n, p)[0]) for n, p in zip(NAMES, PLACES)] + [
        nlp.make_doc("không có tên nào ở đây cả")
    ]
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
