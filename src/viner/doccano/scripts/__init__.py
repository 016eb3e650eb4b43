"""Scripts that run inside Doccano's own environment, by path, with Doccano's Python (viner.doccano.server.inside).

Each is a plain ``.py`` file, linted like the rest of viner; viner never imports them, except the two
standard-library-only modules both ways of writing suggestions share (the scripts import them from this folder):
``suggestion_rule``, the rule, and ``ledger_store``, the lead-side record of whom a push gave suggestions.
"""
