"""Write a push's suggestions straight into a local Doccano's database (run by viner.doccano.local_suggestions).

Runs with Doccano's own Python inside its environment (Django set up on the home's database) and applies the
suggestion rule (``suggestion_rule`` beside this file, the same module the API path imports) to every unit of the
job for every annotator, one batch of units per database transaction: a batch is written whole or not at all.

The record of whom a push finished giving suggestions is the push ledger (``ledger_store`` beside this file), a
file apart from Doccano's database: an annotator is taken off a unit before its suggestions are deleted, and named
on it once the batch's transaction has committed, so a push stopped in between leaves a unit the rule completes.

The job (VINER_JOB, JSON): project (name), project_id, users, dry_run (count only), units ([[example id, [[start, end, label id], ...]],
...]), batch, ledger (the ledger file), ledger_project (the project's key in it), suggested_key (the metadata key
pushes before the ledger recorded in, still read). Prints JSON lines: {"user", "progress", "total"} after
each batch, {"user", "tally"} when a user is done, {"user", "error"} for a user who is not a member, and
{"error": "project"|"units"} (exit 3) when the database is not the project's the API showed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from typing import Any

from ledger_store import LedgerStore, Pair
from suggestion_rule import Tally, decide, given_to, held

ATTEMPTS = 40  # Doccano's task queue polls the same SQLite file: a batch that meets its lock is rolled back, retried


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def main() -> int:
    sys.path.insert(0, os.environ["VINER_BACKEND"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import OperationalError, transaction
    from examples.models import Example, ExampleState
    from label_types.models import SpanType
    from labels.models import Span
    from projects.models import Member, Project

    with open(os.environ["VINER_JOB"], encoding="utf-8") as handle:
        job = json.load(handle)
    key = job["suggested_key"]
    size = int(job["batch"])
    ledger = LedgerStore(job["ledger"], job["ledger_project"])

    def write_batch(user: Any, batch: list, recorded: dict[int, set[str]], tally: Tally) -> list[Pair]:
        """Apply the rule to one batch in one transaction; returns whom to record once it has committed."""
        ids = [unit[0] for unit in batch]
        with transaction.atomic():
            confirmed = set(
                ExampleState.objects.filter(confirmed_by=user, example_id__in=ids).values_list("example_id", flat=True)
            )
            holding = defaultdict(list)
            fields = ("id", "example_id", "start_offset", "end_offset", "label_id", "prob", "created_at", "updated_at")
            for row in Span.objects.filter(user=user, example_id__in=ids).values_list(*fields):
                holding[row[1]].append(held(row[0], *row[2:]))
            metas = dict(Example.objects.filter(id__in=ids).values_list("id", "meta"))
            delete, create, unrecord, record = [], [], [], []
            for example, wanted in batch:
                given = recorded.get(example, set()) | given_to(metas.get(example), key)
                decision = decide(example in confirmed, holding[example], user.username in given, map(tuple, wanted))
                tally.add(decision)
                delete += [span.key for span in decision.delete]
                create += [
                    Span(
                        example_id=example,
                        user=user,
                        label_id=label,
                        start_offset=begin,
                        end_offset=end,
                        prob=float(len(wanted)),
                    )
                    for begin, end, label in decision.create
                ]
                if decision.unrecord_first:
                    unrecord.append((example, user.username))
                if decision.record:
                    record.append((example, user.username))
            if job.get("dry_run"):
                return []  # push --dry-run: the rule's outcomes only
            ledger.unrecord(unrecord)  # committed before any suggestion is deleted
            Span.objects.filter(id__in=delete).delete()
            Span.objects.bulk_create(create)
        return record

    def write_retrying(user: Any, batch: list) -> Tally:
        recorded = ledger.given(unit[0] for unit in batch)  # as before the first attempt, whatever a retry finds
        for attempt in range(ATTEMPTS):
            tally = Tally()
            try:
                record = write_batch(user, batch, recorded, tally)
            except OperationalError as err:
                if "locked" not in str(err) or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.25)
                continue
            ledger.record(record)  # the batch's suggestions are in: now the ledger names the annotator
            return tally
        raise AssertionError("unreachable")

    project = Project.objects.filter(id=job["project_id"]).first()
    if project is None or project.name != job["project"]:
        say(error="project")
        return 3
    units = job["units"]
    ids = [unit[0] for unit in units]
    known: set[int] = set()
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        known.update(Example.objects.filter(project=project, id__in=chunk).values_list("id", flat=True))
    types = set(SpanType.objects.filter(project=project).values_list("id", flat=True))
    if len(known) != len(set(ids)) or not {span[2] for unit in units for span in unit[1]} <= types:
        say(error="units")
        return 3
    users = get_user_model()
    for name in job["users"]:
        user = users.objects.filter(username=name).first()
        if user is None or not Member.objects.filter(project=project, user=user).exists():
            say(user=name, error="not a member of the project")
            continue
        total = Tally()
        for start in range(0, len(units), size):
            batch = units[start : start + size]
            total.absorb(write_retrying(user, batch))
            say(user=name, progress=start + len(batch), total=len(units))
        say(user=name, tally=total.to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
