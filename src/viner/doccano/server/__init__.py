"""Running Doccano: `viner doccano serve`, one module per job.

- :mod:`.serve`: the start as a sequence of named steps, in the foreground until Ctrl-C;
- :mod:`.environment`: Doccano's own virtual environment, built once per machine (Doccano and doccano-client need
  incompatible pydantic versions);
- :mod:`.home`: a home folder's database, secret key and process environment;
- :mod:`.admin`: the admin account, created without ever resetting a password;
- :mod:`.processes`: the web server and task worker on 127.0.0.1: start, readiness, supervision, stop;
- :mod:`.local`: which home serves which URL now (``server.json``), found from any folder below it;
- :mod:`.inside`: viner's scripts (viner/doccano/scripts/) run inside a home's Doccano environment;
- :mod:`.files`: the lock and log tail they share.
"""

from __future__ import annotations

from .environment import default_env, ensure_env
from .processes import free_port, port_is_free
from .serve import DEFAULT_HOME, DEFAULT_PORT, admin_credentials, serve

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_PORT",
    "admin_credentials",
    "default_env",
    "ensure_env",
    "free_port",
    "port_is_free",
    "serve",
]
