"""The push ledger's storage: whom a push finished giving suggestions on each unit. Standard library only.

The suggestion rule (``suggestion_rule`` beside this file) needs, per unit and annotator, whether a push finished
giving them suggestions there: that is what tells a unit the annotator emptied ("no entities here") from one never
given any, and a unit a stopped push left half-suggested from one the annotator trimmed. Doccano 1.8.4 has no field
an admin can write that annotators do not see (every metadata key shows in the annotation page's Metadata panel),
so the record lives on the lead's side, in one SQLite file: one row per project, example and annotator, each change
one transaction. Both ways a push writes suggestions use this module: the API path imports it as
``viner.doccano.scripts.ledger_store``, the script that writes into a local server's database (``suggest.py``) from
its own folder.

A project is named by its Doccano id and creation time (:func:`project_key`): a server set up again from scratch,
whose new project has the same id, does not inherit the old project's rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable

CHUNK = 500  # example ids per query (SQLite's limit on parameters is far above)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggested (
    project TEXT NOT NULL,    -- project_key(): "<id>@<created_at>"
    example INTEGER NOT NULL, -- the example's id in Doccano
    annotator TEXT NOT NULL,  -- the annotator's user name
    PRIMARY KEY (project, example, annotator)
) WITHOUT ROWID
"""

Pair = tuple[int, str]  # example id, annotator


def project_key(project_id: int, created_at: str) -> str:
    """How the ledger names a Doccano project: its id and its creation time as the API gives it."""
    return f"{int(project_id)}@{created_at}"


class LedgerStore:
    """The ledger's rows for one project, in the SQLite file ``path`` (created, readable by its owner only)."""

    def __init__(self, path: str, project: str) -> None:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.path, self.project = path, project
        self.db = sqlite3.connect(path, timeout=60)
        with self.db:
            self.db.execute(_SCHEMA)

    def given(self, examples: Iterable[int]) -> dict[int, set[str]]:
        """Annotators recorded on each of ``examples`` (examples nobody is recorded on are left out)."""
        ids = sorted({int(e) for e in examples})
        found: dict[int, set[str]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = self.db.execute(
                f"SELECT example, annotator FROM suggested WHERE project = ? AND example IN ({','.join('?' * len(chunk))})",
                (self.project, *chunk),
            )
            for example, name in rows:
                found.setdefault(int(example), set()).add(str(name))
        return found

    def record(self, pairs: Iterable[Pair]) -> None:
        """Name each annotator on their example (one transaction; naming twice is naming once)."""
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO suggested (project, example, annotator) VALUES (?, ?, ?)",
                [(self.project, int(e), str(n)) for e, n in pairs],
            )

    def unrecord(self, pairs: Iterable[Pair]) -> None:
        """Take each annotator off their example (one transaction)."""
        with self.db:
            self.db.executemany(
                "DELETE FROM suggested WHERE project = ? AND example = ? AND annotator = ?",
                [(self.project, int(e), str(n)) for e, n in pairs],
            )

    def close(self) -> None:
        self.db.close()
