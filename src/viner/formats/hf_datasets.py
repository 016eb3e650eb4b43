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
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

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


SHARD_ROWS = 200_000  # rows per Arrow file of a split (save_to_disk's default cuts at 500 MB, ~450k units)


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

    The folder is what ``DatasetDict.save_to_disk`` writes (``dataset_dict.json``; per split
    ``data-NNNNN-of-NNNNN.arrow``, ``dataset_info.json``, ``state.json``), but the rows are
    streamed straight into the split's Arrow files (``datasets``' ``ArrowWriter``, in batches)
    and never read back: no cache copy, no memory-mapped file pulled into memory by
    ``save_to_disk``, so memory stays flat whatever the size of the splits (the tokeniser's
    vocabulary too, see :meth:`Tokeniser.zoned`). The tag names must be known before the
    first row: ``all_labels`` gives every label of the data (``viner export`` collects them
    while checking its inputs); without it the splits are read into lists first to find
    them (fine for small data), and labels found in the data but missing from ``labels``
    are added (sorted) to the tag names.
    """
    from datasets import config as datasets_config

    for name in splits:
        if not SPLIT_NAME.match(name):
            raise VinerError(f"split name {name!r} is not valid for datasets: use letters, digits and _ only")
    if all_labels is None:
        splits = {name: list(examples) for name, examples in splits.items()}
        for name, examples in splits.items():
            if not examples:
                raise VinerError(
                    f"split {name!r} has no units; datasets cannot load an empty split back, so nothing was written"
                )
        found = {s.label for examples in splits.values() for e in examples for s in e.spans}
        all_labels = list(labels) + sorted(found - set(labels))
    feats = features(all_labels)
    counts: dict[str, int] = {}
    with atomic_path(Path(path), is_dir=True) as tmp:
        for name, examples in splits.items():
            rows = (to_row(example, tokeniser, on_split) for example in tokeniser.zoned(examples))
            counts[name] = _write_split(rows, tmp / name, feats)
            if counts[name] == 0:
                raise VinerError(
                    f"split {name!r} has no units; datasets cannot load an empty split back, so nothing was written"
                )
        (tmp / datasets_config.DATASETDICT_JSON_FILENAME).write_text(
            json.dumps({"splits": list(splits)}), encoding="utf-8"
        )
    return counts


def _write_split(rows: Iterable[dict], folder: Path, feats, shard_rows: int | None = None) -> int:
    """One split as ``save_to_disk`` lays it out, its rows streamed into Arrow files; returns the row count.

    A new Arrow file is started every ``shard_rows`` rows (default :data:`SHARD_ROWS`); the
    files are named ``data-NNNNN-of-NNNNN.arrow`` once their number is known. ``state.json``
    and ``dataset_info.json`` hold what ``Dataset.from_generator(...).save_to_disk`` wrote
    (split ``train``, a fresh fingerprint), so ``load_from_disk`` gives the same dataset.
    """
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets import config as datasets_config
    from datasets.arrow_writer import ArrowWriter
    from datasets.utils.py_utils import asdict  # the one save_to_disk uses (features as dicts, defaults left out)

    shard_rows = shard_rows or SHARD_ROWS
    folder.mkdir()
    parts: list[Path] = []
    total_rows = total_bytes = 0
    writer = None
    in_part = 0
    try:
        for row in rows:
            if writer is None or in_part >= shard_rows:
                if writer is not None:
                    n, size = writer.finalize()
                    total_rows, total_bytes = total_rows + n, total_bytes + size
                parts.append(folder / f"part-{len(parts):05d}.arrow")
                writer = ArrowWriter(features=feats, path=str(parts[-1]))
                in_part = 0
            writer.write(feats.encode_example(row))
            in_part += 1
        if writer is not None:
            n, size = writer.finalize()
            total_rows, total_bytes = total_rows + n, total_bytes + size
            writer = None
    finally:
        if writer is not None:  # an error while writing: close the file (the folder is discarded)
            writer.close()
    names = [f"data-{i:05d}-of-{len(parts):05d}.arrow" for i in range(len(parts))]
    for part, name in zip(parts, names):
        part.rename(folder / name)
    state: dict[str, object] = {
        "_data_files": [{"filename": name} for name in names],
        "_fingerprint": uuid.uuid4().hex,
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": "train",
    }
    (folder / datasets_config.DATASET_STATE_JSON_FILENAME).write_text(
        json.dumps(state, indent=2, sort_keys=True), encoding="utf-8"
    )
    splits = SplitDict(dataset_name="generator")
    splits.add(SplitInfo(name="train", num_bytes=total_bytes, num_examples=total_rows, dataset_name="generator"))
    info = DatasetInfo(
        features=feats,
        builder_name="generator",
        dataset_name="generator",
        config_name="default",
        version="0.0.0",
        splits=splits,
        download_size=0,
        dataset_size=total_bytes,
        size_in_bytes=total_bytes,
    )
    raw = asdict(info)
    (folder / datasets_config.DATASET_INFO_FILENAME).write_text(
        json.dumps({key: raw[key] for key in sorted(raw)}, indent=2), encoding="utf-8"
    )
    return total_rows


def load(path: Path | str):
    """Load a saved DatasetDict (or a single Dataset, returned as ``{"data": dataset}``)."""
    path = Path(path)
    if not path.exists():
        raise VinerError(f"{path}: no such folder")
    if not path.is_dir():
        raise VinerError(
            f"{path}: not a folder; a Hugging Face dataset is a folder written by `viner export --format hf`"
        )
    from datasets import Dataset, load_from_disk

    try:
        data = load_from_disk(str(path))
    except Exception as err:  # datasets raises FileNotFoundError, ValueError, pyarrow errors...
        raise VinerError(
            f"{path}: not a Hugging Face dataset saved with save_to_disk ({type(err).__name__}: {err})"
        ) from err
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
            raise VinerError(
                f"{where}: missing column(s) {', '.join(sorted(missing))}; only datasets written by `viner export --format hf` can be read back"
            )
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
            problems.append(
                Problem(where, number, "spans", f"must be a list of {{start, end, label}}, got {type(spans).__name__}")
            )
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
