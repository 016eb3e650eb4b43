"""A push's first two steps, with nothing written: the plan (everything local, read and checked) and the batch.

- :func:`plan_push` reads and checks everything local before the server is contacted: the whole file (the shared
  validator; nothing is sent when a line is invalid), the guidelines, the ``--preannotate`` model and the
  ``--patterns``;
- :func:`select_batch` chooses what this push sends, given the unit ids the project already holds: every unit of
  the file, or with ``--select uncertain|random --limit N`` the N units not in the project yet that the model is
  least sure of, or a seeded random sample (viner.selection); then the suggestions for the batch (the file's spans,
  else the model's entities). With ``--select`` and a model or patterns, the file's units already in the project
  get the model's suggestions too: the suggestion rule gives them to an annotator only on a unit they never opened.

Both return values; nothing is changed in place.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..console import Echo
from ..errors import VinerError
from ..labels import LabelScheme, scheme_for
from ..patterns.ruler import pipeline_with_patterns, read_patterns
from ..record import DEFAULT_LABELS, Example, Span
from ..selection import Selection, select
from .panel import UNCERTAINTY_KEY
from .project import DEFAULT_GUIDELINES, Guidelines, find_guidelines
from .suggestions import load_model, model_suggestions
from .units import load_units


@dataclass(frozen=True)
class PushOptions:
    """What `viner doccano push` was asked to do (built by the command line)."""

    path: Path
    project: str
    annotators: tuple[str, ...] = ()
    preannotate: str | None = None
    patterns: Path | None = None
    review: bool = False
    guidelines: Path | None = None
    labels: Sequence[str] = DEFAULT_LABELS
    select_by: str | None = None
    limit: int | None = None
    seed: int = 0
    create: bool = False  # create the project when it is missing
    dry_run: bool = False  # say what would be done; write nothing
    annotator_password: str | None = field(default=None, repr=False)  # new accounts' (else DOCCANO_ANNOTATOR_PASSWORD)

    def check(self) -> None:
        if self.select_by is not None and (self.limit is None or self.review):
            raise VinerError("--select needs --limit N (the batch size) and cannot be used with --review")

    @property
    def source(self) -> str:
        """What the model suggestions come from ("" without --preannotate and --patterns)."""
        return " and ".join(str(p) for p in (self.preannotate, self.patterns) if p)


@dataclass(frozen=True)
class PushPlan:
    """Everything a push may send, read and checked before the server is contacted."""

    options: PushOptions
    units: list[Example]
    duplicates: int
    guidelines: Guidelines
    annotators: list[str]
    scheme: LabelScheme  # the labels' colours, keys and guidelines (viner.labels)
    annotator_password: str | None = field(default=None, repr=False)
    nlp: Any = field(default=None, repr=False)  # the --preannotate/--patterns pipeline, loaded once


@dataclass(frozen=True)
class Batch:
    """The units this push sends and the suggestions it makes on them."""

    units: list[Example]
    suggestions: dict[str, tuple[Span, ...]]  # unit id -> spans to suggest (the file's, else the model's; units
    # of the file already in the project too, with --select and a model or patterns)
    in_project: int  # units of the file the project holds already
    selection: Selection | None = None
    model_spans: int = 0
    model_labels_skipped: Counter[str] = field(default_factory=Counter)
    shown: dict[str, dict[str, str]] = field(default_factory=dict)  # unit id -> push's rows in the Metadata panel


def plan_push(options: PushOptions, echo: Echo = print, warn: Echo | None = None) -> PushPlan:
    """Read the units, the guidelines and the pipeline; a bad file is reported here, before any connection."""
    options.check()
    units, duplicates = load_units(Path(options.path), options.labels, options.review)
    scheme = scheme_for(options.labels)
    found = find_guidelines(Path(options.guidelines) if options.guidelines is not None else None, scheme)
    if found.fallback:
        (warn or echo)(
            f"no guidelines file found (none named by a label scheme, no {DEFAULT_GUIDELINES} here): annotators get "
            "only the label definitions; give --guidelines FILE"
        )
    nlp = None
    if options.preannotate or options.patterns:
        rules = read_patterns(options.patterns, options.labels) if options.patterns else None
        nlp = pipeline_with_patterns(options.preannotate, rules, load=load_model)
    password = options.annotator_password
    return PushPlan(
        options=options,
        units=units,
        duplicates=duplicates,
        guidelines=found,
        annotators=list(dict.fromkeys(a.strip() for a in options.annotators if a.strip())),
        scheme=scheme,
        annotator_password=password if password is not None else os.environ.get("DOCCANO_ANNOTATOR_PASSWORD") or None,
        nlp=nlp,
    )


def select_batch(plan: PushPlan, in_project: Collection[str], echo: Echo = print) -> Batch:
    """The units to push (all, or ``--select``'s among those not in the project) and their suggestions."""
    options = plan.options
    there = sum(1 for unit in plan.units if unit.id in in_project)
    chosen = None
    units = plan.units
    if options.select_by is not None:
        if options.select_by == "uncertain":
            echo(f"Scoring {len(plan.units) - there} unit(s) with {options.preannotate} to find the least certain")
        chosen = select(
            plan.units,
            options.select_by,
            int(options.limit or 0),
            nlp=plan.nlp if options.preannotate else None,
            seed=options.seed,
            exclude=in_project,
            progress=lambda done, total: echo(f"... scored {done}/{total}"),
        )
        if not chosen.units:
            raise VinerError(
                f"{options.path}: every unit is already in {options.project!r}: nothing left to select; "
                "add new units to the file"
            )
        units = chosen.units
    suggestions = {unit.id: unit.spans for unit in units if unit.spans}
    shown = uncertainty_rows(chosen) if chosen is not None else {}
    if plan.nlp is None:
        return Batch(units, suggestions, there, chosen, shown=shown)
    suggest_on = list(units)
    if chosen is not None and there:
        # the file's units already in the project get the newer suggestions too: the suggestion rule gives them
        # only to annotators who never opened the unit, and leaves every other unit as its annotator left it
        echo(f"Also pre-annotating the file's {there} unit(s) already in the project, for whoever never opened them")
        suggest_on += [unit for unit in plan.units if unit.id in in_project]
    found = model_suggestions(options.source, suggest_on, options.labels, echo, nlp=plan.nlp)
    return Batch(units, {**suggestions, **found.spans}, there, chosen, found.count, found.skipped, shown)


def uncertainty_rows(chosen: Selection) -> dict[str, dict[str, str]]:
    """For units chosen by --select uncertain: why, as the Metadata panel shows it (the rank among the chosen)."""
    ranked = sorted(chosen.uncertainty.items(), key=lambda item: -item[1])
    return {
        uid: {UNCERTAINTY_KEY: f"uncertainty {value:.3f}: rank {rank} of {len(ranked)} (least sure first)"}
        for rank, (uid, value) in enumerate(ranked, start=1)
    }
