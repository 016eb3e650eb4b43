"""The Doccano project a push works in: the project itself, its labels, its annotators.

- the project is a sequence-labeling project with collaborative mode off, so every
  annotator works on their own copy and exports stay attributable; its description and
  guideline are the annotation guidelines;
- the labels get fixed, distinguishable colours and keyboard keys;
- annotator accounts and memberships are created when missing; existing passwords are
  never touched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..errors import VinerError
from ..io import read_text
from .client import SEQUENCE_LABELING, Session

#: Fixed, distinguishable colours (Sasha Trubetskoy's palette) and the key that picks each label.
LABEL_STYLE = {
    "PERSON": ("#e6194b", "p"),
    "ORG": ("#4363d8", "o"),
    "GPE": ("#3cb44b", "g"),
    "EVENT": ("#f58231", "e"),
}
EXTRA_COLOURS = ("#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#469990", "#9a6324", "#800000", "#000075")
DEFAULT_GUIDELINES = Path("annotations/GUIDELINES.md")
REVIEW_INTRO = (
    "Review round: each unit is a conflict between annotators. Its metadata shows every annotator's version; "
    "the spans they all agreed on are pre-annotated. Correct the spans into the right answer and mark the unit as checked.\n\n"
)
ANNOTATOR_ROLE = "annotator"

Echo = Callable[[str], None]


def guideline_text(path: Path | None, labels: Sequence[str]) -> str:
    """The guidelines in ``path``; a one-sentence fallback when the default file is missing or empty."""
    if path is not None and path.is_file():
        text = read_text(path).strip()
        if text:
            return text
    if path is not None and path != DEFAULT_GUIDELINES and not path.is_file():
        raise VinerError(f"{path}: guidelines file not found" + (" (it is a folder)" if path.is_dir() else ""))
    return (
        f"Mark every named entity as one of {', '.join(labels)} (OntoNotes 5.0 definitions). "
        "Select the exact words, no surrounding spaces or punctuation; mark the unit as checked when done."
    )


def open_project(session: Session, name: str, guidelines: str, *, review: bool, echo: Echo) -> tuple[int, bool]:
    """The id of the sequence-labeling project ``name``, created when missing; and whether it was created now."""
    found = session.find_project(name)
    if found is None:
        text = REVIEW_INTRO + guidelines if review else guidelines
        found = session.create_project(name, description=text, guideline=text)
        echo(f"Created project {name!r} (id {found['id']})")
        return int(found["id"]), True
    if found.get("project_type") != SEQUENCE_LABELING:
        raise VinerError(f"Doccano project {name!r} is a {found.get('project_type')} project; choose another --project name")
    return int(found["id"]), False


def ensure_labels(session: Session, project_id: int, labels: Sequence[str]) -> list[str]:
    """Create the labels the project lacks, in their fixed colours; returns the ones created."""
    existing = session.span_types(project_id)
    extra = iter(EXTRA_COLOURS)
    created = []
    for label in labels:
        if label not in existing:
            colour, key = LABEL_STYLE.get(label, (next(extra, "#a9a9a9"), None))
            session.create_span_type(project_id, label, colour, key)
            created.append(label)
    return created


@dataclass
class Accounts:
    """The project's members before the push, and what the push created."""

    members: dict[str, str]  # username -> role, as found
    passwords: dict[str, str] = field(default_factory=dict, repr=False)  # accounts created now -> password (to log in as them)
    created: dict[str, str | None] = field(default_factory=dict, repr=False)  # name -> generated password (None: from env)
    added: list[str] = field(default_factory=list)  # new memberships


def ensure_accounts(session: Session, project_id: int, annotators: Sequence[str], password: str | None) -> Accounts:
    """Create missing annotator accounts (``password``, else a generated one) and memberships."""
    accounts = Accounts(session.members(project_id))
    for name in annotators:
        if name == session.username:
            continue
        if session.find_user(name) is None:
            secret = password or secrets.token_urlsafe(12)
            session.create_user(name, secret)
            accounts.passwords[name] = secret
            accounts.created[name] = None if password else secret
        if name not in accounts.members:
            session.add_member(project_id, name, ANNOTATOR_ROLE)
            accounts.added.append(name)
    return accounts
