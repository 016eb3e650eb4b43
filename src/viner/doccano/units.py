"""The units a push sends: read and checked from a file, and the rows Doccano imports them as.

Nothing here talks to the server. A unit's id travels in Doccano's metadata as
``unit_id`` (the idempotency key of a re-push); the rest of its metadata as the fields the
Metadata panel shows, from which pull gets it back exactly (viner.doccano.panel). Whom a push gave suggestions on
a unit is kept out of it, in the push ledger (viner.doccano.ledger); pushes before the ledger recorded it in the
unit's ``viner_suggested`` ("alice, bob"), which is never uploaded from a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import InvalidInput, ProblemLog, VinerError
from ..formats import doccano_jsonl
from ..record import Example, unit_id
from .panel import META_KEY, SUGGESTED_KEY, doccano_meta
from .scripts.suggestion_rule import given_to

REVIEW_KEY = "viner_review"
PROJECT_META_KEYS = (
    "doccano_id",
    "doccano_confirmed",
    "Comments",
    SUGGESTED_KEY,
)  # the project's, never uploaded from a file


def load_units(path: Path, labels: Sequence[str], review: bool) -> tuple[list[Example], int]:
    """Every valid unit of ``path`` and the number of duplicates skipped; any invalid line stops the push with all problems listed."""
    log = ProblemLog()
    examples = list(doccano_jsonl.read(path, labels=labels, on_problem=log))
    if log:
        raise InvalidInput(log.problems)
    if not examples:
        raise VinerError(
            f'{path}: empty file: no units to push (expected one {{"text": ..., "label": [...]}} object per line)'
        )
    units: dict[str, Example] = {}
    duplicates = 0
    for example in examples:
        if example.id in units:
            duplicates += 1
            continue
        units[example.id] = example
    is_review = [REVIEW_KEY in e.meta for e in units.values()]
    if review and not all(is_review):
        raise VinerError(
            f"{path}: not a review file (rows lack meta.{REVIEW_KEY}); write one with `viner merge`, or push without --review"
        )
    if not review and any(is_review):
        raise VinerError(
            f"{path}: this is a review file written by `viner merge`; push it with --review to a review project"
        )
    return list(units.values()), duplicates


def _readable(text: str, spans: Sequence[Sequence]) -> str:
    return " · ".join(f"{text[s:e]} ({label})" for s, e, label in spans) or "(no entities)"


def upload_row(example: Example, extra: Mapping[str, str] | None = None) -> dict:
    """The row Doccano imports for a unit: its text, no spans, and metadata as the Metadata panel should show it.

    Doccano shows every metadata key to annotators, so the row carries the unit's own fields made readable,
    ``unit_id`` (the idempotency key) and ``extra`` (push's, e.g. a unit's uncertainty), and the exact metadata
    as one JSON string only when those fields cannot give it back (viner.doccano.panel). Review rows show each
    annotator's version readably for the adjudicator.
    """
    meta = {k: v for k, v in example.meta.items() if k not in PROJECT_META_KEYS and k != META_KEY}
    shown = dict(extra or {})
    review = meta.get(REVIEW_KEY)
    if isinstance(review, dict):
        for name, spans in sorted(review.get("versions", {}).items()):
            shown[f"version: {name}"] = _readable(example.text, spans)
        if review.get("disputed"):
            shown["disputed"] = _readable(example.text, review["disputed"])
    fields = doccano_meta(meta, example.id, shown, hidden=(REVIEW_KEY,))
    return {"text": example.text, "label": [], **fields}


def upload_batches(
    examples: Sequence[Example], extras: Mapping[str, Mapping[str, str]] | None = None
) -> list[list[dict]]:
    """Upload rows grouped so that every row of a file has the same keys with the same value types.

    Doccano reads an import into a pandas DataFrame: a key missing from some rows becomes
    NaN, which is not JSON, and the whole import fails on the database's JSON check
    ("CHECK constraint failed: JSON_VALID(meta)"); ints mixed with nulls would turn into
    floats. One file per key/type signature avoids both.
    """
    groups: dict[tuple, list[dict]] = {}
    for example in examples:
        row = upload_row(example, (extras or {}).get(example.id))
        signature = tuple(sorted((key, type(value).__name__) for key, value in row.items()))
        groups.setdefault(signature, []).append(row)
    return list(groups.values())


def example_key(example: dict) -> str:
    """The unit id of an example listed by Doccano (its text's hash for units viner did not push)."""
    meta = example.get("meta") or {}
    return str(meta.get("unit_id") or unit_id(example.get("text") or ""))


def suggested_to(example: dict) -> set[str]:
    """Annotators a push before the ledger named in this example's metadata (Doccano user names have no commas or
    spaces)."""
    return given_to(example.get("meta"), SUGGESTED_KEY)
