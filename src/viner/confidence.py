"""How sure the model is: a confidence per entity and an uncertainty per unit, from spaCy's beam.

Whether a config's ``ner`` decodes greedily (``ner``) or with a beam of 8 (``beam_ner``, configs/ner.cfg), spaCy's
transition-based parser can decode a doc with a wider beam (``beam_parse``) with the same weights. The beam keeps the
``beam_width`` best-scoring parses of the doc and spaCy turns their scores into probabilities (a softmax
over the beam, ``Beam.probs``); ``ner.scored_ents`` sums, for each (start, end, label), the probability of
the parses that contain it. So:

- **entity confidence** = the beam probability that this exact span carries this label (0 to 1);
- **unit uncertainty** = 1 - the probability of the beam's best parse: 0 when every other way to read the
  unit is far less likely, near 1 when many readings compete.

Why this method rather than a committee of checkpoints: it needs one model, no retraining and no extra
files, works with every config that has a spaCy ``ner`` component, and costs one beam decode (a few times
a greedy decode): the simulated active-learning rounds of docs/annotate-less.md ("Measured") scored a pool of 4,000
sentences each, training included, in 3-5 minutes on one core.
It is what spaCy's own ``beam_ner`` reports as entity scores, so the figures mean the same thing to a spaCy
user. The limit: the beam's probabilities are relative to the parses it kept, not calibrated; they rank
units well (what choosing the next batch needs) but 0.9 does not mean "right 9 times in 10".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc

from .errors import VinerError

BEAM_WIDTH = 16


@dataclass
class UnitConfidence:
    """The beam's view of one doc: its entities with a confidence each, and how unsure it is overall."""

    entities: list[tuple[int, int, str, float]] = field(
        default_factory=list
    )  # the best parse: start_char, end_char, label, confidence
    uncertainty: float = 0.0
    spans: dict[tuple[int, int, str], float] = field(default_factory=dict)  # every span of any parse in the beam

    def confidence(self, start: int, end: int, label: str) -> float:
        """The confidence of a span (0 when no parse in the beam has it: a pattern's span, say)."""
        return self.spans.get((start, end, label), 0.0)


def find_ner(nlp: Language):
    """The pipeline's entity recognizer (the component named ``ner``, or the only one built by the ``ner`` factory)."""
    if "ner" in nlp.pipe_names:
        return nlp.get_pipe("ner")
    found = [
        proc for name, proc in nlp.pipeline if getattr(proc, "moves", None) is not None and hasattr(proc, "scored_ents")
    ]
    if len(found) != 1:
        raise VinerError(
            f"the pipeline ({', '.join(nlp.pipe_names) or 'no components'}) has no single spaCy 'ner' component to score with"
        )
    return found[0]


def score_docs(ner, docs: Sequence[Doc], beam_width: int = BEAM_WIDTH) -> list[UnitConfidence]:
    """Scores for ``docs``, which the components before ``ner`` have already processed (as in ``nlp.pipe``).

    The entities are those of the beam's best parse (the span the beam finds most likely), with their
    summed probability over the beam.
    """
    if beam_width < 2:
        raise VinerError(f"beam width {beam_width}: give at least 2 (a beam of 1 has no alternatives to compare)")
    results = [UnitConfidence() for _ in docs]  # what an empty doc keeps: no entity, no uncertainty
    todo = [i for i, doc in enumerate(docs) if len(doc)]
    if todo:
        batch = [docs[i] for i in todo]
        beams = ner.beam_parse(batch, beam_width=beam_width)
        for i, doc, beam, scored in zip(todo, batch, beams, ner.scored_ents(beams)):
            parses = ner.moves.get_beam_parses(beam)
            best_prob, best = max(parses, key=lambda pair: pair[0]) if parses else (1.0, [])
            spans = {
                _chars(doc, start, end) + (label,): round(min(1.0, float(prob)), 6)
                for (start, end, label), prob in scored.items()
            }
            entities = [
                _chars(doc, start, end) + (label, spans[_chars(doc, start, end) + (label,)])
                for start, end, label in sorted(best)
            ]
            results[i] = UnitConfidence(entities, round(min(1.0, max(0.0, 1.0 - float(best_prob))), 6), spans)
    return results


def _chars(doc: Doc, start: int, end: int) -> tuple[int, int]:
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def score_texts(
    nlp: Language, texts: Iterable[str], batch_size: int = 256, beam_width: int = BEAM_WIDTH
) -> Iterator[tuple[Doc, UnitConfidence]]:
    """Run ``nlp`` over ``texts`` and yield each doc (the greedy decode's entities) with the beam's scores."""
    ner = find_ner(nlp)
    before = components_before(nlp, ner)
    for batch in _batches(texts, batch_size):
        docs = run_components(nlp, before, [nlp.make_doc(text) for text in batch])
        scores = score_docs(ner, docs, beam_width)
        docs = list(nlp.pipe(docs, disable=before))  # ner and what follows it, greedily, as nlp.pipe would
        yield from zip(docs, scores)


def components_before(nlp: Language, ner) -> list[str]:
    """The names of the components that run before ``ner`` (tok2vec, viner_words...)."""
    names = []
    for name, proc in nlp.pipeline:
        if proc is ner:
            break
        names.append(name)
    return names


def run_components(nlp: Language, names: Sequence[str], docs: list[Doc]) -> list[Doc]:
    """``docs`` through the named components, in order, as ``nlp.pipe`` runs them."""
    for name in names:
        proc = nlp.get_pipe(name)
        docs = list(proc.pipe(docs)) if hasattr(proc, "pipe") else [proc(doc) for doc in docs]
    return docs


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
