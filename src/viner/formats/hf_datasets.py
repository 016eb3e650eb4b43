"""Hugging Face ``datasets``: a DatasetDict saved with ``save_to_disk``, for transformer training elsewhere.

One split per input (named after the input file, or given names), each row one unit:

- ``id`` (string): the unit id;
- ``tokens`` (list of strings): the tokens (see :mod:`viner.tokens`; multi-syllable
  words joined with ``_`` as PhoBERT-style word-segmented input expects);
- ``ner_tags`` (list of ``ClassLabel``): IOB2 tags; the names are ``O`` then
  ``B-LABEL``, ``I-LABEL`` for every label, the same in every split;
- ``text`` (string) and ``spans`` (list of ``{start, end, label}``, code-point offsets):
  the exact annotation, so nothing depends on re-tokenising;
- ``meta`` (string): the unit's meta as JSON.

Reading a saved dataset back (:func:`read`) uses ``text``, ``spans``, ``id`` and ``meta``,
so JSONL -> datasets -> JSONL is exact.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from ..errors import InvalidInput, VinerError
from ..io import atomic_path
from ..record import DEFAULT_LABELS, Example, Problem, make_example
from ..tokens import SplitToken, Tokeniser, token_string

SPLIT_NAME = re.compile(r"^\w+(\.\w+)*$")


def tag_names(labels: Iterable[str]) -> list[str]:
    """The ClassLabel names: ``O``, then ``B-X``, ``I-X`` for each label in order."""
    names = ["O"]
    for label in labels:
        names.extend((f"B-{label}", f"I-{label}"))
    return names


def split_name(raw: str) -> str:
    """A valid ``datasets`` split name from a file stem (other characters become ``_``)."""
    name = re.sub(r"\W+", "_", raw).strip("_") or "data"
    return name


def features(labels: Sequence[str]):
    from datasets import ClassLabel, Features, Value

    try:
        from datasets import List as _List
    except ImportError:  # datasets < 4
        from datasets import Sequence as _List
    return Features(
        {
            "id": Value("string"),
            "tokens": _List(Value("string")),
            "ner_tags": _List(ClassLabel(names=tag_names(labels))),
            "text": Value("string"),
            "spans": [{"start": Value("int32"), "end": Value("int32"), "label": Value("string")}],
            "meta": Value("string"),
        }
    )


def to_row(example: Example, tokeniser: Tokeniser, on_split: Callable[[SplitToken], None] | None = None) -> dict:
    offsets, tags = tokeniser(example, on_split)
    return {
        "id": example.id,
        "tokens": [token_string(example.text[s:e]) for s, e in offsets],
        "ner_tags": tags,
        "text": example.text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in example.spans],
        "meta": json.dumps(example.meta, ensure_ascii=False, sort_keys=True),
    }


def write(
    splits: Mapping[str, Iterable[Example]],
    path: Path | str,
    tokeniser: Tokeniser,
    *,
    labels: Sequence[str] = DEFAULT_LABELS,
    all_labels: Sequence[str] | None = None,
    on_split: Callable[[SplitToken], None] | None = None,
) -> dict[str, int]:
    """Save a DatasetDict with one split per entry of ``splits`` atomically; returns the rows per split.

    Rows are streamed into Arrow files (``Dataset.from_generator``, in batches), so memory
    stays flat whatever the size of the splits. The tag names must be known before the
    first row: ``all_labels`` gives every label of the data (``viner export`` collects them
    while checking its inputs); without it the splits are read into lists first to find
    them (fine for small data), and labels found in the data but missing from ``labels``
    are added (sorted) to the tag names.
    """
    from datasets import config as datasets_config
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    for name in splits:
        if not SPLIT_NAME.match(name):
            raise VinerError(f"split name {name!r} is not valid for datasets: use letters, digits and _ only")
    if all_labels is None:
        splits = {name: list(examples) for name, examples in splits.items()}
        for name, examples in splits.items():
            if not examples:
                raise VinerError(f"split {name!r} has no units; datasets cannot load an empty split back, so nothing was written")
        found = {s.label for examples in splits.values() for e in examples for s in e.spans}
        all_labels = list(labels) + sorted(found - set(labels))
    feats = features(all_labels)
    counts: dict[str, int] = {}
    path = Path(path)
    with atomic_path(path, is_dir=True) as tmp:
        cache = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".cache", dir=path.parent))
        try:
            # DatasetDict.save_to_disk, one split at a time: each split's Arrow file is released
            # (unmapped, its cache removed) before the next is generated
            for name, examples in splits.items():
                dataset = _split(name, examples, tokeniser, feats, on_split, cache / name, counts)
                dataset.save_to_disk(str(tmp / name))
                del dataset
                shutil.rmtree(cache / name, ignore_errors=True)
            (tmp / datasets_config.DATASETDICT_JSON_FILENAME).write_text(json.dumps({"splits": list(splits)}), encoding="utf-8")
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    return counts


def _split(name: str, examples: Iterable[Example], tokeniser: Tokeniser, feats, on_split, cache: Path, counts: dict[str, int]):
    """One split as an Arrow-backed Dataset, written row by row from ``examples``."""
    from datasets import Dataset

    counts[name] = 0

    def rows() -> Iterator[dict]:
        for example in examples:
            counts[name] += 1
            yield to_row(example, tokeniser, on_split)

    try:
        # a fresh cache folder and fingerprint: never reuse an earlier dataset, never hash the tokeniser
        dataset = Dataset.from_generator(rows, features=feats, cache_dir=str(cache), fingerprint=uuid.uuid4().hex)
    except Exception as err:
        cause = err
        while cause is not None and not isinstance(cause, VinerError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise cause from None
        if counts[name] == 0:
            raise VinerError(f"split {name!r} has no units; datasets cannot load an empty split back, so nothing was written") from None
        raise
    if counts[name] == 0:
        raise VinerError(f"split {name!r} has no units; datasets cannot load an empty split back, so nothing was written")
    return dataset


def load(path: Path | str):
    """Load a saved DatasetDict (or a single Dataset, returned as ``{"data": dataset}``)."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such folder")
    if not path.is_dir():
        raise VinerError(f"{path}: not a folder; a Hugging Face dataset is a folder written by `viner export --format hf`")
    from datasets import Dataset, load_from_disk

    try:
        data = load_from_disk(str(path))
    except Exception as err:  # datasets raises FileNotFoundError, ValueError, pyarrow errors...
        raise VinerError(f"{path}: not a Hugging Face dataset saved with save_to_disk ({type(err).__name__}: {err})") from err
    if isinstance(data, Dataset):
        return {"data": data}
    return dict(data)


