"""Small helpers shared by the tests (pytest puts this folder on sys.path)."""

from __future__ import annotations

from viner.record import Span


def spans_in(text: str, entities) -> tuple[Span, ...]:
    """Spans of ``(surface, label)`` pairs, each at the first occurrence of its surface in ``text``."""
    spans = []
    for surface, label in entities:
        start = text.index(surface)
        spans.append(Span(start, start + len(surface), label))
    return tuple(spans)


def no_overlaps(items) -> list[Span]:
    """The spans of ``items`` left to right, skipping any that overlaps one kept (gold spans and spaCy's entities never overlap)."""
    out: list[Span] = []
    for span in sorted(items):
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out


NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Minh Đức", "Hoàng Thu Hà", "Vũ Đức Long"]
PLACES = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang"]


def person_place(name: str, place: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A sentence of the tiny NER model's one pattern: a PERSON goes to a GPE."""
    text = f"Ông {name} đã đến {place} hôm qua ."
    start = text.index(name)
    where = text.index(place, start + len(name))
    return text, [(start, start + len(name), "PERSON"), (where, where + len(place), "GPE")]


def tiny_ner(iterations: int = 30):
    """A real spaCy NER trained here on 36 sentences of one pattern: sure of that pattern, unsure of anything else."""
    import random

    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed

    fix_random_seed(0)
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}})
    ner = nlp.add_pipe("ner")
    for label in ("PERSON", "GPE"):
        ner.add_label(label)
    examples = [
        Example.from_dict(nlp.make_doc(t), {"entities": ents})
        for t, ents in (person_place(n, p) for n in NAMES for p in PLACES)
    ]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(iterations):
        rng.shuffle(examples)
        for i in range(0, len(examples), 8):
            nlp.update(examples[i : i + 8], sgd=optimizer, drop=0.1)
    return nlp
