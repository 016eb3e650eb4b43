"""``viner_patterns``: the pattern matches of a span_ruler merged into ``doc.ents`` beside the model's.

The rule on overlap (docs/annotate-less.md): a **pattern wins** over a model entity it overlaps (a known name
whose label the team's gold fixes: the model's typical error on known names is the label, Samsung taken
for a PERSON), **except** when the model's entity strictly contains the match: a longer name built on a
known one (``UBND Hà Nội`` around ``Hà Nội``) is the model reading the context, and the pattern would cut
it short. Among matches, the longest wins (spaCy's ``filter_spans``).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

SPANS_KEY = "viner_patterns"


@Language.component("viner_patterns")
def merge_patterns(doc: Doc) -> Doc:
    matches = filter_spans(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
    kept = []
    for ent in doc.ents:
        overlapping = [m for m in matches if m.start < ent.end and m.end > ent.start]
        if not overlapping:
            kept.append(ent)
        elif all(
            ent.start <= m.start and m.end <= ent.end and (m.start, m.end) != (ent.start, ent.end) for m in overlapping
        ):
            kept.append(ent)  # the model's longer name contains the known one: keep the model's
            matches = [m for m in matches if m not in overlapping]
    doc.ents = sorted(kept + matches, key=lambda span: span.start)
    return doc
