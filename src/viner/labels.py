"""The workspace's label scheme: one file that names each label, its Doccano colour and key, and a definition.

``annotations/labels.json``::

    {"guidelines": "GUIDELINES.md",
     "labels": [{"name": "PERSON", "colour": "#e6194b", "key": "p", "definition": "People, real or fictional"}, ...]}

Every command that needs the label set (import-conll, validate, convert, export, merge, agree, patterns, the
Doccano commands) takes it from the scheme of the workspace it runs in: the nearest ``annotations/labels.json``
in the current folder or one above it, the way git finds its repository. ``--labels`` still overrides it for
one command. Without a scheme file the four news labels (PERSON, ORG, GPE, EVENT) are the scheme.
``guidelines`` (optional, relative to the scheme file) is the guidelines file ``viner doccano push`` shows to
annotators.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import VinerError
from .record import DEFAULT_LABELS

SCHEME_FILE = Path("annotations") / "labels.json"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
#: Colours for labels the scheme gives none (Sasha Trubetskoy's palette of distinct colours), in order.
SPARE_COLOURS = (
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#469990",
    "#9a6324",
    "#800000",
    "#000075",
    "#808000",
    "#ffe119",
)


@dataclass(frozen=True)
class Label:
    name: str
    colour: str
    key: str | None = None  # the keyboard key that picks the label in Doccano
    definition: str = ""


NEWS_LABELS = (
    Label(
        "PERSON",
        "#e6194b",
        "p",
        "People, real or fictional: full names, family or given names, a name shortened to one part",
    ),
    Label(
        "ORG",
        "#4363d8",
        "o",
        "Named organisations: government bodies, international organisations, companies, news agencies, parties",
    ),
    Label("GPE", "#3cb44b", "g", "Countries, cities, provinces and other territories with a government, in every use"),
    Label(
        "EVENT", "#f58231", "e", "Named events: wars, summits, forums, festivals, sports events, disasters with a name"
    ),
)
assert tuple(label.name for label in NEWS_LABELS) == DEFAULT_LABELS


@dataclass(frozen=True)
class LabelScheme:
    labels: tuple[Label, ...]
    path: Path | None = None  # the scheme file, None for the built-in news labels
    guidelines: Path | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def style(self, name: str) -> tuple[str, str | None]:
        """(colour, key) of a label; a label outside the scheme gets a spare colour and no key."""
        for label in self.labels:
            if label.name == name:
                return label.colour, label.key
        used = {label.colour.lower() for label in self.labels}
        spare = [colour for colour in SPARE_COLOURS if colour not in used]
        return (spare[sum(map(ord, name)) % len(spare)] if spare else "#a9a9a9"), None

    def describe(self) -> str:
        return f"{self.path}" if self.path else "the built-in news labels (no annotations/labels.json)"


def find_scheme(start: Path | None = None) -> Path | None:
    """The nearest ``annotations/labels.json`` in ``start`` (default: the current folder) or a folder above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / SCHEME_FILE
        if candidate.is_file():
            return candidate
    return None


def load_scheme(path: Path | str) -> LabelScheme:
    """Read and check a scheme file; a problem names the file and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise VinerError(f"{path}: cannot read the label scheme ({err.strerror or err})") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise VinerError(
            f"{path}: the label scheme is not UTF-8 JSON ({err}); see docs/labels.md for its format"
        ) from err
    if not isinstance(data, dict) or not isinstance(data.get("labels"), list) or not data["labels"]:
        raise VinerError(
            f'{path}: field "labels": expected a list of labels, e.g. [{{"name": "PERSON", "colour": "#e6194b", "key": "p", "definition": "..."}}]'
        )
    labels: list[Label] = []
    keys: set[str | None] = set()
    for i, row in enumerate(data["labels"]):
        where = f"{path}: labels[{i}]"
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not NAME.fullmatch(row["name"]):
            raise VinerError(f'{where}.name: expected a label name of letters, digits, "_" or "-" (e.g. "PERSON")')
        name = row["name"]
        if name in (label.name for label in labels):
            raise VinerError(f"{where}.name: {name!r} is named twice")
        colour = row.get("colour", row.get("color"))
        if colour is not None and (not isinstance(colour, str) or not COLOUR.fullmatch(colour)):
            raise VinerError(f'{where}.colour: expected a colour such as "#e6194b", got {colour!r}')
        key = row.get("key")
        if key is not None and (not isinstance(key, str) or len(key) != 1 or not key.isalnum()):
            raise VinerError(f"{where}.key: expected one letter or digit, got {key!r}")
        if key is not None and key in keys:
            raise VinerError(f"{where}.key: {key!r} already picks another label")
        keys.add(key)
        definition = row.get("definition", "")
        if not isinstance(definition, str):
            raise VinerError(f"{where}.definition: expected one line of text")
        labels.append(Label(name, colour or "", key, " ".join(definition.split())))
    spare = iter([colour for colour in SPARE_COLOURS if colour not in {label.colour.lower() for label in labels}])
    labels = [
        label if label.colour else Label(label.name, next(spare, "#a9a9a9"), label.key, label.definition)
        for label in labels
    ]
    guidelines = data.get("guidelines")
    if guidelines is not None and (not isinstance(guidelines, str) or not guidelines.strip()):
        raise VinerError(
            f'{path}: field "guidelines": expected the path of the guidelines file, relative to {path.parent}'
        )
    return LabelScheme(tuple(labels), path, (path.parent / guidelines) if guidelines else None)


def workspace_folder(start: Path | None = None) -> Path:
    """The workspace: the folder whose ``annotations/labels.json`` :func:`find_scheme` finds, else ``start`` (the
    current folder), so a command run from a sub-folder (``corpus/``) writes where one run from the root does."""
    found = find_scheme(start)
    return found.parents[1] if found is not None else (start or Path.cwd())


def workspace_scheme(start: Path | None = None) -> LabelScheme:
    """The scheme of the workspace (see the module docstring), or the built-in news labels."""
    found = find_scheme(start)
    if found is None:
        return LabelScheme(NEWS_LABELS)
    return load_scheme(found)


def scheme_for(names: Sequence[str] | None) -> LabelScheme:
    """The workspace scheme narrowed (or extended) to ``names`` when a command was given --labels."""
    scheme = workspace_scheme()
    if names is None or tuple(names) == scheme.names:
        return scheme
    known = {label.name: label for label in scheme.labels}
    labels = tuple(known.get(name) or Label(name, scheme.style(name)[0]) for name in names)
    return LabelScheme(labels, scheme.path, scheme.guidelines)
