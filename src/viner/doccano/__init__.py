"""Doccano as viner's annotation server, split by job.

- :mod:`.server`: running Doccano (`viner doccano serve`): its own environment, a home folder, the admin account,
  the web server and task worker on 127.0.0.1, which home serves which URL (:mod:`.server.local`) and viner's
  scripts run inside a home's environment (:mod:`.server.inside`);
- :mod:`.api`: the one session over doccano-client: its public calls, retries with backoff, one-line errors,
  import/export tasks checked for failure;
- :mod:`.scripts`: the scripts that run inside Doccano's environment, by path (admin account, suggestions, check
  times), and the suggestion rule both ways of writing suggestions share (:mod:`.scripts.suggestion_rule`);
- :mod:`.connection`: one connection (url, lead's credentials, home) shared by push, pull and status.

The way in and out:

- :mod:`.push` (`viner doccano push`): plan and select (:mod:`.push_plan`), then execute or preview;
  :mod:`.units` the units and the rows Doccano imports; :mod:`.project` the project, its labels and annotators;
  :mod:`.suggestions` pre-annotations as each annotator's own spans, through the API or
  :mod:`.local_suggestions` straight in a local server's database; :mod:`.ledger` the lead-side record of whom a
  push gave suggestions (stored by :mod:`.scripts.ledger_store`);
- :mod:`.pull` (`viner doccano pull`): every annotator's work into a new snapshot folder, losslessly;
- :mod:`.status` (`viner doccano status`): progress, pace and agreement so far;
- :mod:`.messages`: what serve, push, pull and status print.
"""
