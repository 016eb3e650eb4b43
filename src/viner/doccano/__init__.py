"""Doccano as viner's annotation server: its own environment, a loopback server, push and pull.

The server (`viner doccano serve`), one module per job:

- :mod:`.server`: the start as a sequence of named steps, in the foreground until Ctrl-C;
- :mod:`.environment`: Doccano's own virtual environment, built once per machine
  (Doccano and doccano-client need incompatible pydantic versions);
- :mod:`.home`: a home folder's database, secret key and process environment;
- :mod:`.admin`: the admin account, created without ever resetting a password;
- :mod:`.processes`: the web server and task worker on 127.0.0.1: start, readiness,
  supervision, stop;
- :mod:`.files`: the lock and log tail they share.

The way in and out (`viner doccano push` / `pull`):

- :mod:`.client`: the one session over doccano-client: its public calls, retries with
  backoff, one-line errors, import/export tasks checked for failure;
- :mod:`.push`: a push as named steps over a checked plan; :mod:`.units` the units and
  the rows Doccano imports; :mod:`.project` the project, its labels and annotators;
  :mod:`.suggestions` pre-annotations as each annotator's own spans;
- :mod:`.pull`: every annotator's work into a new snapshot folder, losslessly;
- :mod:`.messages`: what serve, push and pull print.
"""
