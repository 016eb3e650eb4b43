"""`viner doccano push`: units (and their spans, or a model's) into a Doccano project.

A push runs these steps, in this order:

1. :func:`plan_push` reads and checks everything local before the server is contacted:
   the whole file (the shared validator; nothing is sent when a line is invalid), the
   guidelines and the ``--preannotate`` model's suggestions;
2. :func:`~viner.doccano.project.open_project` creates or reuses the sequence-labeling
   project, :func:`~viner.doccano.project.ensure_labels` its labels in the label scheme's colours and
   keys, :func:`~viner.doccano.project.ensure_accounts` the annotator accounts and
   memberships (existing passwords are never touched);
3. :func:`upload_units` uploads the units that are not in the project yet (idempotent by
   unit id, kept in Doccano's metadata; for units that came from elsewhere it is the hash
   of their text), as UTF-8 explicitly, then checks that Doccano stored every text byte
   for byte;
4. :func:`~viner.doccano.suggestions.suggest_to_annotators` creates the pre-annotations
   (the file's spans, or the model's entities for units that have none) as each
   annotator's own suggestions, on units they have not worked on: in batches straight into
   the database when the server is viner's own (``--home``, by default ``.doccano`` when it
   serves the URL: viner.doccano.bulk), else through the API.

With ``--select uncertain|random --limit N`` only N of the file's units that are not in the project
yet are pushed (viner.selection): the ones the ``--preannotate`` model is least sure of, or a seeded
random sample; each push of the next batch skips what earlier batches sent.

``--patterns FILE`` (spaCy EntityRuler JSONL, e.g. from ``viner patterns``) pre-annotates with known
names, alone (no model yet: a cold start) or after the ``--preannotate`` model, winning on overlap
except inside a longer entity of the model's (viner.patterns.ruler says why).

With ``--review`` the file is a review file written by ``viner merge``: each conflict
becomes one unit whose metadata shows every annotator's version and whose
pre-annotations are the spans all annotators agreed on; the adjudicators (default: the
admin) correct them and mark them as checked.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..labels import LabelScheme, scheme_for
from ..patterns.ruler import pipeline_with_patterns, read_patterns
from ..record import DEFAULT_LABELS, Example, Span
from ..selection import Selection, select
from .bulk import find_local
from .client import Session, connect
from .panel import UNCERTAINTY_KEY
from .project import (
    ANNOTATOR_ROLE,
    DEFAULT_GUIDELINES,
    Guidelines,
    ensure_accounts,
    ensure_labels,
    find_guidelines,
    open_project,
)
from .server import DEFAULT_HOME
from .suggestions import load_model, model_suggestions, suggest_to_annotators
from .units import META_KEY, REVIEW_KEY, example_key, load_units, upload_batches, upload_row

__all__ = [
    "META_KEY",
    "REVIEW_KEY",
    "PushPlan",
    "PushResult",
    "load_units",
    "plan_push",
    "push",
    "upload_batches",
    "upload_row",
    "upload_units",
]


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
    kept_units: dict[str, int] = field(
        default_factory=dict
    )  # annotator -> units left alone (the annotator worked on them)
    earlier_units: dict[str, int] = field(
        default_factory=dict
    )  # annotator -> units holding an earlier push's suggestions
    no_login: dict[str, str] = field(default_factory=dict)  # annotator -> why viner could not act as them
    model_spans: int = 0
    model_labels_skipped: Counter = field(default_factory=Counter)
    selection: Selection | None = None


@dataclass
class PushPlan:
    """Everything a push sends, read and checked before the server is contacted."""

    path: Path
    project: str
    units: list[Example]
    duplicates: int
    guidelines: Guidelines
    annotators: list[str]
    suggestions: dict[str, tuple[Span, ...]]  # unit id -> spans to suggest (the file's, then the model's)
    labels: Sequence[str]
    scheme: LabelScheme  # the labels' colours, keys and guidelines (viner.labels)
    review: bool
    annotator_password: str | None = field(default=None, repr=False)
    model_spans: int = 0
    model_labels_skipped: Counter = field(default_factory=Counter)
    nlp: object = field(default=None, repr=False)  # the --preannotate pipeline, loaded once
    update_guidelines: bool = False  # --guidelines given: an existing project's guidelines are replaced
    shown: dict[str, dict[str, str]] = field(default_factory=dict)  # unit id -> push's rows in the Metadata panel


def plan_push(
    path: Path,
    project: str,
    *,
    annotators: Sequence[str] = (),
    preannotate: str | None = None,
    review: bool = False,
    guidelines: Path | None = None,
    labels: Sequence[str] = DEFAULT_LABELS,
    annotator_password: str | None = None,
    echo: Echo = print,
    warn: Echo | None = None,
    defer_suggestions: bool = False,
    patterns: Path | None = None,
) -> PushPlan:
    """Read the units, the guidelines and the model's suggestions; a bad file is reported here, before any retry."""
    path = Path(path)
    units, duplicates = load_units(path, labels, review)
    scheme = scheme_for(labels)
    found = find_guidelines(Path(guidelines) if guidelines is not None else None, scheme)
    if found.fallback:
        (warn or echo)(
            f"no guidelines file found (none named by a label scheme, no {DEFAULT_GUIDELINES} here): annotators get "
            "only the label definitions; give --guidelines FILE"
        )
    plan = PushPlan(
        path=path,
        project=project,
        units=units,
        duplicates=duplicates,
        guidelines=found,
        annotators=list(dict.fromkeys(a.strip() for a in annotators if a.strip())),
        suggestions={e.id: e.spans for e in units if e.spans},
        labels=labels,
        scheme=scheme,
        review=review,
        update_guidelines=guidelines is not None,
    )
    if preannotate or patterns:
        rules = read_patterns(patterns, labels) if patterns else None
        plan.nlp = pipeline_with_patterns(preannotate, rules, load=load_model)
        if not defer_suggestions:  # with --select they are made for the chosen units only (narrow_plan)
            add_model_suggestions(plan, describe(preannotate, patterns), echo)
    plan.annotator_password = (
        annotator_password if annotator_password is not None else os.environ.get("DOCCANO_ANNOTATOR_PASSWORD") or None
    )
    return plan


