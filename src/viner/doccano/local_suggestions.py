"""Suggestions written straight into the database of a local Doccano home, in batches.

Through Doccano's API a suggestion costs one request per span per annotator (and one per unit to see what the
annotator has). When the server is viner's own (`viner doccano serve`, found by viner.doccano.server.local), viner
runs ``scripts/suggest.py`` inside Doccano's environment instead: the same rule as the API path (the script imports
``scripts/suggestion_rule.py``), one batch of units per database transaction, so a push killed midway and run again
leaves every suggestion exactly once.

The spans were checked by viner before (offsets inside the text, no overlap, labels of the project), and the script
checks that the home really is the database of the project the API showed (same id, same name, every unit and label
in it), so a wrong home is an error, never a write elsewhere.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..record import Span
from .scripts.ledger_store import LedgerStore
from .scripts.suggestion_rule import Tally
from .server.inside import last_line, start_script
from .server.local import LocalDoccano
from .units import SUGGESTED_KEY

BATCH = 500  # units per transaction


def suggest_locally(
    local: LocalDoccano,
    project: str,
    project_id: int,
    targets: Sequence[str],
    examples: Mapping[str, dict],
    suggestions: Mapping[str, Sequence[Span]],
    type_ids: Mapping[str, int],
    echo: Echo,
    ledger: LedgerStore,
    batch: int = BATCH,
    write: bool = True,
) -> tuple[dict[str, Tally], dict[str, str]]:
    """Apply the suggestion rule for every annotator in ``targets`` inside the server's database (the script keeps
    the push ledger, ``ledger``, as the API path does).

    Returns (annotator -> tally, annotator -> why nothing was written for them)."""
    units = [
        [examples[key]["id"], [[s.start, s.end, type_ids[s.label]] for s in spans]]
        for key, spans in suggestions.items()
        if key in examples and spans
    ]
    tallies: dict[str, Tally] = {}
    refused: dict[str, str] = {}
    job = {
        "project": project,
        "project_id": project_id,
        "users": list(targets),
        "units": units,
        "batch": batch,
        "ledger": ledger.path,
        "ledger_project": ledger.project,
        "suggested_key": SUGGESTED_KEY,
        "dry_run": not write,
    }
    with tempfile.TemporaryDirectory(prefix="viner-suggest-") as tmp:
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        errors = Path(tmp) / "stderr.txt"
        with errors.open("w", encoding="utf-8") as error_log:
            process = start_script(local.env, local.home, "suggest", {"VINER_JOB": str(job_file)}, error_log)
            shown: dict[str, int] = {}
            assert process.stdout is not None
            for line in process.stdout:
                _take(json.loads(line), tallies, refused, shown, echo, local, project)
        if process.wait() != 0:
            raise VinerError(
                f"writing suggestions into {local.home} failed: {last_line(errors.read_text(encoding='utf-8', errors='replace'))}; "
                "nothing of the unfinished batch was written: push again to finish (suggestions already made are not repeated)"
            )
    return tallies, refused


def _take(
    event: dict,
    tallies: dict[str, Tally],
    refused: dict[str, str],
    shown: dict[str, int],
    echo: Echo,
    local: LocalDoccano,
    project: str,
) -> None:
    if event.get("error") in ("project", "units"):
        raise VinerError(
            f"{local.home} does not hold the project {project!r} the server at {local.url} showed "
            "(or not all its units and labels): pass the --home that server runs from"
        )
    name = event["user"]
    if "error" in event:
        refused[name] = event["error"]
    elif "progress" in event:
        tenth = 10 * event["progress"] // max(event["total"], 1)
        if tenth > shown.get(name, 0) or event["progress"] == event["total"]:
            shown[name] = tenth
            echo(f"... {name}: {event['progress']}/{event['total']} unit(s)")
    else:
        tallies[name] = Tally.from_dict(event["tally"])
