"""Suggestions written straight into the database of a local Doccano home, in batches.

Through Doccano's API a suggestion costs one request per span per annotator (and one per unit to see what
the annotator has): about 66 spans a second, 25 minutes for 10,000 units and two annotators. When the
server is viner's own (`viner doccano serve`, which records its URL and environment in the home's
``server.json`` while it runs), viner writes the spans with Doccano's own models instead, inside
Doccano's environment, as it creates the admin (viner.doccano.admin): the same rules as the API path
(viner.doccano.suggestions), applied per batch of units in one database transaction:

- a unit the annotator checked, holding spans of theirs that differ from the suggestions, or emptied of the
  suggestions a push gave them (the unit's ``viner_suggested`` names them), is worked on and left alone; a unit
  holding exactly these suggestions already is counted as an earlier push's; whom suggestions were given is
  recorded in ``viner_suggested`` in the same transaction;
- a batch is written whole or not at all, so a push killed midway and run again leaves every suggestion
  exactly once.

The spans were checked by viner before (offsets inside the text, no overlap, labels of the project), and
the script checks that the home really is the database of the project the API showed (same id, same
name, every unit and label in it), so a wrong home is an error, never a write elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..io import pid_alive, write_json
from ..record import Span
from .environment import backend_dir
from .home import server_environ
from .processes import die_with_parent
from .units import SUGGESTED_KEY

SERVER_FILE = "server.json"  # written by `viner doccano serve` while the server runs
BATCH = 500  # units per transaction


BULK_SCRIPT = r"""
import json, os, sys, time
from collections import defaultdict
sys.path.insert(0, os.environ["VINER_BACKEND"])
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
from examples.models import Example, ExampleState
from label_types.models import SpanType
from labels.models import Span
from projects.models import Member, Project

def say(**fields):
    print(json.dumps(fields), flush=True)

def given_to(meta):
    value = meta.get(job["suggested_key"]) if isinstance(meta, dict) else None
    return {name.strip() for name in value.split(",") if name.strip()} if isinstance(value, str) else set()

def write_batch(user, batch):
    # one transaction: (spans created, units pre-annotated, units worked on, units with these suggestions already)
    batch_ids = [unit[0] for unit in batch]
    with transaction.atomic():
        confirmed = set(ExampleState.objects.filter(confirmed_by=user, example_id__in=batch_ids).values_list("example_id", flat=True))
        have = defaultdict(set)
        for example, begin, end, label in Span.objects.filter(user=user, example_id__in=batch_ids).values_list("example_id", "start_offset", "end_offset", "label_id"):
            have[example].add((begin, end, label))
        rows = Example.objects.in_bulk(batch_ids)
        new, record, done, kept, earlier = [], [], 0, 0, 0
        for example, wanted in batch:
            given = given_to(rows[example].meta)
            if example in confirmed:
                kept += 1
            elif have[example]:
                if have[example] == {tuple(span) for span in wanted}:
                    earlier += 1
                    if user.username not in given:
                        record.append(example)
                else:
                    kept += 1
            elif user.username in given:  # emptied of an earlier push's suggestions: the annotator's "no entities"
                kept += 1
            else:
                new.extend(Span(example_id=example, user=user, label_id=label, start_offset=begin, end_offset=end) for begin, end, label in wanted)
                record.append(example)
                done += 1
        Span.objects.bulk_create(new)
        record = [rows[example] for example in record if isinstance(rows[example].meta, dict)]  # Doccano's meta is a dict
        for row in record:
            row.meta = {**row.meta, job["suggested_key"]: ", ".join(sorted(given_to(row.meta) | {user.username}))}
        Example.objects.bulk_update(record, ["meta"])
    return len(new), done, kept, earlier

def write_batch_retrying(user, batch, attempts=40):
    # Doccano's task queue polls the same SQLite file: a write can meet its lock; the batch was rolled back, retry it
    for attempt in range(attempts):
        try:
            return write_batch(user, batch)
        except OperationalError as err:
            if "locked" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.25)

with open(os.environ["VINER_JOB"], encoding="utf-8") as handle:
    job = json.load(handle)
batch_size = int(job["batch"])
project = Project.objects.filter(id=job["project_id"]).first()
if project is None or project.name != job["project"]:
    say(error="project"); sys.exit(3)
units = job["units"]
ids = [unit[0] for unit in units]
known = set()
for start in range(0, len(ids), batch_size):
    known.update(Example.objects.filter(project=project, id__in=ids[start:start + batch_size]).values_list("id", flat=True))
types = set(SpanType.objects.filter(project=project).values_list("id", flat=True))
if len(known) != len(set(ids)) or not {span[2] for unit in units for span in unit[1]} <= types:
    say(error="units"); sys.exit(3)
