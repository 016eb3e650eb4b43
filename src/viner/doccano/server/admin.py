"""The admin account of a Doccano home, created inside Doccano's own environment.

``doccano createuser`` resets the password of an existing user, so viner never calls it: the script
``scripts/ensure_admin.py``, run by Doccano's Python, creates the superuser only when it is missing and otherwise
just reports whether the given password is the account's. The password travels through the environment of that
one short-lived process, never on a command line or in a log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import VinerError
from .inside import last_line, run_script

STATUSES = ("created", "exists", "exists-other-password", "not-admin")


@dataclass
class AdminResult:
    username: str
    status: str  # one of STATUSES
    password: str | None = field(default=None, repr=False)  # only when generated now


def ensure_admin(
    env: Path, home: Path, username: str, password: str | None, email: str = "admin@example.com"
) -> AdminResult:
    """Create the admin unless it exists; never changes an existing password.

    Without ``password`` a random one is generated and returned (for printing once).
    """
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    result = run_script(
        env,
        home,
        "ensure_admin",
        {"VINER_ADMIN_USER": username, "VINER_ADMIN_PASSWORD": password, "VINER_ADMIN_EMAIL": email},
    )
    status = last_line(result.stdout) if result.stdout.strip() else ""
    if result.returncode != 0 or status not in STATUSES:
        raise VinerError(f"could not create the Doccano admin {username!r}: {last_line(result.stderr)}")
    return AdminResult(username, status, password if generated and status == "created" else None)
