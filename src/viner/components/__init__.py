"""spaCy pipeline components that viner registers through spaCy's entry points (``spacy_factories``).

With viner installed, ``python -m spacy train configs/ner.cfg`` builds them by factory name and ``spacy.load``
restores them from a trained pipeline's config, with no ``--code`` argument.
"""
