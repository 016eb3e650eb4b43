"""`viner doccano push`: units (and their spans, or a model's) into a Doccano project.

What a push does, in order, and why:

1. reads and validates the whole file first (the shared validator); nothing is sent
   when a line is invalid;
2. creates or reuses a sequence-labeling project (collaborative mode off, so every
   annotator works on their own copy and exports stay attributable), with PERSON, ORG,
   GPE and EVENT in fixed colours and keyboard keys, and the guidelines as description;
3. creates missing annotator accounts and memberships (existing passwords are never
   touched);
4. uploads the units that are not in the project yet (idempotent by unit id: a unit's
   id is kept in Doccano's metadata; for units that came from elsewhere it is the hash
   of their text), as UTF-8 explicitly, then checks that Doccano stored every text
   byte for byte;
5. creates pre-annotations: the spans already in the file, or with ``--preannotate``
   the model's entities for units that have none. Doccano gives each annotator their
   own copy of the spans they create, so viner logs in as each annotator and creates
   the suggestions as theirs: that is how every annotator sees and corrects them (the
   ner.correct workflow). An annotator gets suggestions on a unit only while they have
   neither a span on it nor checked it, so a push never touches anyone's work.

With ``--review`` the file is a review file written by ``viner merge``: each conflict
becomes one unit whose metadata shows every annotator's version and whose
pre-annotations are the spans all annotators agreed on; the adjudicators (default: the
admin) correct them and mark them as checked.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..errors import InvalidInput, ProblemLog, VinerError
from ..formats import doccano_jsonl
from ..io import read_text
from ..record import DEFAULT_LABELS, Example, Span, check_example, unit_id
from .client import Session, connect

#: Fixed, distinguishable colours (Sasha Trubetskoy's palette) and the key that picks each label.
LABEL_STYLE = {
    "PERSON": ("#e6194b", "p"),
    "ORG": ("#4363d8", "o"),
    "GPE": ("#3cb44b", "g"),
    "EVENT": ("#f58231", "e"),
}
EXTRA_COLOURS = ("#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#469990", "#9a6324", "#800000", "#000075")
DEFAULT_GUIDELINES = Path("annotations/GUIDELINES.md")
REVIEW_KEY = "viner_review"
META_KEY = "viner_meta"
PROJECT_META_KEYS = ("doccano_id", "doccano_confirmed", "Comments")
Echo = Callable[[str], None]


@dataclass
class PushResult:
    url: str
    project: str
    project_id: int
    project_created: bool
    units: int = 0
    uploaded: int = 0
    already_there: int = 0
    duplicates: int = 0
    labels_created: list[str] = field(default_factory=list)
    accounts_created: dict[str, str | None] = field(default_factory=dict)  # name -> generated password (None: from env)
    members_added: list[str] = field(default_factory=list)
    suggested_spans: dict[str, int] = field(default_factory=dict)  # annotator -> spans created now
    suggested_units: dict[str, int] = field(default_factory=dict)
    kept_units: dict[str, int] = field(default_factory=dict)  # annotator -> units left alone (already worked on)
    no_login: dict[str, str] = field(default_factory=dict)  # annotator -> why viner could not act as them
    model_spans: int = 0
    model_labels_skipped: Counter = field(default_factory=Counter)


def load_units(path: Path, labels: Sequence[str], review: bool) -> tuple[list[Example], int]:
    """Every valid unit of ``path``; any invalid line stops the push with all problems listed."""
    log = ProblemLog()
    examples = list(doccano_jsonl.read(path, labels=labels, on_problem=log))
    if log:
        raise InvalidInput(log.problems)
    if not examples:
        raise VinerError(f"{path}: empty file: no units to push (expected one {{\"text\": ..., \"label\": [...]}} object per line)")
    units: dict[str, Example] = {}
    duplicates = 0
    for example in examples:
        if example.id in units:
            duplicates += 1
            continue
        units[example.id] = example
    is_review = [REVIEW_KEY in e.meta for e in units.values()]
    if review and not all(is_review):
        raise VinerError(f"{path}: not a review file (rows lack meta.{REVIEW_KEY}); write one with `viner merge`, or push without --review")
    if not review and any(is_review):
        raise VinerError(f"{path}: this is a review file written by `viner merge`; push it with --review to a review project")
    return list(units.values()), duplicates


def guideline_text(path: Path | None, labels: Sequence[str]) -> str:
    if path is not None and path.is_file():
        text = read_text(path).strip()
        if text:
            return text
    if path is not None and path != DEFAULT_GUIDELINES and not path.is_file():
        raise VinerError(f"{path}: guidelines file not found" + (" (it is a folder)" if path.is_dir() else ""))
    return (
        f"Mark every named entity as one of {', '.join(labels)} (OntoNotes 5.0 definitions). "
        "Select the exact words, no surrounding spaces or punctuation; mark the unit as checked when done."
    )


def model_suggestions(model: str, examples: Sequence[Example], labels: Sequence[str], echo: Echo) -> tuple[dict[str, tuple[Span, ...]], int, Counter]:
    """Entities a spaCy pipeline predicts for ``examples`` (units that already have spans are skipped)."""
    try:
        import spacy

        nlp = spacy.load(model)
    except Exception as err:  # spaCy raises OSError/IOError/ValueError for a missing or broken pipeline
        raise VinerError(f"--preannotate {model}: cannot load the spaCy pipeline ({str(err).splitlines()[0][:200]})") from err
    todo = [e for e in examples if not e.spans]
    echo(f"Pre-annotating {len(todo)} unit(s) with {model}")
    found: dict[str, tuple[Span, ...]] = {}
    skipped: Counter = Counter()
    count = 0
    for example, doc in zip(todo, nlp.pipe(e.text for e in todo)):
        raw = []
        for ent in doc.ents:
            if ent.label_ not in labels:
                skipped[ent.label_] += 1
                continue
            raw.append((ent.start_char, ent.end_char, ent.label_))
        if raw and not check_example(example.text, raw, labels):
            found[example.id] = tuple(Span(s, e, l) for s, e, l in raw)
            count += len(raw)
        elif raw:
            skipped["(invalid span)"] += len(raw)
    return found, count, skipped


def _readable(text: str, spans: Sequence[Sequence]) -> str:
    return " · ".join(f"{text[s:e]} ({label})" for s, e, label in spans) or "(no entities)"


def upload_row(example: Example) -> dict:
    """The row Doccano imports for a unit.

    Doccano keeps every extra key as metadata but exports it through pandas, which turns a
    key missing from some units into null and integers beside nulls into floats. So the
    unit's metadata travels as one JSON string (``viner_meta``) that pull decodes exactly,
    next to ``unit_id`` (the idempotency key); review rows add readable versions for the
    adjudicator's metadata panel.
    """
    meta = {k: v for k, v in example.meta.items() if k not in PROJECT_META_KEYS and k != "unit_id"}
    row: dict = {"text": example.text, "label": [], "unit_id": example.id}
    review = meta.get(REVIEW_KEY)
    if isinstance(review, dict):
        for name, spans in sorted(review.get("versions", {}).items()):
            row[f"version: {name}"] = _readable(example.text, spans)
        if review.get("disputed"):
            row["disputed"] = _readable(example.text, review["disputed"])
    if "source" in meta and isinstance(meta["source"], str):
        row["source"] = meta["source"]
    row[META_KEY] = json.dumps(meta, ensure_ascii=False, sort_keys=True)
    return row


def upload_batches(examples: Sequence[Example]) -> list[list[dict]]:
    """Upload rows grouped so that every row of a file has the same keys with the same value types.

    Doccano reads an import into a pandas DataFrame: a key missing from some rows becomes
    NaN, which is not JSON, and the whole import fails on the database's JSON check
    ("CHECK constraint failed: JSON_VALID(meta)"); ints mixed with nulls would turn into
    floats. One file per key/type signature avoids both.
    """
    groups: dict[tuple, list[dict]] = {}
    for example in examples:
        row = upload_row(example)
        signature = tuple(sorted((key, type(value).__name__) for key, value in row.items()))
        groups.setdefault(signature, []).append(row)
    return list(groups.values())


def example_key(example: dict) -> str:
    meta = example.get("meta") or {}
    return str(meta.get("unit_id") or unit_id(example.get("text") or ""))


def push(
    path: Path,
    project: str,
    *,
    session: Session | None = None,
    annotators: Sequence[str] = (),
    preannotate: str | None = None,
    review: bool = False,
    guidelines: Path | None = DEFAULT_GUIDELINES,
    labels: Sequence[str] = DEFAULT_LABELS,
    annotator_password: str | None = None,
    echo: Echo = print,
    url: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> PushResult:
    """Push the units of ``path`` to the Doccano project ``project`` (see the module docstring).

    Everything local is checked before the server is contacted (the file, the guidelines,
    the --preannotate model): a bad file is reported at once, not after the connection
    retries. Without ``session``, connects with ``url``/``user``/``password`` (or the
    DOCCANO_* environment variables).
    """
    path = Path(path)
    examples, duplicates = load_units(path, labels, review)
    description = guideline_text(guidelines, labels)
    annotators = list(dict.fromkeys(a.strip() for a in annotators if a.strip()))
    suggestions: dict[str, tuple[Span, ...]] = {e.id: e.spans for e in examples if e.spans}
    model_count, model_skipped = 0, Counter()
    if preannotate:
        found, model_count, model_skipped = model_suggestions(preannotate, examples, labels, echo)
        suggestions.update(found)
    session = session or connect(url, user, password)
    if annotator_password is None:
        annotator_password = os.environ.get("DOCCANO_ANNOTATOR_PASSWORD") or None

    found_project = session.find_project(project)
    created = found_project is None
    if found_project is None:
        text = description
        if review:
            text = (
                "Review round: each unit is a conflict between annotators. Its metadata shows every annotator's version; "
                "the spans they all agreed on are pre-annotated. Correct the spans into the right answer and mark the unit as checked.\n\n"
                + text
            )
        found_project = session.create_project(project, description=text, guideline=text)
        echo(f"Created project {project!r} (id {found_project['id']})")
    elif found_project.get("project_type") != "SequenceLabeling":
        raise VinerError(f"Doccano project {project!r} is a {found_project.get('project_type')} project; choose another --project name")
    pid = int(found_project["id"])
    result = PushResult(session.url, project, pid, created, units=len(examples), duplicates=duplicates, model_spans=model_count, model_labels_skipped=model_skipped)

    existing_types = session.span_types(pid)
    extra = iter(EXTRA_COLOURS)
    for label in labels:
        if label not in existing_types:
            colour, key = LABEL_STYLE.get(label, (next(extra, "#a9a9a9"), None))
            session.create_span_type(pid, label, colour, key)
            result.labels_created.append(label)
    type_ids = session.span_types(pid)

    admin = session.username
    if review and not annotators:
        annotators = [admin]
    members = session.members(pid)
    passwords: dict[str, str] = {}
    for name in annotators:
        if name == admin:
            continue
        if session.find_user(name) is None:
            password = annotator_password or secrets.token_urlsafe(12)
            session.create_user(name, password)
            passwords[name] = password
            result.accounts_created[name] = None if annotator_password else password
        if name not in members:
            session.add_member(pid, name, "annotator")
            result.members_added.append(name)

    existing = {example_key(e): e for e in session.examples(pid)}
    new = [e for e in examples if e.id not in existing]
    result.already_there = len(examples) - len(new)
    if new:
        echo(f"Uploading {len(new)} new unit(s) to {project!r} ({result.already_there} already there)")
        errors = []
        with tempfile.TemporaryDirectory(prefix="viner-push-") as tmp:
            for number, rows in enumerate(upload_batches(new), start=1):
                upload = Path(tmp) / f"{path.stem}-{number}.jsonl"
                with upload.open("w", encoding="utf-8") as out:
                    for row in rows:
                        out.write(json.dumps(row, ensure_ascii=False) + "\n")
                errors += session.import_jsonl(pid, upload)
        if errors:
            first = errors[0]
            detail = first.get("message", first) if isinstance(first, dict) else first
            raise VinerError(
                f"Doccano rejected {len(errors)} row(s) of the upload (first: {detail}); the other units were imported; "
                "fix the file and push again (units already there are skipped)"
            )
        existing = {example_key(e): e for e in session.examples(pid)}
        missing = [e.id for e in new if e.id not in existing]
        changed = [e.id for e in new if e.id in existing and existing[e.id]["text"] != e.text]
        if changed:
            raise VinerError(
                f"Doccano stored {len(changed)} unit(s) with different text than sent (first: {changed[0]}): an encoding problem; "
                "delete those examples in Doccano and report this"
            )
        if missing:
            raise VinerError(f"{len(missing)} unit(s) did not arrive in Doccano (first: {missing[0]}); push again to retry")
        result.uploaded = len(new)
    else:
        echo(f"All {len(examples)} unit(s) are already in {project!r}; nothing to upload")

    if suggestions:
        targets = list(annotators) or [name for name, role in members.items() if role == "annotator"]
        if not targets:
            echo(f"warning: {sum(map(len, suggestions.values()))} span(s) to pre-annotate but the project has no annotators; pass --annotators")
            result.no_login["(nobody)"] = "no annotators"
        for name in targets:
            if name == admin:
                as_user = session
            else:
                password = passwords.get(name) or annotator_password
                if not password:
                    result.no_login[name] = "existing account and DOCCANO_ANNOTATOR_PASSWORD is not set"
                    continue
                try:
                    as_user = Session(session.url, name, password, retries=session.retries)
                except VinerError as err:
                    result.no_login[name] = str(err)
                    continue
            spans, units, kept = preannotate_for(as_user, pid, existing, suggestions, type_ids)
            result.suggested_spans[name], result.suggested_units[name], result.kept_units[name] = spans, units, kept
            echo(f"{name}: {spans} suggested span(s) on {units} unit(s); {kept} unit(s) already worked on left alone")
    return result


def preannotate_for(
    session: Session, pid: int, examples: dict[str, dict], suggestions: dict[str, tuple[Span, ...]], type_ids: dict[str, int]
) -> tuple[int, int, int]:
    """Create ``suggestions`` as the logged-in user's spans, on units they have not worked on."""
    mine = {example_key(e): e for e in session.examples(pid)}  # is_confirmed is per user here
    spans = units = kept = 0
    for key, wanted in suggestions.items():
        example = mine.get(key) or examples.get(key)
        if example is None:
            continue
        if mine.get(key, {}).get("is_confirmed") or session.spans(pid, example["id"]):
            kept += 1
            continue
        for span in wanted:
            session.create_span(pid, example["id"], span.start, span.end, type_ids[span.label])
            spans += 1
        units += 1
    return spans, units, kept
