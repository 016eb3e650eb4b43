"""`viner doccano push`: units (and their spans, or a model's) into a Doccano project.

A push is three steps, each returning values:

1. **plan** (viner.doccano.push_plan.plan_push): everything local read and checked before the server is contacted:
   the whole file, the guidelines, the ``--preannotate`` model and the ``--patterns``;
2. **select** (viner.doccano.push_plan.select_batch): with the project's units known, the units this push sends
   (all, or ``--select``'s batch of those not there yet) and their suggestions;
3. **execute** (:func:`execute`): the project (:func:`~viner.doccano.project.open_project`: created only when
   asked, or on a server with no project), its labels in the label scheme's colours and keys, the annotator accounts
   and memberships (existing passwords are never touched), the upload of the units the project lacks (idempotent by
   unit id, as UTF-8 explicitly, then checked byte for byte), and the suggestions
   (viner.doccano.suggestions): straight into the database when the server is viner's own (its home found by
   ``--home`` or from the current folder upwards), else through the API as each annotator. Whom they were given to
   is recorded in the push ledger (viner.doccano.ledger), which annotators never see; records older pushes left in
   the units' metadata are moved there first.

With ``--dry-run`` the third step only says what it would do (:func:`preview`): nothing is written.

``--patterns FILE`` (spaCy EntityRuler JSONL, e.g. from ``viner patterns``) pre-annotates with known names, alone
(no model yet: a cold start) or after the ``--preannotate`` model, winning on overlap except inside a longer entity
of the model's (viner.patterns.ruler says why).

With ``--review`` the file is a review file written by ``viner merge``: each conflict becomes one unit whose
metadata shows every annotator's version and whose pre-annotations are the spans all annotators agreed on; the
adjudicators (default: the admin) correct them and mark them as checked.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..record import Example
from ..selection import Selection
from .api.client import Session
from .connection import Connection
from .ledger import move_old_records, open_ledger
from .project import ANNOTATOR_ROLE, ensure_accounts, ensure_labels, find_or_refuse, open_project
from .push_plan import Batch, PushOptions, PushPlan, plan_push, select_batch
from .scripts.suggestion_rule import Tally
from .server.local import LocalDoccano
from .suggestions import Suggested, suggest_to_annotators
from .units import example_key, upload_batches

__all__ = ["PushOptions", "PushResult", "execute", "preview", "push", "upload_units"]


@dataclass
class PushResult:
    url: str
    project: str
    project_id: int | None  # None: a dry run for a project that does not exist yet
    project_created: bool
    file_units: int  # valid, distinct units in the file
    in_project: int  # of them, the units the project held before this push
    batch: int  # units this push sends (every unit of the file, or --select's batch)
    uploaded: int = 0
    duplicates: int = 0
    selection: Selection | None = None
    labels_created: list[str] = field(default_factory=list)
    accounts_created: dict[str, str | None] = field(default_factory=dict)  # name -> generated password (None: from env)
    members_added: list[str] = field(default_factory=list)
    suggestion_units: int = 0  # units of the batch with suggestions
    suggested: Suggested | None = None
    model_spans: int = 0
    model_labels_skipped: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def refused(self) -> dict[str, str]:
        """Annotators nothing could be suggested to, and why (push then exits with an error status)."""
        return self.suggested.refused if self.suggested is not None else {}


def push(options: PushOptions, connection: Connection, echo: Echo = print, warn: Echo | None = None) -> PushResult:
    """Push the units of ``options.path`` to the project ``options.project``: plan, select, execute (or preview)."""
    plan = plan_push(options, echo, warn)
    session = connection.session
    local = choose_way(connection, echo, warn or echo)
    found = find_or_refuse(session, options.project, create=options.create)
    existing = {example_key(e): e for e in session.examples(int(found["id"]))} if found else {}
    batch = select_batch(plan, set(existing), echo)
    if options.dry_run:
        return preview(session, plan, batch, found, existing, local, echo)
    return execute(session, plan, batch, found, existing, local, echo)


def choose_way(connection: Connection, echo: Echo, warn: Echo) -> LocalDoccano | None:
    """The local home serving the server, or None (the API); says which, and warns when a home should be there."""
    local = connection.local()
    if local is not None:
        echo(f"Way in: the local server's home {local.home} (suggestions go straight into its database)")
        return local
    echo(f"Way in: Doccano's API at {connection.url} (suggestions are written as each annotator, with their password)")
    if connection.on_this_machine:
        warn(
            f"{connection.url} runs on this machine but no home of `viner doccano serve` serving it was found in "
            f"{Path.cwd()} or a folder above: pass --home FOLDER (the --home given to `viner doccano serve`) to "
            "write suggestions straight into its database, without annotators' passwords"
        )
    return None


def execute(
    session: Session,
    plan: PushPlan,
    batch: Batch,
    found: dict | None,
    existing: dict[str, dict],
    local: LocalDoccano | None,
    echo: Echo,
) -> PushResult:
    """Write the batch: project, labels, accounts, units, suggestions."""
    options = plan.options
    pid, created = open_project(
        session,
        options.project,
        found,
        plan.guidelines,
        options.labels,
        review=options.review,
        update_guidelines=options.guidelines is not None,
        echo=echo,
    )
    result = _result(session, plan, batch, pid, created)
    result.labels_created = ensure_labels(session, pid, plan.scheme)
    type_ids = session.span_types(pid)
    annotators = plan.annotators or ([session.username] if options.review else [])  # review: the admin adjudicates
    accounts = ensure_accounts(session, pid, annotators, plan.annotator_password)
    result.accounts_created, result.members_added = accounts.created, accounts.added
    examples, result.uploaded = upload_units(
        session, pid, options.project, batch.units, existing, Path(options.path).stem, echo, batch.shown
    )
    with closing(open_ledger(session, pid)) as ledger:
        move_old_records(session, pid, examples, ledger, echo)
        if batch.suggestions:
            targets = annotators or [name for name, role in accounts.members.items() if role == ANNOTATOR_ROLE]
            passwords = {name: accounts.passwords.get(name) or plan.annotator_password for name in targets}
            result.suggested = suggest_to_annotators(
                session,
                pid,
                targets,
                passwords,
                examples,
                batch.suggestions,
                type_ids,
                echo,
                ledger,
                local,
                options.project,
            )
    return result


def preview(
    session: Session,
    plan: PushPlan,
    batch: Batch,
    found: dict | None,
    existing: dict[str, dict],
    local: LocalDoccano | None,
    echo: Echo,
) -> PushResult:
    """What :func:`execute` would do, read from the server without writing anything (``--dry-run``).

    The suggestion rule is applied read-only to the units the project holds; a unit still to upload counts as new
    suggestions for every annotator."""
    options = plan.options
    pid = int(found["id"]) if found is not None else None
    result = _result(session, plan, batch, pid, found is None)
    result.dry_run = True
    result.uploaded = sum(1 for unit in batch.units if unit.id not in existing)
    members = session.members(pid) if pid is not None else {}
    types = session.span_types(pid) if pid is not None else {}
    result.labels_created = [label for label in plan.scheme.names if label not in types]
    annotators = plan.annotators or ([session.username] if options.review else [])
    result.accounts_created = {
        name: None for name in annotators if name != session.username and session.find_user(name) is None
    }
    result.members_added = [name for name in annotators if name != session.username and name not in members]
    if not batch.suggestions:
        return result
    targets = annotators or [name for name, role in members.items() if role == ANNOTATOR_ROLE]
    there = {key: spans for key, spans in batch.suggestions.items() if key in existing}
    if pid is not None and there and not result.labels_created:
        passwords = {name: plan.annotator_password for name in targets}
        with closing(open_ledger(session, pid)) as ledger:
            result.suggested = suggest_to_annotators(
                session,
                pid,
                targets,
                passwords,
                existing,
                there,
                types,
                echo,
                ledger,
                local,
                options.project,
                write=False,
            )
    else:
        result.suggested = Suggested("local" if local else "api", local.home if local else None)
        there = {}
    for name in targets:
        if name in result.suggested.refused:
            continue
        tally = result.suggested.tallies.setdefault(name, Tally())
        for key, spans in batch.suggestions.items():
            if key not in there:
                tally.new += 1
                tally.spans += len(spans)
    return result


def _result(session: Session, plan: PushPlan, batch: Batch, pid: int | None, created: bool) -> PushResult:
    return PushResult(
        session.url,
        plan.options.project,
        pid,
        created,
        file_units=len(plan.units),
        in_project=batch.in_project,
        batch=len(batch.units),
        duplicates=plan.duplicates,
        selection=batch.selection,
        suggestion_units=len(batch.suggestions),
        model_spans=batch.model_spans,
        model_labels_skipped=batch.model_labels_skipped,
    )


def upload_units(
    session: Session,
    pid: int,
    project: str,
    units: Sequence[Example],
    existing: dict[str, dict],
    stem: str,
    echo: Echo,
    shown: dict[str, dict[str, str]] | None = None,
) -> tuple[dict[str, dict], int]:
    """Upload the units the project lacks and check they arrived intact (``shown``: push's own rows for the
    Metadata panel, per unit id).

    Returns the project's examples by unit id and the number of units uploaded."""
    new = [e for e in units if e.id not in existing]
    if not new:
        echo(f"Nothing to upload: the project {project!r} holds every unit of this push")
        return existing, 0
    echo(f"Uploading {len(new)} unit(s) to {project!r}")
    _send(session, pid, new, stem, shown)
    stored = {example_key(e): e for e in session.examples(pid)}
    _verify_arrival(new, stored)
    return stored, len(new)


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
