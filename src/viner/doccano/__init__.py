"""Doccano as viner's annotation server: its own environment, a loopback server, push and pull.

- :mod:`viner.doccano.server` builds Doccano's own virtual environment (Doccano and
  doccano-client need incompatible pydantic versions) and runs the web server and the
  task worker on 127.0.0.1.
- :mod:`viner.doccano.client` is the one session over doccano-client: retries with
  backoff, one-line errors, import/export tasks that are checked for failure.
- :mod:`viner.doccano.push` and :mod:`viner.doccano.pull` move units in and
  annotations out, losslessly (same text, same code-point offsets).
"""
