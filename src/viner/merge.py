"""Merge several annotators' versions into one gold file; every conflict goes to review.

For each unit (in the order Doccano lists them), with the versions of the annotators
who finished it (checked in Doccano; see :mod:`viner.agreement`):

- an adjudicated version exists (from a pulled review project, ``adjudicated=``):
  it is the gold (``meta.merge = "adjudicated"``); if several adjudicators checked the
  unit with different spans, the unit stays a conflict;
- fewer than ``min_annotators`` finished it: *pending*, listed, not in gold;
- all versions have the same spans: gold (``meta.merge = "agreed"``);
- otherwise a *conflict*: it goes to the review file with every annotator's version
  (``meta.viner_review.versions``), the spans they disagree on (``disputed``), and the
  spans they all agree on as its pre-annotations. ``viner doccano push --review`` sends it
  to a review project; ``viner doccano pull`` brings the adjudication back and
  ``viner merge ... --adjudicated SNAPSHOT`` applies it.

Every unit of the snapshot ends up in exactly one of gold, review or pending, and the
counts are reported: no conflict is dropped silently. A unit is never half-merged (a
gold unit with only the agreed spans would teach the model that the disputed entities
are not entities).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agreement import check_same_text, unit_order
from .errors import VinerError
from .formats import doccano_jsonl
from .io import file_target, refuse_overwrite
from .record import DEFAULT_LABELS, Example, Span
from .snapshot import Annotations, SkippedUnit, is_done, read_snapshot

REVIEW_KEY = "viner_review"
DROPPED_META = ("doccano_id", "doccano_confirmed", "Comments", REVIEW_KEY)


@dataclass
class MergeResult:
    gold: list[Example] = field(default_factory=list)
    conflicts: list[Example] = field(default_factory=list)
    agreed: int = 0
    adjudicated: int = 0
    pending: list[tuple[str, list[str]]] = field(default_factory=list)  # (unit id, annotators who finished it)
    unused_adjudications: list[str] = field(default_factory=list)
    annotators: list[str] = field(default_factory=list)
    min_annotators: int = 2
    output: Path | None = None
    review_file: Path | None = None
    stale_review: Path | None = None  # a review file of an earlier merge, when this one has no conflict
    removed_stale: bool = False  # ... and --force removed it
    skipped: list[SkippedUnit] = field(default_factory=list)  # units left out: an annotator's row is invalid

    def to_dict(self) -> dict[str, Any]:
        return {
            "annotators": self.annotators,
            "min_annotators": self.min_annotators,
            "gold": len(self.gold),
            "agreed": self.agreed,
            "adjudicated": self.adjudicated,
            "conflicts": [e.id for e in self.conflicts],
            "pending": [{"unit_id": u, "finished_by": n} for u, n in self.pending],
            "unused_adjudications": self.unused_adjudications,
            "output": str(self.output) if self.output else None,
            "review_file": str(self.review_file) if self.review_file else None,
            "skipped_invalid": [s.unit_id for s in self.skipped if s.checked],
        }


def default_review_file(output: Path) -> Path:
    """``annotations/gold/NAME.jsonl`` -> ``annotations/review/NAME.jsonl``; elsewhere ``NAME.review.jsonl`` beside it.

    The review file must not sit among the gold files: ``viner convert annotations/gold``
    would train on its partial (agreed-only) spans.
    """
    output = Path(output)
    if output.parent.name == "gold":
        return output.parent.parent / "review" / output.name
    return output.with_name(f"{output.stem}.review.jsonl")


def _base_meta(example: Example) -> dict[str, Any]:
    return {
        k: v
        for k, v in example.meta.items()
        if k not in DROPPED_META and not k.startswith("version: ") and k != "disputed"
    }


def _comments(versions: dict[str, Example]) -> dict[str, Any]:
    return {name: ex.meta["Comments"] for name, ex in versions.items() if ex.meta.get("Comments")}


def _as_lists(spans: Iterable[Span]) -> list[list]:
    return [s.as_list() for s in sorted(spans)]


def adjudications(
    paths: Sequence[Path | str], labels: Sequence[str] | None, skip_invalid: bool = False
) -> tuple[Annotations, list[SkippedUnit]]:
    """The checked units of pulled review snapshots: adjudicator -> unit id -> example; and the units left out."""
    found: Annotations = {}
    skipped: list[SkippedUnit] = []
    for path in paths:
        snapshot = read_snapshot([path], labels, skip_invalid=skip_invalid)
        skipped += snapshot.skipped
        for name, units in snapshot.annotations.items():
            done = {uid: ex for uid, ex in units.items() if is_done(ex)}
            found.setdefault(name, {}).update(done)
    return found, skipped


def merge_annotations(
    annotations: Annotations,
    adjudicated: Annotations | None = None,
    *,
    min_annotators: int = 2,
    include_unconfirmed: bool = False,
) -> MergeResult:
    """Decide gold, conflict or pending for every unit (pure: writes nothing)."""
    names = sorted(annotations)
    if not names:
        raise VinerError("no annotator files to merge")
    if min_annotators < 1:
        raise VinerError("--min-annotators must be at least 1")
    check_same_text(annotations)
    adjudicated = adjudicated or {}
    result = MergeResult(annotators=names, min_annotators=min(min_annotators, len(names)))
    by_unit: dict[str, dict[str, Example]] = {}
    for name, units in adjudicated.items():
        for uid, example in units.items():
            by_unit.setdefault(uid, {})[name] = example
    order = unit_order(annotations)
    known = set(order)
    result.unused_adjudications = [uid for uid in by_unit if uid not in known]
    for uid in order:
        versions = {
            n: annotations[n][uid]
            for n in names
            if uid in annotations[n] and is_done(annotations[n][uid], include_unconfirmed)
        }
        any_version = next((annotations[n][uid] for n in names if uid in annotations[n]), None)
        assert any_version is not None
        meta = _base_meta(any_version)
        spans_by = {n: ex.spans for n, ex in versions.items()}
        decided = by_unit.get(uid)
        if decided:
            for name, ex in decided.items():
                if ex.text != any_version.text:
                    raise VinerError(
                        f"the adjudication of unit {uid} by {name} has a different text than the annotators' version; was the review project made from this snapshot?"
                    )
            outcomes = {ex.spans for ex in decided.values()}
            if len(outcomes) == 1:
                gold_meta = dict(meta, annotators=sorted(versions), adjudicators=sorted(decided), merge="adjudicated")
                result.gold.append(Example(any_version.text, next(iter(outcomes)), uid, gold_meta))
                result.adjudicated += 1
                continue
            spans_by = dict(spans_by, **{f"adjudicator {n}": ex.spans for n, ex in decided.items()})
        elif len(versions) < result.min_annotators:
            result.pending.append((uid, sorted(versions)))
            continue
        elif len(set(spans_by.values())) == 1:
            gold_meta = dict(meta, annotators=sorted(versions), merge="agreed")
            result.gold.append(Example(any_version.text, next(iter(spans_by.values())), uid, gold_meta))
            result.agreed += 1
            continue
        sets = [set(s) for s in spans_by.values()]
        common = set.intersection(*sets)
        disputed = set.union(*sets) - common
        review = {"versions": {n: _as_lists(s) for n, s in spans_by.items()}, "disputed": _as_lists(disputed)}
        comments = _comments(versions)
        if comments:
            review["comments"] = comments
        result.conflicts.append(
            Example(any_version.text, tuple(sorted(common)), uid, dict(meta, **{REVIEW_KEY: review}))
        )
    return result


def merge(
    snapshot: Sequence[Path | str],
    output: Path,
    *,
    review_file: Path | None = None,
    adjudicated: Sequence[Path | str] = (),
    min_annotators: int = 2,
    include_unconfirmed: bool = False,
    labels: Sequence[str] | None = DEFAULT_LABELS,
    force: bool = False,
    skip_invalid: bool = False,
) -> MergeResult:
    """Merge a snapshot into ``output`` (gold) and ``review_file`` (conflicts); both written atomically.

    Existing outputs are only replaced with ``force`` (gold holds annotations). A file with
    no unit is never written: no gold file when no unit was agreed or adjudicated yet, no
    review file without conflicts; a snapshot with neither is an error. A review file of an
    earlier merge that this merge does not replace is reported, and removed with ``force``.
    """
    output = file_target(output)
    review_file = file_target(review_file) if review_file else default_review_file(output)
    if review_file.resolve() == output.resolve():
        raise VinerError("the review file and the gold file must differ")
    refuse_overwrite(output, force, "gold annotations")  # before the (long) reading: fail fast
    read = read_snapshot(snapshot, labels, skip_invalid=skip_invalid, include_unconfirmed=include_unconfirmed)
    decided, skipped_adjudications = adjudications(adjudicated, labels, skip_invalid) if adjudicated else ({}, [])
    result = merge_annotations(
        read.annotations, decided, min_annotators=min_annotators, include_unconfirmed=include_unconfirmed
    )
    result.skipped = read.skipped + skipped_adjudications
    if not result.gold and not result.conflicts:
        waiting = (
            f"all {len(result.pending)} unit(s) are pending (finished by fewer than {result.min_annotators} annotator(s))"
            if result.pending
            else "no units"
        )
        raise VinerError(
            f"{', '.join(map(str, snapshot))}: nothing to merge: {waiting}; annotators mark a unit as checked in Doccano when done "
            "(or pass --all-units, or --min-annotators 1); nothing was written"
        )
    if result.conflicts:
        refuse_overwrite(review_file, force, "a review file")
        doccano_jsonl.write(result.conflicts, review_file)  # first: gold without its conflicts listed would hide them
        result.review_file = review_file
    elif review_file.is_file():  # its conflicts are resolved or gone: left in place it would be pushed again by mistake
        result.stale_review = review_file
        if force:
            review_file.unlink()
            result.removed_stale = True
    if result.gold:
        doccano_jsonl.write(result.gold, output)
        result.output = output
    return result