def describe(preannotate: str | None, patterns: Path | None) -> str:
    return " and ".join(str(p) for p in (preannotate, patterns) if p)


def add_model_suggestions(plan: PushPlan, preannotate: str, echo: Echo) -> None:
    found = model_suggestions(preannotate, plan.units, plan.labels, echo, nlp=plan.nlp)
    plan.suggestions.update(found.spans)
    plan.model_spans, plan.model_labels_skipped = found.count, found.skipped


def narrow_plan(
    session: Session,
    plan: PushPlan,
    strategy: str,
    limit: int,
    seed: int,
    preannotate: str | None,
    echo: Echo,
    patterns: Path | None = None,
) -> Selection:
    """Keep only the ``limit`` units chosen by ``strategy`` among those the project does not have yet."""
    found = session.find_project(plan.project)
    in_project = {example_key(e) for e in session.examples(found["id"])} if found else set()
    if strategy == "uncertain":
        echo(
            f"Scoring {len(plan.units) - len(in_project & {u.id for u in plan.units})} unit(s) with {preannotate} to find the least certain"
        )
    chosen = select(
        plan.units,
        strategy,
        limit,
        nlp=plan.nlp if preannotate else None,
        seed=seed,
        exclude=in_project,
        progress=lambda done, total: echo(f"... scored {done}/{total}"),
    )
    plan.units = chosen.units
    plan.suggestions = {e.id: e.spans for e in chosen.units if e.spans}
    if plan.nlp is not None:
        add_model_suggestions(plan, describe(preannotate, patterns), echo)
    echo(
        f"Selected {len(chosen.units)} of {chosen.candidates} unit(s) not in {plan.project!r} yet ({strategy}; {chosen.excluded} already there)"
    )
    return chosen


