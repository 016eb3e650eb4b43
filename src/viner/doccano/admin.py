"""The admin account of a Doccano home, created inside Doccano's own environment.

``doccano createuser`` resets the password of an existing user, so viner never calls it:
a short script run by Doccano's Python creates the superuser only when it is missing and
otherwise just reports whether the given password is the account's. The password travels
through the environment of that one short-lived process, never on a command line or in a
log.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import VinerError
from .environment import backend_dir
from .home import server_environ

STATUSES = ("created", "exists", "exists-other-password", "not-admin")

ENSURE_ADMIN_SCRIPT = r"""
import os, sys
sys.path.insert(0, os.environ["VINER_BACKEND"])
import django
django.setup()
from django.contrib.auth import get_user_model
User = get_user_model()
name = os.environ["VINER_ADMIN_USER"]
password = os.environ["VINER_ADMIN_PASSWORD"]
user = User.objects.filter(username=name).first()
if user is None:
    User.objects.create_superuser(name, os.environ["VINER_ADMIN_EMAIL"], password)
    print("created")
elif not user.is_superuser:
    print("not-admin")
elif user.check_password(password):
    print("exists")
else:
    print("exists-other-password")
"""


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
    environ = server_environ(env, home)
    environ.update(
        VINER_BACKEND=str(backend_dir(env)),
        VINER_ADMIN_USER=username,
        VINER_ADMIN_PASSWORD=password,
        VINER_ADMIN_EMAIL=email,
    )
    result = subprocess.run(
        [str(env / "bin" / "python"), "-c", ENSURE_ADMIN_SCRIPT],
        env=environ,
        cwd=home,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    status = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode != 0 or status not in STATUSES:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise VinerError(f"could not create the Doccano admin {username!r}: {last}")
    return AdminResult(username, status, password if generated and status == "created" else None)
