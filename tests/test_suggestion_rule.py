"""The suggestion rule (viner.doccano.scripts.suggestion_rule), the one both ways of writing suggestions apply."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from viner.doccano.scripts import suggestion_rule as rule
from viner.doccano.scripts.suggestion_rule import Held, Tally, decide, held

WANTED = {(0, 5, 1), (10, 16, 2), (20, 25, 3)}
OLD = {(0, 5, 1), (10, 16, 3)}  # an earlier push's two suggestions (another model)
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)


def suggestions(triples, given: int) -> list[Held]:
    return [Held(n, s, e, label, given) for n, (s, e, label) in enumerate(sorted(triples))]


def test_checked_is_left_alone_whatever_it_holds():
    assert decide(True, suggestions(OLD, 2), True, WANTED).outcome == rule.CHECKED
    assert decide(True, [], False, WANTED) == rule.Decision(rule.CHECKED)


def test_a_unit_never_given_suggestions_gets_them_and_is_recorded_after():
    decision = decide(False, [], False, WANTED)
    assert decision.outcome == rule.NEW and set(decision.create) == WANTED and decision.record
    assert not decision.delete and not decision.unrecord_first


def test_the_same_suggestions_are_not_written_again_but_recorded_when_a_push_stopped_before_the_record():
    assert decide(False, suggestions(WANTED, 3), True, WANTED) == rule.Decision(rule.SAME)
    assert decide(False, suggestions(WANTED, 3), False, WANTED) == rule.Decision(rule.SAME, record=True)


def test_work_of_the_annotators_own_is_never_touched():
    drawn = suggestions(OLD, 2) + [Held("x", 30, 34, 1, 0)]  # one span drawn by the annotator
    assert decide(False, drawn, True, WANTED) == rule.Decision(rule.EDITED)
    assert decide(False, [Held("x", 30, 34, 1, 0)], False, WANTED).outcome == rule.EDITED
    assert decide(False, [], True, WANTED) == rule.Decision(rule.EMPTIED)  # deleted every suggestion
    fewer = suggestions(OLD, 2)[:1]  # deleted one of a finished push's two suggestions
    assert decide(False, fewer, True, WANTED) == rule.Decision(rule.EDITED)


def test_a_unit_the_annotator_never_opened_gets_the_newer_suggestions():
    decision = decide(False, suggestions(OLD, 2), True, WANTED)
    assert decision.outcome == rule.REPLACED and decision.unrecord_first and decision.record
    # (0, 5, 1) was given by a push of 2 suggestions, not 3: replaced too, so every suggestion carries the new count
    assert {span.triple for span in decision.delete} == OLD and set(decision.create) == WANTED


def test_a_unit_a_killed_push_left_half_suggested_is_completed():
    half = suggestions({(0, 5, 1)}, 3)  # 1 of this push's 3, and no record: the push died on this unit
    decision = decide(False, half, False, WANTED)
    assert decision.outcome == rule.COMPLETED and not decision.delete and not decision.unrecord_first
    assert set(decision.create) == WANTED - {(0, 5, 1)} and decision.record
    # a replacement killed after it took the annotator out of the record: completed from whatever is left
    mixed = suggestions({(10, 16, 3)}, 2) + [Held(9, 0, 5, 1, 3)]
    decision = decide(False, mixed, False, WANTED)
    assert decision.outcome == rule.COMPLETED and [s.key for s in decision.delete] == [0]
    assert set(decision.create) == WANTED - {(0, 5, 1)}


def apply(state: dict[str, Any], decision: rule.Decision, wanted: set) -> Iterator[None]:
    """What a writer does with a decision, step by step (the order the API path follows)."""
    if decision.unrecord_first:
        state["recorded"] = False
        yield
    for span in decision.delete:
        state["held"] = [h for h in state["held"] if h.key != span.key]
        yield
    for n, (s, e, label) in enumerate(decision.create):
        state["held"].append(Held(f"new{n}", s, e, label, len(wanted)))
        yield
    if decision.record:
        state["recorded"] = True
        yield


@pytest.mark.parametrize("start", ["fresh", "old"])
def test_a_push_killed_after_any_step_and_run_again_ends_where_an_uninterrupted_push_ends(start: str):
    held0: list[Held] = [] if start == "fresh" else suggestions(OLD, 2)
    recorded0 = start == "old"
    scratch: dict[str, Any] = {"held": list(held0), "recorded": recorded0}
    steps = sum(1 for _ in apply(scratch, decide(False, held0, recorded0, WANTED), WANTED))
    assert steps >= 4  # every step of the write is a place to be killed
    for kill_after in range(steps):
        state: dict[str, Any] = {"held": list(held0), "recorded": recorded0}
        for done, _ in enumerate(apply(state, decide(False, state["held"], state["recorded"], WANTED), WANTED)):
            if done == kill_after:
                break
        again = decide(False, state["held"], state["recorded"], WANTED)
        assert again.outcome != rule.EDITED, (kill_after, state)  # never taken for the annotator's work
        for _ in apply(state, again, WANTED):
            pass
        assert {h.triple for h in state["held"]} == WANTED and state["recorded"]
        assert {h.given for h in state["held"]} == {len(WANTED)}
        assert decide(False, state["held"], state["recorded"], WANTED).outcome == rule.SAME


def test_a_suggestion_relabelled_by_the_annotator_is_theirs():
    created = T0.isoformat().replace("+00:00", "Z")
    assert held(1, 0, 5, 2, 3.0, created, (T0 + timedelta(microseconds=80)).isoformat()).given == 3
    assert held(1, 0, 5, 2, 3.0, created, (T0 + timedelta(minutes=2)).isoformat()).given == 0
    assert held(1, 0, 5, 2, 0.0, created, created).given == 0  # drawn in the page: prob stays 0


def test_one_tally_counts_every_outcome():
    tally = Tally()
    for decision in (
        decide(False, [], False, WANTED),
        decide(False, suggestions(OLD, 2), True, WANTED),
        decide(False, suggestions(WANTED, 3), True, WANTED),
        decide(True, [], False, WANTED),
        decide(False, [], True, WANTED),
    ):
        tally.add(decision)
    assert (tally.new, tally.replaced, tally.same, tally.checked, tally.emptied) == (1, 1, 1, 1, 1)
    assert tally.suggested == 2 and tally.worked_on == 2 and tally.spans == 6
    assert Tally.from_dict(tally.to_dict()) == tally
    total = Tally()
    total.absorb(tally)
    total.absorb(tally)
    assert total.spans == 12 and total.suggested == 4


def test_the_rule_and_the_in_server_scripts_need_only_the_standard_library():
    """The scripts run with Doccano's Python, where viner is not installed: they import nothing of viner's."""
    folder = rule.__file__.rsplit("/", 1)[0]
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import suggestion_rule, suggest, check_times, ensure_admin; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('viner', 'spacy', 'django')))"
    )
    done = subprocess.run([sys.executable, "-I", "-c", code, folder], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
