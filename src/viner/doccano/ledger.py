"""The push ledger: where it lives, opening it for a project, and moving old pushes' records into it.

Doccano 1.8.4 shows every key of a unit's metadata to annotators, and offers no field an admin writes that they do
not see. So whom a push finished giving suggestions on each unit (the suggestion rule's record,
viner.doccano.scripts.suggestion_rule) is kept on the lead's side, in one SQLite file
(viner.doccano.scripts.ledger_store): ``$VINER_DOCCANO_LEDGER`` when set, else
``$XDG_DATA_HOME/viner/doccano-ledger.sqlite3`` (``~/.local/share/...``). One file per lead, whatever folder push
runs from and whichever way it writes (the API, or straight into a local server's database): a push always finds
what the pushes before it recorded.

Pushes before the ledger recorded it in each unit's ``viner_suggested`` metadata; the next push moves every such
record of the project into the ledger and removes the key (:func:`move_old_records`), so annotators stop seeing it
and a team's round goes on.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..console import Echo
from .api.client import Session
from .scripts.ledger_store import LedgerStore, project_key
from .units import SUGGESTED_KEY, suggested_to

LEDGER_VARIABLE = "VINER_DOCCANO_LEDGER"


def ledger_path() -> Path:
    """The ledger file: ``$VINER_DOCCANO_LEDGER``, else ``doccano-ledger.sqlite3`` in viner's user data folder."""
    configured = os.environ.get(LEDGER_VARIABLE)
    if configured:
        return Path(configured).expanduser().absolute()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "viner" / "doccano-ledger.sqlite3"


def ledger_key(session: Session, project_id: int) -> str:
    """The project's key in the ledger (its id and creation time, read from the server)."""
    project = session.get(f"projects/{project_id}", "reading the project")
    return project_key(project_id, str(project["created_at"]))


def open_ledger(session: Session, project_id: int) -> LedgerStore:
    """The ledger's rows for the project ``project_id``."""
    return LedgerStore(str(ledger_path()), ledger_key(session, project_id))


def move_old_records(
    session: Session, project_id: int, examples: dict[str, dict], ledger: LedgerStore, echo: Echo
) -> int:
    """Move the ``viner_suggested`` records of older pushes from the units' metadata into the ledger; returns the
    units cleaned. Each unit's names are in the ledger before its metadata loses them (``examples``, the admin's
    listing, is kept up to date), so a push stopped here moves the rest next time."""
    old = [example for example in examples.values() if SUGGESTED_KEY in (example.get("meta") or {})]
    if not old:
        return 0
    echo(
        f"Moving whom earlier pushes gave suggestions ({SUGGESTED_KEY}) out of {len(old)} unit(s)' metadata, which "
        f"annotators see, into the push ledger {ledger.path}"
    )
    ledger.record((int(example["id"]), name) for example in old for name in suggested_to(example))
    for example in old:
        example["meta"] = {k: v for k, v in example["meta"].items() if k != SUGGESTED_KEY}
        session.update_meta(project_id, int(example["id"]), example["meta"])
    return len(old)
