"""``viner_names``: known names as a token feature, so the tok2vec sees that a string is a name it knows.

Most of the model's wrong labels on ORG are names it cannot read from context (Samsung, Unilever taken for a
PERSON; ``Bệnh viện Mắt T.Ư`` for a place: experiments/rounds/round-3.md). This component phrase-matches a list
of known names on the syllables of every doc and writes each matched token's place in the name and the
name's label into its ``MORPH`` (``Name=B_ORG``, ``Name=L_ORG``: BILU, as spaCy's NER moves; the token's
morphology is otherwise unused in viner's pipelines). A ``tok2vec`` whose embedding lists ``MORPH`` among its
attributes sees it beside NORM, PREFIX, SUFFIX, SHAPE and viner_words' TAG. Where matches overlap the longest
wins (spaCy's ``filter_spans``). It is a hint, never a decision: the NER still labels every token.

The list is made once, at ``initialize`` (``spacy train`` does it from ``[paths.train]``):

- the **training gold**: every string labelled there, kept under the rules of ``viner patterns``: labelled at
  least ``min_count`` times, and carrying its label at ``min_precision`` of its occurrences in the training
  text (``Nam``, a province and "south", is left out). ``min_count`` 2 also keeps the feature from being a
  copy of the answer on the training data: a name seen once is not on the list, as most unseen names at
  inference are not;
- a **names file** (``[initialize.components.viner_names] names``, EntityRuler JSONL with phrase patterns):
  names harvested from the team's raw text by ``viner names`` (viner.name_harvest), or any list the team keeps;
- **viner's lexicon** (countries, Vietnam's provinces and cities, international organisations) when
  ``lexicon`` is true.

Only names of labels the training data has are used; where sources disagree on a name's label, the training
gold wins, then the file, then the lexicon.

The list is saved with the trained pipeline (``names.jsonl`` in the component's folder) and restored by
``spacy.load``, so a model always matches with the names it was trained with.
"""

# no `from __future__ import annotations`: spaCy validates the factory's arguments from its annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.training import Example as SpacyExample
from spacy.util import filter_spans

from ..patterns.build import build_patterns
from ..patterns.lexicon import lexicon_patterns
from ..patterns.ruler import read_patterns
from ..record import Example
from ..record import Span as CharSpan

FEATURE = "Name"
NAMES_FILE = "names.jsonl"


@Language.factory(
    "viner_names",
    default_config={"min_count": 2, "min_precision": 0.9, "lexicon": True},
    assigns=["token.morph"],
)
def make_names(nlp: Language, name: str, min_count: int, min_precision: float, lexicon: bool) -> "NameFeatures":
    return NameFeatures(nlp, name, min_count=min_count, min_precision=min_precision, lexicon=lexicon)


class NameFeatures:
    """Phrase matches of known names written to ``token.morph`` as ``Name=<BILU>_<label>``."""

    def __init__(
        self,
        nlp: Language,
        name: str = "viner_names",
        *,
        min_count: int = 2,
        min_precision: float = 0.9,
        lexicon: bool = True,
    ):
        self.name = name
        self.vocab = nlp.vocab
        self.min_count = min_count
        self.min_precision = min_precision
        self.lexicon = lexicon
        self.names: dict[str, str] = {}
        self._matcher = PhraseMatcher(self.vocab)
        self._tokenizer = nlp.tokenizer  # names are matched on the syllables the pipeline tokenises into

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, start, end, label=label) for label, start, end in self._matcher(doc)]
        for span in filter_spans(spans):
            for i, token in enumerate(span):
                token.set_morph(f"{FEATURE}={place(i, len(span))}_{span.label_}")  # type: ignore[attr-defined]  # spaCy's token.pyi lacks Token.set_morph
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1000) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def initialize(
        self,
        get_examples: Callable[[], Iterable[SpacyExample]],
        *,
        nlp: Language | None = None,
        names: Path | None = None,
    ) -> None:
        """Make the name list from the training gold, the lexicon and a names file: see the module docstring."""
        examples = [as_record(eg.reference) for eg in get_examples()]
        labels = sorted({span.label for example in examples for span in example.spans})
        patterns, _ = build_patterns(examples, min_precision=self.min_precision, min_count=self.min_count)
        known = {p["pattern"]: p["label"] for p in patterns}
        if names is not None:
            for pattern in read_patterns(Path(names)):
                if isinstance(pattern["pattern"], str) and pattern["label"] in labels:
                    known.setdefault(pattern["pattern"], pattern["label"])
        if self.lexicon:
            for pattern in lexicon_patterns(labels):
                known.setdefault(pattern["pattern"], pattern["label"])
        self.set_names(known)

    def set_names(self, names: dict[str, str]) -> None:
        self.names = dict(sorted(names.items()))
        self._matcher = PhraseMatcher(self.vocab)
        by_label: dict[str, list[str]] = {}
        for text, label in self.names.items():
            by_label.setdefault(label, []).append(text)
        for label, texts in by_label.items():
            self._matcher.add(label, [self._tokenizer(text) for text in texts])

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / NAMES_FILE, [{"pattern": text, "label": label} for text, label in self.names.items()])

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "NameFeatures":
        self.set_names({row["pattern"]: row["label"] for row in srsly.read_jsonl(Path(path) / NAMES_FILE)})
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps(self.names)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "NameFeatures":
        self.set_names(srsly.msgpack_loads(data))
        return self


def place(i: int, length: int) -> str:
    """The BILU place of token ``i`` in a name of ``length`` tokens."""
    if length == 1:
        return "U"
    return "B" if i == 0 else "L" if i == length - 1 else "I"


def as_record(doc: Doc) -> Example:
    return Example(doc.text, tuple(CharSpan(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents))
