"""The spaCy reader viner registers (the package's ``spacy_readers`` entry point): raw text for pretraining.

spaCy's pretraining feeds its tok2vec the docs of ``spacy.JsonlCorpus.v1`` straight from the tokenizer: no
component runs on them. A tok2vec that embeds an attribute an earlier component sets (``configs/ner.cfg`` embeds
``TAG``, which ``viner_words`` sets from pyvi's word segmentation and POS) would then be pretrained with that
attribute empty on every token and fine-tuned with it set. ``viner.PretrainCorpus.v1`` is the same reader with
each doc first run through the components named in ``annotate``, so pretraining sees the features training sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.training import Example
from spacy.training.corpus import JsonlCorpus


def pretrain_corpus(
    path: Path | str | None,
    annotate: list[str],
    min_length: int = 1,
    max_length: int = 500,
    limit: int = 0,
) -> Callable[[Language], Iterator[Example]]:
    """``spacy.JsonlCorpus.v1`` (``{"text": ...}`` per line) whose docs the ``annotate`` components have run on."""
    jsonl = JsonlCorpus(path, min_length=min_length, max_length=max_length, limit=limit)

    def read(nlp: Language) -> Iterator[Example]:
        missing = [name for name in annotate if name not in nlp.pipe_names]
        if missing:
            raise ValueError(
                f"[corpora.pretrain] annotate names {', '.join(missing)}, not in the pipeline "
                f"({', '.join(nlp.pipe_names)}): list components of [nlp] pipeline that come before the tok2vec"
            )
        pipes = [nlp.get_pipe(name) for name in annotate]
        for example in jsonl(nlp):
            doc = example.reference
            for pipe in pipes:
                doc = pipe(doc)
            yield Example(example.predicted, doc)

    return read
