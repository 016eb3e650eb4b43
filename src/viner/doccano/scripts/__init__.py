"""Scripts that run inside Doccano's own environment, by path, with Doccano's Python (viner.doccano.server.inside).

Each is a plain ``.py`` file, linted like the rest of viner; viner never imports them, except ``suggestion_rule``,
the standard-library-only rule both ways of writing suggestions share (the scripts import it from this folder).
"""
