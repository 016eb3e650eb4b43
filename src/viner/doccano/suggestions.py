"""Pre-annotations: a model's entities as suggestions, created as each annotator's own spans.

Doccano gives each annotator their own copy of the spans they create, so viner creates the
suggestions as each annotator's own: that is how every annotator sees and corrects them (the
ner.correct workflow). With viner's own local server they are written in batches straight into its
database (viner.doccano.bulk: 10,000 units for two annotators in about a minute, upload included); with any other server viner logs in as each
annotator and creates them through the API, one request per span. An annotator gets suggestions on a unit only
while they have neither a span on it nor checked it, and never again on a unit they emptied of an earlier push's
suggestions (each unit's ``viner_suggested`` metadata records whom a push gave suggestions), so a push never
touches anyone's work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import spacy

from ..console import Echo
from ..errors import VinerError
from ..record import Example, Span, check_example
from .bulk import LocalDoccano, bulk_suggest
from .client import Session
from .units import example_key, suggested_to, with_suggested

Suggestions = Mapping[str, Sequence[Span]]  # unit id -> spans to suggest


@dataclass
class ModelSuggestions:
    spans: dict[str, tuple[Span, ...]]  # unit id -> the model's valid entities
    count: int  # spans found
    skipped: Counter  # label (or "(invalid span)") -> entities not suggested


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
    """Per annotator: what this push suggested, and why nothing was for some."""

    spans: dict[str, int] = field(default_factory=dict)  # annotator -> spans created now
    units: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(
        default_factory=dict
    )  # annotator -> units left alone (checked, or spans changed by the annotator)
    earlier: dict[str, int] = field(
        default_factory=dict
    )  # annotator -> units that still hold an earlier push's suggestions
    no_login: dict[str, str] = field(default_factory=dict)  # annotator -> why viner could not act as them


def suggest_to_annotators(
    session: Session,
    project_id: int,
    targets: Sequence[str],
    passwords: Mapping[str, str | None],
    examples: dict[str, dict],
    suggestions: Suggestions,
    type_ids: dict[str, int],
    echo: Echo,
    local: LocalDoccano | None = None,
    project: str = "",
) -> Suggested:
    """Create each of ``targets``' suggestions: straight into the database of a ``local`` home (viner.doccano.bulk),
    else through the API, logged in as each annotator (the admin is ``session`` itself)."""
    done = Suggested()
    if not targets:
        echo(
            f"warning: {sum(map(len, suggestions.values()))} span(s) to pre-annotate but the project has no annotators; pass --annotators"
        )
        done.no_login["(nobody)"] = "no annotators"
    elif local is not None:
        echo(
            f"Writing the suggestions into the database of {local.home} (the local server at {local.url}), {len(suggestions)} unit(s) per annotator"
        )
        bulk = bulk_suggest(local, project, project_id, targets, examples, suggestions, type_ids, echo)
        done.spans, done.units, done.kept, done.earlier, done.no_login = (
            bulk.spans,
            bulk.units,
            bulk.kept,
            bulk.earlier,
            bulk.refused,
        )
        for name in bulk.spans:
            report(echo, name, bulk.spans[name], bulk.units[name], bulk.earlier[name], bulk.kept[name])
        return done
    for name in targets:
        if name == session.username:
            as_user = session
        else:
            password = passwords.get(name)
            if not password:
                done.no_login[name] = "existing account and DOCCANO_ANNOTATOR_PASSWORD is not set"
                continue
            try:
                as_user = Session(session.url, name, password, retries=session.retries)
            except VinerError as err:
                done.no_login[name] = str(err)
                continue
        spans, units, kept, earlier = preannotate_for(
            as_user, project_id, examples, suggestions, type_ids, admin=session
        )
        done.spans[name], done.units[name], done.kept[name], done.earlier[name] = spans, units, kept, earlier
        report(echo, name, spans, units, earlier, kept)
    return done


def report(echo: Echo, name: str, spans: int, units: int, earlier: int, kept: int) -> None:
    echo(
        f"{name}: {spans} suggested span(s) on {units} unit(s); {earlier} unit(s) already had these suggestions; "
        f"{kept} unit(s) the annotator worked on left alone"
    )


def preannotate_for(
    session: Session,
    pid: int,
    examples: dict[str, dict],
    suggestions: Suggestions,
    type_ids: dict[str, int],
    admin: Session,
) -> tuple[int, int, int, int]:
    """Create ``suggestions`` as the logged-in user's spans, on units they have not worked on.

    A unit the user checked, or whose spans differ from the suggestions (the user changed them), is worked on and
    left alone, and so is a unit an earlier push gave them suggestions on that now holds none (they deleted every
    one: "no entities here"); a unit that holds exactly these suggestions already is counted apart, so a re-push
    reports what annotators did, not what viner did. ``admin`` records in each unit's metadata whom it gave
    suggestions (``examples``, the admin's listing, is kept up to date). Returns (spans created, units
    pre-annotated, units worked on, units with the suggestions already).
    """
    mine = {example_key(e): e for e in session.examples(pid)}  # is_confirmed is per user here
    name = session.username
    spans = units = kept = earlier = 0
    for key, wanted in suggestions.items():
        example = examples.get(key)
        if example is None:
            continue
        if mine.get(key, {}).get("is_confirmed"):
            kept += 1
            continue
        given = suggested_to(example)
        have = {(s["start_offset"], s["end_offset"], s["label"]) for s in session.spans(pid, example["id"])}
        if have and have == {(span.start, span.end, type_ids[span.label]) for span in wanted}:
            earlier += 1
            if name not in given:  # made by a push stopped before it recorded them
                _record(admin, pid, example, given | {name})
            continue
        if have or name in given:
            kept += 1
            continue
        for span in wanted:
            session.create_span(pid, example["id"], span.start, span.end, type_ids[span.label])
            spans += 1
        _record(admin, pid, example, given | {name})
        units += 1
    return spans, units, kept, earlier


def _record(admin: Session, pid: int, example: dict, names: set[str]) -> None:
    example["meta"] = with_suggested(example.get("meta") or {}, names)
    admin.update_meta(pid, example["id"], example["meta"])
