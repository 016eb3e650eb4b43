"""Talking to Doccano over HTTP: :mod:`.client` (the session over doccano-client) and :mod:`.http` (retries,
timeouts, error answers read into one line)."""