def read(
    path: Path | str,
    labels: Sequence[str] | None = None,
    on_problem: Callable[[Problem], None] | None = None,
) -> dict[str, list[Example]]:
    """Read a saved dataset back into examples, split by split (from ``text``, ``spans``, ``id``, ``meta``).

    A row is located as ``PATH/SPLIT:ROW`` (rows from 1). Invalid rows go to ``on_problem``
    and are skipped; without a callback the first raises :class:`InvalidInput`.
    """
    out: dict[str, list[Example]] = {}
    for name, dataset in load(path).items():
        where = f"{Path(path)}/{name}"
        missing = {"text", "spans"} - set(dataset.column_names)
        if missing:
            raise VinerError(f"{where}: missing column(s) {', '.join(sorted(missing))}; only datasets written by `viner export --format hf` can be read back")
        out[name] = list(_rows(dataset, where, labels, on_problem))
    return out


def _rows(dataset, where: str, labels, on_problem) -> Iterator[Example]:
    for number, row in enumerate(dataset, start=1):
        problems: list[Problem] = []
        meta = {}
        raw_meta = row.get("meta")
        if raw_meta:
            try:
                meta = json.loads(raw_meta)
            except (TypeError, json.JSONDecodeError) as err:
                problems.append(Problem(where, number, "meta", f"invalid JSON ({err})"))
            if not isinstance(meta, dict):
                problems.append(Problem(where, number, "meta", "must be a JSON object"))
                meta = {}
        spans = row.get("spans") or []
        if isinstance(spans, dict):  # datasets < 4 stores a list of structs as a struct of lists
            spans = [dict(zip(spans, values)) for values in zip(*spans.values())]
        if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
            problems.append(Problem(where, number, "spans", f"must be a list of {{start, end, label}}, got {type(spans).__name__}"))
            spans = []
        triples = [(s.get("start"), s.get("end"), s.get("label")) for s in spans]
        example, errors = make_example(row.get("text"), triples, meta=meta, id=str(row.get("id") or ""), labels=labels)
        problems.extend(Problem(where, number, fld, msg) for fld, msg in errors)
        if problems:
            if on_problem is None:
                raise InvalidInput(problems)
            for problem in problems:
                on_problem(problem)
            continue
        assert example is not None
        yield example
