"""The Ray actor of ``viner predict --ray``: holds one pipeline, annotates batches of rows as ``viner predict`` does.

The pipeline travels as its files (read once by the driver, put in Ray's object store) and each actor writes
them to a temporary folder of its own and loads them with ``spacy.load``: the same loading as ``viner
predict``, and the model needs to exist only where the command runs, not on every node. A pipeline that is an
installed package name is loaded by name (then it must be installed on every node).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import ray

from ..errors import InvalidInput
from ..formats import doccano_jsonl
from ..patterns.ruler import BLANK, pipeline_with_patterns
from ..pipeline import load_pipeline
from ..predict import PredictStats, predict_examples

ModelFiles = dict  # relative path -> bytes


def pack_model(model: str) -> ModelFiles | None:
    """The files of a pipeline folder, to ship to the actors; None for a package name or ``blank:vi``."""
    folder = Path(model)
    if model == BLANK or not folder.is_dir():
        return None
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def unpack_model(files: ModelFiles, folder: Path) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


class Annotator:
    """One per actor: the pipeline loaded once, then ``__call__`` on each batch of rows (Ray Data's numpy format)."""

    def __init__(
        self, model: str, shipped: list[ray.ObjectRef], patterns: list[dict] | None, scores: bool, batch_size: int
    ) -> None:
        files = ray.get(shipped[0])  # the driver's pack_model, fetched once per actor from the object store
        folder = Path(tempfile.mkdtemp(prefix="viner-actor-model-"))
        try:
            name = str(unpack_model(files, folder)) if files is not None else model
            self.nlp = (
                pipeline_with_patterns(name, patterns, load=load_pipeline)
                if patterns or model == BLANK
                else load_pipeline(name)
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # spacy.load has read everything it needs
        self.scores = scores
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        size = len(batch["row"])
        out, words, entities = [""] * size, np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
        todo = [i for i in range(size) if not batch["problem"][i]]
        examples = []
        for i in todo:
            example, problems = doccano_jsonl.parse_row(
                json.loads(batch["row"][i]), (str(batch["file"][i]), int(batch["line"][i])), labels=None
            )
            if example is None:  # read_units checked each row it passes without a problem: not reached
                raise InvalidInput(problems)
            examples.append(example)
        stats, counted = PredictStats(), 0
        for i, predicted in zip(
            todo, predict_examples(self.nlp, examples, batch_size=self.batch_size, scores=self.scores, stats=stats)
        ):
            out[i] = doccano_jsonl.dumps(predicted)
            words[i], entities[i], counted = stats.words - counted, len(predicted.spans), stats.words
        return {"row": np.array(out, dtype=object), "problem": batch["problem"], "words": words, "entities": entities}
