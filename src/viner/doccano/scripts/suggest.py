"""Write a push's suggestions straight into a local Doccano's database (run by viner.doccano.local_suggestions).

Runs with Doccano's own Python inside its environment (Django set up on the home's database) and applies the
suggestion rule (``suggestion_rule`` beside this file, the same module the API path imports) to every unit of the
job for every annotator, one batch of units per database transaction: a batch is written whole or not at all.

The job (VINER_JOB, JSON): project (name), project_id, users, dry_run (count only), units ([[example id, [[start, end, label id], ...]],
...]), batch, suggested_key (the metadata key of the record). Prints JSON lines: {"user", "progress", "total"} after
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

from suggestion_rule import Tally, decide, given_to, held, with_names

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

    def write_batch(user: Any, batch: list, tally: Tally) -> None:
        ids = [unit[0] for unit in batch]
        with transaction.atomic():
            confirmed = set(
                ExampleState.objects.filter(confirmed_by=user, example_id__in=ids).values_list("example_id", flat=True)
            )
            holding = defaultdict(list)
            fields = ("id", "example_id", "start_offset", "end_offset", "label_id", "prob", "created_at", "updated_at")
            for row in Span.objects.filter(user=user, example_id__in=ids).values_list(*fields):
                holding[row[1]].append(held(row[0], *row[2:]))
            rows = Example.objects.in_bulk(ids)
            delete, create, record = [], [], []
            for example, wanted in batch:
                given = given_to(rows[example].meta, key)
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
                if decision.record and isinstance(rows[example].meta, dict):  # Doccano's meta is a dict
                    rows[example].meta = with_names(rows[example].meta, key, given | {user.username})
                    record.append(rows[example])
            if job.get("dry_run"):
                return  # push --dry-run: the rule's outcomes only
            Span.objects.filter(id__in=delete).delete()
            Span.objects.bulk_create(create)
            Example.objects.bulk_update(record, ["meta"])

    def write_retrying(user: Any, batch: list) -> Tally:
        for attempt in range(ATTEMPTS):
            tally = Tally()
            try:
                write_batch(user, batch, tally)
                return tally
            except OperationalError as err:
                if "locked" not in str(err) or attempt == ATTEMPTS - 1:
                    raise
                time.sleep(0.25)
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
