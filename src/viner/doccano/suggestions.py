"""Pre-annotations: a model's entities as suggestions, created as each annotator's own spans.

Doccano gives each annotator their own copy of the spans they create, so viner creates the suggestions as each
annotator's own: that is how every annotator sees and corrects them (the ner.correct workflow). With viner's own
local server they are written in batches straight into its database (viner.doccano.local_suggestions: no annotator
password needed); with any other server viner logs in as each annotator and creates them through the API, one
request per span. Both ways apply one rule (viner.doccano.scripts.suggestion_rule): a unit an annotator checked,
drew or changed a span on, or emptied of a push's suggestions is never touched; a unit they never opened gets the
newer suggestions; a unit a stopped push left half-suggested is completed. Whom a push finished giving suggestions
on each unit is recorded in the push ledger (viner.doccano.ledger), on the lead's side: annotators never see it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy

from ..console import Echo
from ..errors import VinerError
from ..record import Example, Span, check_example
from .api.client import Session
from .local_suggestions import suggest_locally
from .scripts.ledger_store import LedgerStore
from .scripts.suggestion_rule import Tally, decide
from .server.local import LocalDoccano
from .units import example_key, suggested_to

Suggestions = Mapping[str, Sequence[Span]]  # unit id -> spans to suggest


@dataclass
class ModelSuggestions:
    spans: dict[str, tuple[Span, ...]]  # unit id -> the model's valid entities
    count: int  # spans found
    skipped: Counter[str]  # label (or "(invalid span)") -> entities not suggested


def load_model(model: str):
    """The --preannotate pipeline, or a one-line error."""
    try:
        return spacy.load(model)
    except Exception as err:  # spaCy raises OSError/IOError/ValueError for a missing or broken pipeline
        raise VinerError(
            f"--preannotate {model}: cannot load the spaCy pipeline ({str(err).splitlines()[0][:200]})"
        ) from err


def model_suggestions(
    model: str, examples: Sequence[Example], labels: Sequence[str], echo: Echo, nlp=None
) -> ModelSuggestions:
    """Entities a spaCy pipeline (``nlp``, else loaded from ``model``) predicts for ``examples`` (units that already have spans are skipped)."""
    nlp = nlp if nlp is not None else load_model(model)
    todo = [e for e in examples if not e.spans]
    echo(f"Pre-annotating {len(todo)} unit(s) with {model}")
    found = ModelSuggestions({}, 0, Counter())
    for example, doc in zip(todo, nlp.pipe(e.text for e in todo)):
        raw = []
        for ent in doc.ents:
            if ent.label_ not in labels:
                found.skipped[ent.label_] += 1
                continue
            raw.append((ent.start_char, ent.end_char, ent.label_))
        if raw and not check_example(example.text, raw, labels):
            found.spans[example.id] = tuple(Span(s, e, label) for s, e, label in raw)
            found.count += len(raw)
        elif raw:
            found.skipped["(invalid span)"] += len(raw)
    return found


@dataclass
class Suggested:
    """What a push's suggestions did, per annotator, and which way they were written."""

    way: str  # "local" (straight into a local home's database) or "api"
    home: Path | None = None  # the local home written into
    tallies: dict[str, Tally] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # annotator -> why nothing was suggested to them


def suggest_to_annotators(
    session: Session,
    project_id: int,
    targets: Sequence[str],
    passwords: Mapping[str, str | None],
    examples: dict[str, dict],
    suggestions: Suggestions,
    type_ids: dict[str, int],
    echo: Echo,
    ledger: LedgerStore,
    local: LocalDoccano | None = None,
    project: str = "",
    write: bool = True,
) -> Suggested:
    """Apply the suggestion rule for each of ``targets``: straight into the database of a ``local`` home, else
    through the API, logged in as each annotator (the admin is ``session`` itself); the ``ledger`` holds the
    project's records. With ``write`` False the rule only counts what it would do (``push --dry-run``)."""
    doing = "Writing" if write else "Reading (dry run, nothing written)"
    if local is not None:
        done = Suggested("local", local.home)
        echo(
            f"{doing} the suggestions straight in the database of {local.home} (the local server at {local.url}), "
            f"{len(suggestions)} unit(s) per annotator"
        )
        if targets:
            done.tallies, done.refused = suggest_locally(
                local, project, project_id, targets, examples, suggestions, type_ids, echo, ledger, write=write
            )
    else:
        done = Suggested("api")
        echo(f"{doing} the suggestions through the API as each annotator, {len(suggestions)} unit(s) per annotator")
    if not targets:
        echo(
            f"warning: {sum(map(len, suggestions.values()))} span(s) to pre-annotate but the project has no "
            "annotators; pass --annotators"
        )
        done.refused["(nobody)"] = "the project has no annotators"
        return done
    if local is not None:
        for name, tally in done.tallies.items():
            if write:
                report(echo, name, tally)
        return done
    for name in targets:
        if name == session.username:
            as_user = session
        else:
            password = passwords.get(name)
            if not password:
                done.refused[name] = (
                    "through the API viner can write as an annotator only with their password, and it has none for "
                    "this existing account: run push where `viner doccano serve` runs (or pass --home), or set "
                    "DOCCANO_ANNOTATOR_PASSWORD when every annotator has that password"
                )
                continue
            try:
                as_user = Session(session.url, name, password, retries=session.retries, role="annotator")
            except VinerError as err:
                done.refused[name] = str(err)
                continue
        done.tallies[name] = suggest_as(as_user, project_id, examples, suggestions, type_ids, ledger, write)
        if write:
            report(echo, name, done.tallies[name])
    return done


def report(echo: Echo, name: str, tally: Tally) -> None:
    echo(
        f"{name}: {tally.spans} suggested span(s) on {tally.suggested} unit(s); {tally.same} unit(s) already had "
        f"these suggestions; {tally.worked_on} unit(s) the annotator worked on left alone"
    )


def suggest_as(
    session: Session,
    pid: int,
    examples: dict[str, dict],
    suggestions: Suggestions,
    type_ids: dict[str, int],
    ledger: LedgerStore,
    write: bool = True,
) -> Tally:
    """Apply the suggestion rule as the logged-in annotator, one unit at a time.

    Per unit: the annotator's state and spans are read, the rule decides; a replacement first takes the annotator
    off the unit in the ledger, then deletes, then creates; the ledger names them last, once the unit holds every
    suggestion. ``examples`` is the admin's listing (a record of a push before the ledger, in a unit's metadata,
    counts too: a dry run reads a project no push has moved yet).
    """
    mine = {example_key(e): e for e in session.examples(pid)}  # is_confirmed is per user here
    name = session.username
    ids = [example["id"] for key, example in examples.items() if key in suggestions]
    recorded = ledger.given(ids)
    tally = Tally()
    for key, wanted in suggestions.items():
        example = examples.get(key)
        if example is None:
            continue
        eid = int(example["id"])
        goal = {(span.start, span.end, type_ids[span.label]) for span in wanted}
        checked = bool(mine.get(key, {}).get("is_confirmed"))
        spans = [] if checked else session.held_spans(pid, eid)
        given = recorded.get(eid, set()) | suggested_to(example)
        decision = decide(checked, spans, name in given, goal)
        tally.add(decision)
        if not write:
            continue
        if decision.unrecord_first:
            ledger.unrecord([(eid, name)])
        for span in decision.delete:
            session.delete_span(pid, eid, int(span.key))
        for start, end, label in decision.create:
            session.create_span(pid, eid, start, end, label, prob=float(len(goal)))
        if decision.record:
            ledger.record([(eid, name)])
    return tally
