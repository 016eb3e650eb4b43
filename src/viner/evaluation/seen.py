"""What a model has seen: the entity texts of its training data, and where that data is.

The seen/unseen slice of a report (:mod:`.slices`) asks of every gold and predicted entity
whether its text was an entity text in the model's training data. Texts are compared by
:func:`entity_key`: NFC, case-folded, runs of whitespace made one space, any label (the
reasons are in evaluate/README.md). :func:`load_lexicon` reads the training data (a DocBin,
a folder of DocBin shards, or a Doccano JSONL) into a :class:`Lexicon`; :func:`find_training_data`
finds the file a model's config names as ``paths.train``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH
from spacy.strings import hash_string  # type: ignore[attr-defined]  # spaCy's strings.pyi lacks hash_string
from spacy.tokens import DocBin

from ..errors import VinerError
from ..formats import doccano_jsonl
from ..identity import data_sha256, docbin_shards

# ENT_IOB codes of spaCy's DocBin: 3 begins an entity, 1 continues it
_BEGIN, _INSIDE = 3, 1


def entity_key(text: str) -> str:
    """The form under which entity texts are compared: NFC, case-folded, whitespace runs made one space."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Lexicon:
    """The entity texts of a training set (as :func:`entity_key`), where they come from, and how many."""

    keys: frozenset[str]
    path: str
    sha256: str
    entities: int  # entity mentions read

    def seen(self, text: str) -> bool:
        return entity_key(text) in self.keys


def load_lexicon(path: Path | str) -> Lexicon:
    """The entity texts of a DocBin file, a folder of DocBin shards, or a Doccano ``.jsonl`` file."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such training data (give a .spacy file, a folder of them, or a Doccano .jsonl)")
    if path.suffix == ".jsonl":
        texts: Iterable[str] = (s.text_in(e.text) for e in doccano_jsonl.read(path, labels=None) for s in e.spans)
    elif path.is_dir() or path.suffix == ".spacy":
        texts = _docbin_entity_texts(path)
    else:
        raise VinerError(f"{path}: unsupported training data; give a .spacy file, a folder of them, or a .jsonl file")
    keys: set[str] = set()
    entities = 0
    for text in texts:
        keys.add(entity_key(text))
        entities += 1
    return Lexicon(frozenset(keys), str(path), data_sha256(path), entities)


def _docbin_files(path: Path) -> list[Path]:
    files = docbin_shards(path) if path.is_dir() else [path]
    if not files:
        raise VinerError(f"{path}: folder has no .spacy files")
    return files


def _docbin_entity_texts(path: Path) -> Iterator[str]:
    """Entity texts of DocBins, read from their token columns (no Doc is built: 15k sentences in about a second)."""
    for file in _docbin_files(path):
        try:
            docbin = DocBin().from_disk(file)
        except Exception as err:  # DocBin raises assorted errors on foreign bytes
            raise VinerError(f"{file}: not a spaCy DocBin file ({type(err).__name__}: {err})") from err
        if all(attr in docbin.attrs for attr in (ORTH, ENT_IOB, ENT_TYPE)) and docbin.spaces:
            yield from _columns_entity_texts(docbin)
        else:  # a DocBin without those columns: through spaCy's own reader
            vocab = spacy.blank("xx").vocab
            for doc in docbin.get_docs(vocab):
                yield from (ent.text for ent in doc.ents)


def _columns_entity_texts(docbin: DocBin) -> Iterator[str]:
    strings = {hash_string(s): s for s in docbin.strings}
    orth_col, iob_col = docbin.attrs.index(ORTH), docbin.attrs.index(ENT_IOB)
    for tokens, spaces in zip(docbin.tokens, docbin.spaces):
        orths, iobs, gaps = tokens[:, orth_col].tolist(), tokens[:, iob_col].tolist(), spaces.ravel().tolist()
        pieces: list[str] = []
        previous_gap = False
        for orth, iob, gap in zip(orths, iobs, gaps):
            if iob != _INSIDE and pieces:
                yield "".join(pieces)
                pieces = []
            if iob in (_BEGIN, _INSIDE):
                if pieces:
                    pieces.append(" " if previous_gap else "")
                pieces.append(strings.get(orth, ""))
            previous_gap = gap
        if pieces:
            yield "".join(pieces)


def find_training_data(train: str | None, model: Path | str | None) -> tuple[Path | None, str | None]:
    """The training data a model's ``paths.train`` names, and ``None`` or why it was not found.

    ``paths.train`` is relative to the folder `spacy train` ran in, which the model's config does not
    record: it is looked for as given (from the current folder), then from each folder above the model
    (``training/NAME/model-best`` was trained from the project root, three folders up).
    """
    if not train:
        return None, "the model's config has no paths.train"
    given = Path(str(train))
    candidates = [given]
    if not given.is_absolute() and model is not None:
        candidates += [parent / given for parent in Path(model).resolve().parents]
    for candidate in candidates:
        if candidate.is_file() or (candidate.is_dir() and any(candidate.glob("*.spacy"))):
            return candidate, None
    if given.is_dir():
        return None, f"{given} is a folder without DocBin shards (*.spacy)"
    return None, (
        f"{given} not found from {Path.cwd()} nor from the folders above the model "
        "(paths.train is relative to where `spacy train` ran; give the data with --train)"
    )
