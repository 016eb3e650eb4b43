"""The suggestion rule: what a push does on one unit for one annotator. Standard library only.

Both ways a push writes suggestions use this module: the API path (viner.doccano.suggestions, one request per
span) imports it as ``viner.doccano.scripts.suggestion_rule``, and the script that writes straight into a local
server's database (``suggest.py`` beside this file, run with Doccano's own Python) imports it from its own folder.

A suggestion is a span viner created as the annotator's own. viner marks it: its ``prob`` (a field Doccano keeps but
never shows, 0 for every span an annotator draws) holds the number of suggestions that push gave the annotator on
the unit; a suggestion the annotator relabelled has been updated since it was created. So the rule tells, per unit:

- **checked** by the annotator: left alone;
- **same**: the annotator holds exactly the suggestions wanted now (an earlier push's): nothing to write;
- **edited**: a span of the annotator's own (drawn or relabelled), or fewer of a finished push's suggestions than it
  gave (the annotator deleted some): left alone;
- **emptied**: no span, and the record names the annotator on the unit (a push gave suggestions, the annotator
  deleted them all: "no entities here"): left alone;
- **new**: no span and never given suggestions: the suggestions are created;
- **completed**: only viner's suggestions and the record does not name the annotator on the unit: a push was
  stopped while it wrote this unit (the record is written last): what it left is replaced by the whole set;
- **replaced**: only a finished earlier push's suggestions, all of them, untouched: the annotator never opened the
  unit, so it gets the newer suggestions.

The record is the push ledger (``ledger_store`` beside this file: per project, unit and annotator, on the lead's
side, never in the unit's metadata, which annotators see). A push that replaces takes the annotator off the unit in
the ledger before it deletes anything, so a push stopped midway always leaves a unit this rule completes on the next
run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

TOUCHED_AFTER = 1.0  # seconds: a span updated later than this after its creation was changed by the annotator

Triple = tuple[int, int, int]  # start, end, label id

CHECKED, SAME, EDITED, EMPTIED, NEW, COMPLETED, REPLACED = (
    "checked",
    "same",
    "edited",
    "emptied",
    "new",
    "completed",
    "replaced",
)


@dataclass(frozen=True)
class Held:
    """A span the annotator holds on the unit."""

    key: int | str  # the span's id in Doccano
    start: int
    end: int
    label: int
    given: int  # > 0: an untouched suggestion of a push that gave this many on the unit; 0: the annotator's own

    @property
    def triple(self) -> Triple:
        return (self.start, self.end, self.label)


def held(
    key: int | str,
    start: int,
    end: int,
    label: int,
    prob: float | None,
    created: str | datetime,
    updated: str | datetime,
) -> Held:
    """A span as Doccano stores it (``created``/``updated`` ISO times) seen by the rule."""
    given = int(prob or 0)
    if given > 0 and (_when(updated) - _when(created)).total_seconds() > TOUCHED_AFTER:
        given = 0  # relabelled by the annotator
    return Held(key, start, end, label, given)


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Decision:
    outcome: str  # one of the outcomes above
    delete: tuple[Held, ...] = ()  # suggestions to remove
    create: tuple[Triple, ...] = ()  # spans to create, each marked with len(wanted)
    record: bool = False  # the annotator is to be named on the unit in the ledger (after the spans are written)
    unrecord_first: bool = False  # take the annotator off the unit in the ledger before deleting anything


def decide(checked: bool, spans: Iterable[Held], recorded: bool, wanted: Iterable[Triple]) -> Decision:
    """What to do on one unit for one annotator (see the module docstring)."""
    have = tuple(spans)
    goal = frozenset(wanted)
    if checked:
        return Decision(CHECKED)
    triples = {span.triple for span in have}
    if have and triples == goal:
        return Decision(SAME, record=not recorded)
    if any(span.given == 0 for span in have):
        return Decision(EDITED)
    if not have:
        if recorded:
            return Decision(EMPTIED)
        return Decision(NEW, create=tuple(sorted(goal)), record=True)
    if recorded and len(have) < max(span.given for span in have):
        return Decision(EDITED)  # the annotator deleted some of a finished push's suggestions
    keep = {span.triple for span in have if span.triple in goal and span.given == len(goal)}
    delete = tuple(span for span in have if span.triple not in keep)
    create = tuple(sorted(goal - keep))
    return Decision(REPLACED if recorded else COMPLETED, delete, create, record=True, unrecord_first=recorded)


@dataclass
class Tally:
    """What one push did for one annotator: units per outcome and spans created."""

    spans: int = 0
    new: int = 0
    completed: int = 0
    replaced: int = 0
    same: int = 0
    checked: int = 0
    edited: int = 0
    emptied: int = 0

    def add(self, decision: Decision) -> None:
        setattr(self, decision.outcome, getattr(self, decision.outcome) + 1)
        self.spans += len(decision.create)

    @property
    def suggested(self) -> int:
        """Units given suggestions now."""
        return self.new + self.completed + self.replaced

    @property
    def worked_on(self) -> int:
        """Units left alone because the annotator worked on them."""
        return self.checked + self.edited + self.emptied

    def absorb(self, other: Tally) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, counts: Mapping[str, int]) -> Tally:
        return cls(**{key: int(value) for key, value in counts.items()})


def given_to(meta: object, key: str) -> set[str]:
    """Annotators a push before the ledger named in a unit's metadata (``key``: "alice, bob"), still read until
    the next push moves them into the ledger."""
    value = meta.get(key) if isinstance(meta, dict) else None
    return {name.strip() for name in value.split(",") if name.strip()} if isinstance(value, str) else set()
