"""One connection to a Doccano server, shared by push, pull and status: where it is, who the lead is, its home.

Built once by the command line from its options (``--url``, ``--user``, ``--password``, ``--home``) and the
DOCCANO_* environment variables; the session logs in on first use. The home is the folder of the
`viner doccano serve` serving the URL (``--home``, else a ``.doccano`` found in the current folder or above it):
with it, push and status work straight in the server's database and need no annotator's password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api.client import DEFAULT_URL, DEFAULT_USER, Session, settings
from .server.local import LocalDoccano, find_local, is_loopback


@dataclass
class Connection:
    url: str
    user: str
    password: str | None = field(repr=False)  # None: from DOCCANO_ADMIN_PASSWORD when the session is opened
    home: Path | None = None  # --home: the home of the `viner doccano serve` serving url
    options: dict[str, Any] = field(default_factory=dict, repr=False)  # Session's (retries, timeouts)
    _session: Session | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_options(
        cls,
        url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        home: Path | None = None,
        **options: Any,
    ) -> Connection:
        """Options first, then DOCCANO_URL / DOCCANO_ADMIN_USER (nothing is contacted, nothing checked yet: a
        missing password is reported when the session is first needed, after the command's own input is read)."""
        url = (url or os.environ.get("DOCCANO_URL") or DEFAULT_URL).rstrip("/")
        return cls(url, user or os.environ.get("DOCCANO_ADMIN_USER") or DEFAULT_USER, password, home, options)

    @property
    def session(self) -> Session:
        """The lead's session, logged in on first use."""
        if self._session is None:
            url, user, password = settings(self.url, self.user, self.password)
            self._session = Session(url, user, password, **self.options)
        return self._session

    def local(self) -> LocalDoccano | None:
        """The home serving the URL now (see viner.doccano.server.local); an error when --home is not serving it."""
        return find_local(self.url, self.home)

    @property
    def on_this_machine(self) -> bool:
        return is_loopback(self.url)