def push(
    path: Path,
    project: str,
    *,
    session: Session | None = None,
    annotators: Sequence[str] = (),
    preannotate: str | None = None,
    review: bool = False,
    guidelines: Path | None = None,
    labels: Sequence[str] = DEFAULT_LABELS,
    annotator_password: str | None = None,
    echo: Echo = print,
    warn: Echo | None = None,
    url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    select_by: str | None = None,
    limit: int | None = None,
    seed: int = 0,
    patterns: Path | None = None,
    home: Path | None = None,
) -> PushResult:
    """Push the units of ``path`` to the Doccano project ``project`` (see the module docstring).

    Everything local is checked before the server is contacted (the file, the guidelines,
    the --preannotate model): a bad file is reported at once, not after the connection
    retries. Without ``session``, connects with ``url``/``user``/``password`` (or the
    DOCCANO_* environment variables).
    """
    if select_by is not None and (limit is None or review):
        raise VinerError("--select needs --limit N (the batch size) and cannot be used with --review")
    plan = plan_push(
        path,
        project,
        annotators=annotators,
        preannotate=preannotate,
        review=review,
        guidelines=guidelines,
        labels=labels,
        annotator_password=annotator_password,
        echo=echo,
        warn=warn,
        defer_suggestions=select_by is not None,
        patterns=patterns,
    )
    session = session or connect(url, user, password)
    local = find_local(session.url, home, DEFAULT_HOME)
    chosen = (
        narrow_plan(session, plan, select_by, limit, seed, preannotate, echo, patterns)
        if select_by is not None and limit is not None  # --select needs --limit (checked above)
        else None
    )
    if chosen is not None and not chosen.units:
        raise VinerError(
            f"{path}: every unit is already in {project!r}: nothing left to select; add new units to the file"
        )
    if chosen is not None:
        plan.shown = uncertainty_rows(chosen)

    pid, created = open_project(
        session,
        plan.project,
        plan.guidelines,
        plan.labels,
        review=plan.review,
        update_guidelines=plan.update_guidelines,
        echo=echo,
    )
    result = PushResult(
        session.url,
        plan.project,
        pid,
        created,
        units=len(plan.units),
        duplicates=plan.duplicates,
        model_spans=plan.model_spans,
        model_labels_skipped=plan.model_labels_skipped,
        selection=chosen,
    )
    result.labels_created = ensure_labels(session, pid, plan.scheme)
    type_ids = session.span_types(pid)

    annotators = plan.annotators or (
        [session.username] if plan.review else []
    )  # review: the admin adjudicates by default
    accounts = ensure_accounts(session, pid, annotators, plan.annotator_password)
    result.accounts_created, result.members_added = accounts.created, accounts.added

    examples = upload_units(session, pid, plan, result, echo)

    if plan.suggestions:
        targets = annotators or [name for name, role in accounts.members.items() if role == ANNOTATOR_ROLE]
        passwords = {name: accounts.passwords.get(name) or plan.annotator_password for name in targets}
        done = suggest_to_annotators(
            session, pid, targets, passwords, examples, plan.suggestions, type_ids, echo, local, plan.project
        )
        result.suggested_spans, result.suggested_units, result.kept_units, result.no_login = (
            done.spans,
            done.units,
            done.kept,
            done.no_login,
        )
        result.earlier_units = done.earlier
    return result


def upload_units(session: Session, pid: int, plan: PushPlan, result: PushResult, echo: Echo) -> dict[str, dict]:
    """Upload the units the project lacks and check they arrived intact; returns the project's examples by unit id."""
    existing = {example_key(e): e for e in session.examples(pid)}
    new = [e for e in plan.units if e.id not in existing]
    result.already_there = len(plan.units) - len(new)
    if not new:
        echo(f"All {len(plan.units)} unit(s) are already in {plan.project!r}; nothing to upload")
        return existing
    echo(f"Uploading {len(new)} new unit(s) to {plan.project!r} ({result.already_there} already there)")
    _send(session, pid, new, plan.path.stem, plan.shown)
    existing = {example_key(e): e for e in session.examples(pid)}
    _verify_arrival(new, existing)
    result.uploaded = len(new)
    return existing


def uncertainty_rows(chosen: Selection) -> dict[str, dict[str, str]]:
    """For units chosen by --select uncertain: why, as the Metadata panel shows it (the rank among the chosen)."""
    ranked = sorted(chosen.uncertainty.items(), key=lambda item: -item[1])
    return {
        uid: {UNCERTAINTY_KEY: f"uncertainty {value:.3f}: rank {rank} of {len(ranked)} (least sure first)"}
        for rank, (uid, value) in enumerate(ranked, start=1)
    }


def _send(
    session: Session, pid: int, units: Sequence[Example], stem: str, shown: dict[str, dict[str, str]] | None = None
) -> None:
    """One import per group of rows with the same keys (see :func:`upload_batches`); any rejected row is an error."""
    errors = []
    with tempfile.TemporaryDirectory(prefix="viner-push-") as tmp:
        for number, rows in enumerate(upload_batches(units, shown), start=1):
            upload = Path(tmp) / f"{stem}-{number}.jsonl"
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


def _verify_arrival(sent: Sequence[Example], stored: dict[str, dict]) -> None:
    """Every unit sent is in the project with exactly its text (an encoding problem shows here)."""
    missing = [e.id for e in sent if e.id not in stored]
    changed = [e.id for e in sent if e.id in stored and stored[e.id]["text"] != e.text]
    if changed:
        raise VinerError(
            f"Doccano stored {len(changed)} unit(s) with different text than sent (first: {changed[0]}): an encoding problem; "
            "delete those examples in Doccano and report this"
        )
    if missing:
        raise VinerError(f"{len(missing)} unit(s) did not arrive in Doccano (first: {missing[0]}); push again to retry")