User = get_user_model()
for name in job["users"]:
    user = User.objects.filter(username=name).first()
    if user is None or not Member.objects.filter(project=project, user=user).exists():
        say(user=name, error="not a member of the project"); continue
    totals = [0, 0, 0, 0]
    for start in range(0, len(units), batch_size):
        batch = units[start:start + batch_size]
        totals = [a + b for a, b in zip(totals, write_batch_retrying(user, batch))]
        say(user=name, progress=start + len(batch), total=len(units))
    say(user=name, spans=totals[0], units=totals[1], kept=totals[2], earlier=totals[3])
"""


@dataclass(frozen=True)
class LocalDoccano:
    """A Doccano home served right now by `viner doccano serve`, and the environment it runs with."""

    home: Path
    env: Path
    url: str


def record_server(home: Path, url: str, env: Path) -> None:
    """Called by `viner doccano serve` once the server answers (removed again when it stops)."""
    write_json({"url": url, "env": str(env), "pid": os.getpid()}, Path(home) / SERVER_FILE)


def forget_server(home: Path) -> None:
    (Path(home) / SERVER_FILE).unlink(missing_ok=True)


def find_local(url: str, home: Path | None, default_home: Path) -> LocalDoccano | None:
    """The local home serving ``url``: ``home`` when given (an error if it is not serving ``url``), else
    ``default_home`` when it serves ``url``, else None (suggestions then go through the API)."""
    candidate = Path(home if home is not None else default_home).expanduser().absolute()
    state = _read_state(candidate)
    if state is None or state.get("url", "").rstrip("/") != url.rstrip("/") or not pid_alive(state.get("pid")):
        if home is not None:
            raise VinerError(
                f"--home {home}: no `viner doccano serve` is serving {url} from this folder now "
                f"(start it with `viner doccano serve --home {home}`, or leave --home out to go through the API)"
            )
        return None
    return LocalDoccano(candidate, Path(state["env"]), url)


def _read_state(home: Path) -> dict | None:
    try:
        return json.loads((home / SERVER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class BulkResult:
    spans: dict[str, int]
    units: dict[str, int]
    kept: dict[str, int]
    earlier: dict[str, int]
    refused: dict[str, str]  # annotator -> why nothing was written for them


def bulk_suggest(
    local: LocalDoccano,
    project: str,
    project_id: int,
    targets: Sequence[str],
    examples: Mapping[str, dict],
    suggestions: Mapping[str, Sequence[Span]],
    type_ids: Mapping[str, int],
    echo: Echo,
    batch: int = BATCH,
) -> BulkResult:
    """Create ``suggestions`` for every annotator in ``targets`` through Doccano's models (see the module docstring)."""
    units = [
        [examples[key]["id"], [[s.start, s.end, type_ids[s.label]] for s in spans]]
        for key, spans in suggestions.items()
        if key in examples and spans
    ]
    result = BulkResult({}, {}, {}, {}, {})
    with tempfile.TemporaryDirectory(prefix="viner-suggest-") as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(
            json.dumps(
                {
                    "project": project,
                    "project_id": project_id,
                    "users": list(targets),
                    "units": units,
                    "batch": batch,
                    "suggested_key": SUGGESTED_KEY,
                }
            ),
            encoding="utf-8",
        )
        environ = server_environ(local.env, local.home)
        environ.update(VINER_BACKEND=str(backend_dir(local.env)), VINER_JOB=str(job))
        errors = Path(tmp) / "stderr.txt"
        with errors.open("w", encoding="utf-8") as error_log:
            process = subprocess.Popen(
                [str(local.env / "bin" / "python"), "-c", BULK_SCRIPT],
                env=environ,
                cwd=local.home,
                stdout=subprocess.PIPE,
                stderr=error_log,
                stdin=subprocess.DEVNULL,
                text=True,
                preexec_fn=die_with_parent,
            )  # viner killed: the unfinished batch is rolled back
            shown: dict[str, int] = {}
            assert process.stdout is not None  # stdout=PIPE
            for line in process.stdout:
                _take(json.loads(line), result, shown, echo, local, project)
        if process.wait() != 0:
            last = (errors.read_text(encoding="utf-8", errors="replace").strip().splitlines() or ["no output"])[-1]
            raise VinerError(
                f"writing suggestions into {local.home} failed: {last}; nothing of the unfinished batch was "
                "written: push again to finish (suggestions already made are not repeated)"
            )
    return result


def _take(
    event: dict, result: BulkResult, shown: dict[str, int], echo: Echo, local: LocalDoccano, project: str
) -> None:
    if event.get("error") in ("project", "units"):
        raise VinerError(
            f"{local.home} does not hold the project {project!r} the server at {local.url} showed "
            "(or not all its units and labels): pass the --home that server runs from"
        )
    name = event["user"]
    if "error" in event:
        result.refused[name] = event["error"]
    elif "progress" in event:
        tenth = 10 * event["progress"] // max(event["total"], 1)
        if tenth > shown.get(name, 0) or event["progress"] == event["total"]:
            shown[name] = tenth
            echo(f"... {name}: {event['progress']}/{event['total']} unit(s)")
    else:
        result.spans[name], result.units[name] = event["spans"], event["units"]
        result.kept[name], result.earlier[name] = event["kept"], event["earlier"]
