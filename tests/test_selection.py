"""Choosing the next batch (viner.selection) with a real NER trained in the test."""

import pytest

from helpers import NAMES, PLACES, person_place, tiny_ner
from viner.confidence import score_texts
from viner.errors import VinerError
from viner.record import Example
from viner.selection import select

ODD = [
    "Sáng nay , Bình Huế Long và An Cường ký kết hợp đồng với công ty Phòng Trang .",
    "Hội nghị Đà Nẵng Long Hà diễn ra tại Trần Bình .",
    "Cường Huế Thơ Đức gặp nhau .",
]


@pytest.fixture(scope="module")
def nlp():
    return tiny_ner()


def pool() -> list[Example]:
    plain = [Example(person_place(n, p)[0], ()) for n, p in zip(NAMES, reversed(PLACES))]
    return plain[:3] + [Example(t, ()) for t in ODD] + plain[3:]


def test_uncertain_takes_the_units_the_model_is_least_sure_of(nlp):
    units = pool()
    chosen = select(units, "uncertain", 3, nlp=nlp)
    scores = {u.id: s.uncertainty for u, (_, s) in zip(units, score_texts(nlp, [u.text for u in units]))}
    ranked = sorted(units, key=lambda u: -scores[u.id])
    assert [u.id for u in chosen.units] == [u.id for u in ranked[:3]]
    assert {u.text for u in chosen.units} == set(ODD)  # the pattern the model never saw, not the one it learned
    assert chosen.uncertainty == {u.id: scores[u.id] for u in chosen.units}
    assert (chosen.candidates, chosen.excluded) == (len(units), 0)


def test_excluded_units_are_never_chosen_and_batches_do_not_repeat(nlp):
    units = pool()
    seen: set[str] = set()
    for strategy in ("uncertain", "random", "uncertain"):
        batch = select(units, strategy, 3, nlp=nlp, seed=7, exclude=seen)
        ids = {u.id for u in batch.units}
        assert len(ids) == 3 and not ids & seen and batch.excluded == len(seen)
        seen |= ids
    assert select(units, "random", 5, exclude=seen).units == []


def test_random_is_seeded_and_keeps_file_order():
    units = pool()
    one, two = (select(units, "random", 4, seed=1).units for _ in range(2))
    assert one == two
    assert (
        len({tuple(u.id for u in select(units, "random", 4, seed=s).units) for s in range(6)}) > 1
    )  # the seed matters
    assert [units.index(u) for u in one] == sorted(units.index(u) for u in one)


def test_bad_choices_say_what_to_do():
    with pytest.raises(VinerError, match="add --preannotate MODEL"):
        select(pool(), "uncertain", 2)
    with pytest.raises(VinerError, match="choose one of uncertain, random"):
        select(pool(), "longest", 2)
    with pytest.raises(VinerError, match="--limit 0"):
        select(pool(), "random", 0)
