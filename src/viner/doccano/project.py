"""The Doccano project a push works in: the project itself, its labels, its annotators.

- the project is a sequence-labeling project with collaborative mode off, so every
  annotator works on their own copy and exports stay attributable; its description is one
  short line (the Projects list shows it raw) and its guideline the annotation guidelines, each
  paragraph on one line (viner.doccano.guideline_text: the dialog shows every line break);
- the labels get the colours and keyboard keys of the workspace's label scheme (viner.labels);
- annotator accounts and memberships are created when missing; existing passwords are
  never touched.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..io import read_text
from ..labels import LabelScheme
from .api.client import SEQUENCE_LABELING, Session
from .guideline_text import unwrap

DEFAULT_GUIDELINES = Path("annotations/GUIDELINES.md")  # without a label scheme that names its guidelines
REVIEW_INTRO = (
    "Review round: each unit is a conflict between annotators. Its metadata shows every annotator's version; "
    "the spans they all agreed on are pre-annotated. Correct the spans into the right answer and mark the unit as checked.\n\n"
)
ANNOTATOR_ROLE = "annotator"


@dataclass(frozen=True)
class Guidelines:
    text: str
    source: str  # the file read, or what stands in for one
    fallback: bool = False


def find_guidelines(given: Path | None, scheme: LabelScheme) -> Guidelines:
    """The guidelines to show: ``--guidelines``, else the file the label scheme names, else annotations/GUIDELINES.md
    in the current folder; when there is none, the scheme's label definitions (a fallback the caller warns about)."""
    if given is not None:
        return Guidelines(_read_guidelines(given, "--guidelines"), str(given))
    if scheme.guidelines is not None:
        return Guidelines(
            _read_guidelines(scheme.guidelines, f'{scheme.path} (field "guidelines")'), str(scheme.guidelines)
        )
    if DEFAULT_GUIDELINES.is_file() and read_text(DEFAULT_GUIDELINES).strip():
        return Guidelines(read_text(DEFAULT_GUIDELINES).strip(), str(DEFAULT_GUIDELINES))
    lines = [f"Mark every named entity with one of these labels ({scheme.describe()}):", ""]
    lines += [f"- **{label.name}**" + (f": {label.definition}" if label.definition else "") for label in scheme.labels]
    lines += ["", "Select the exact words, no surrounding spaces or punctuation; mark the unit as checked when done."]
    return Guidelines("\n".join(lines), "the label definitions (no guidelines file found)", fallback=True)


def _read_guidelines(path: Path, named_by: str) -> str:
    if not path.is_file():
        raise VinerError(
            f"{path}: guidelines file not found"
            + (" (it is a folder)" if path.is_dir() else "")
            + f"; named by {named_by}"
        )
    text = read_text(path).strip()
    if not text:
        raise VinerError(f"{path}: the guidelines file is empty; named by {named_by}")
    return text


def project_description(labels: Sequence[str], review: bool) -> str:
    """One short line for the Projects list (the guidelines go to the guideline page, which can be long)."""
    what = "Review of conflicts between annotators" if review else "Named entities"
    return f"{what}: {', '.join(labels)}. Guidelines: the guideline icon in the annotation page's toolbar."[:300]


def find_or_refuse(session: Session, name: str, *, create: bool) -> dict | None:
    """The project ``name``, or None when the push is to create it.

    Creating is explicit: ``create`` (``--create``), or the server has no project at all (a first push, which says
    it creates one). Without ``create``, a missing name near an existing project's (a typo: ``tin_tuc`` for
    ``tin-tuc``) is an error that suggests it, and any other missing name an error listing the projects."""
    found = session.find_project(name)
    if found is not None:
        if found.get("project_type") != SEQUENCE_LABELING:
            raise VinerError(
                f"Doccano project {name!r} is a {found.get('project_type')} project; choose another --project name"
            )
        return found
    names = sorted(str(p["name"]) for p in session.projects())
    if create or not names:
        return None
    near = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    listed = ", ".join(repr(n) for n in names)
    if near:
        raise VinerError(
            f"Doccano at {session.url} has no project {name!r}; did you mean {near[0]!r}? (projects: {listed}); "
            f"pass --create to make a new project {name!r}"
        )
    raise VinerError(
        f"Doccano at {session.url} has no project {name!r} (projects: {listed}); pass --create to create it"
    )


def open_project(
    session: Session,
    name: str,
    found: dict | None,
    guidelines: Guidelines,
    labels: Sequence[str],
    *,
    review: bool,
    update_guidelines: bool,
    echo: Echo,
) -> tuple[int, bool]:
    """The id of the project ``found`` (by :func:`find_or_refuse`), created as ``name`` when None; and whether it was
    created now.

    An existing project keeps its guidelines unless ``update_guidelines`` (``--guidelines`` given), which replaces
    them and says so."""
    text = unwrap(REVIEW_INTRO + guidelines.text if review else guidelines.text)
    if found is None:
        others = sorted(str(p["name"]) for p in session.projects())
        found = session.create_project(name, description=project_description(labels, review), guideline=text)
        echo(
            f"Created project {name!r} (id {found['id']}) with the guidelines of {guidelines.source}"
            + (f"; the other projects: {', '.join(others)}" if others else "; the first project on this server")
        )
        return int(found["id"]), True
    if update_guidelines:
        session.update_guidelines(int(found["id"]), description=project_description(labels, review), guideline=text)
        echo(f"Updated the guidelines of {name!r} from {guidelines.source}")
    return int(found["id"]), False


def ensure_labels(session: Session, project_id: int, scheme: LabelScheme) -> list[str]:
    """Create the labels the project lacks, in the scheme's colours and keys; returns the ones created."""
    existing = session.span_types(project_id)
    created = []
    for label in scheme.names:
        if label not in existing:
            colour, key = scheme.style(label)
            session.create_span_type(project_id, label, colour, key)
            created.append(label)
    return created


@dataclass
class Accounts:
    """The project's members before the push, and what the push created."""

    members: dict[str, str]  # username -> role, as found
    passwords: dict[str, str] = field(
        default_factory=dict, repr=False
    )  # accounts created now -> password (to log in as them)
    created: dict[str, str | None] = field(
        default_factory=dict, repr=False
    )  # name -> generated password (None: from env)
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
