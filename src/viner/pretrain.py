"""Pretraining the tok2vec on the team's own raw text (spaCy's ``spacy pretrain``), resumable by epoch.

spaCy's pretraining teaches the config's ``tok2vec`` to predict each token's first and last characters
from its context (the ``[pretraining]`` block of ``configs/ner.cfg``) over raw text, which costs no
annotation; ``spacy train`` then starts from those weights (``paths.init_tok2vec``) instead of random
ones. This module adds what a long run on a small machine needs around spaCy's own loop:

- the raw text is read as `viner vectors` reads it (``.txt`` articles, ``.jsonl`` with ``text``, DocBins)
  and written once to ``OUTPUT/raw.jsonl``, the JSONL spaCy's pretraining reader wants;
- the run goes one epoch at a time; after each, ``OUTPUT/model{N}.bin`` (spaCy's name) and
  ``OUTPUT/tok2vec.bin`` (the newest complete epoch, the file a config points at) are written atomically
  and ``OUTPUT/pretrain.json`` records the epochs done, so a run that was stopped, killed or split into
  steps (``--epochs 1``, then ``--epochs 2``, ...) resumes at the next epoch. Like ``spacy pretrain
  --resume-path``, a resumed epoch starts the optimizer's moments afresh;
- a resumed run refuses raw text or a config other than the one its epochs were trained on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import srsly
from spacy import util
from spacy.training.pretrain import pretrain as spacy_pretrain

from .corpus import CorpusStats
from .errors import VinerError
from .io import atomic_path
from .vectors import iter_texts

RAW_FILE = "raw.jsonl"
STATE_FILE = "pretrain.json"
WEIGHTS_FILE = "tok2vec.bin"


@dataclass
class PretrainState:
    """What ``OUTPUT/pretrain.json`` records: the epochs done and what they were trained on."""

    epochs_done: int = 0
    raw_sha256: str = ""
    config_sha256: str = ""
    raw_texts: int = 0
    raw_duplicates: int = 0  # paragraphs left out of raw.jsonl because an earlier one has the same text
    seconds: list[float] = field(default_factory=list)


def write_raw_text(inputs: Sequence[Path | str], path: Path, stats: CorpusStats) -> tuple[int, str]:
    """Raw text as spaCy's JSONL (``{"text": ...}`` per line), atomically; ``(texts, sha256)``."""
    digest = hashlib.sha256()
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as out:
        for text in iter_texts(inputs, stats):
            line = json.dumps({"text": text}, ensure_ascii=False) + "\n"
            out.write(line)
            digest.update(line.encode("utf-8"))
            count += 1
    if not count:
        raise VinerError(
            f"no text found in {', '.join(map(str, inputs))} (give .txt articles, .jsonl with a text field, or .spacy files)"
        )
    return count, digest.hexdigest()


def pretraining_config(config_path: Path | str, raw_text: Path, overrides: dict | None = None):
    """The training config with ``paths.raw_text`` set, checked to have a ``[pretraining]`` block."""
    path = Path(config_path)
    if not path.is_file():
        raise VinerError(f"{path}: no such config file (pass --config with your training config)")
    config = util.load_config(path, overrides={"paths.raw_text": str(raw_text), **(overrides or {})}, interpolate=False)
    if not config.get("pretraining"):
        raise VinerError(
            f"{path}: no [pretraining] block; add one with `python -m spacy init fill-config {path} {path} --pretraining` "
            "(configs/ner.cfg has one)"
        )
    return config


def read_state(output: Path) -> PretrainState:
    path = output / STATE_FILE
    if not path.exists():
        return PretrainState()
    try:
        return PretrainState(**srsly.read_json(path))
    except (ValueError, TypeError) as err:
        raise VinerError(f"{path}: not a viner pretraining state ({err}); remove the folder to start afresh") from err


def pretrain(
    inputs: Sequence[Path | str],
    output: Path,
    config_path: Path | str,
    epochs: int,
    overrides: dict | None = None,
    on_epoch: Callable[[int, float], None] = lambda epoch, seconds: None,
    silent: bool = False,
) -> PretrainState:
    """Pretrain the config's tok2vec on ``inputs`` until ``epochs`` epochs are done in ``output``."""
    if epochs < 1:
        raise VinerError(f"--epochs must be at least 1, not {epochs}")
    output.mkdir(parents=True, exist_ok=True)
    state = read_state(output)
    raw = output / RAW_FILE
    fresh = output / f".{RAW_FILE}.new"
    stats = CorpusStats()
    texts, raw_sha = write_raw_text(inputs, fresh, stats)
    config = pretraining_config(config_path, raw, overrides)
    config_sha = hashlib.sha256(config.to_str().replace(str(raw), RAW_FILE).encode("utf-8")).hexdigest()
    if state.epochs_done:
        changed = [
            what
            for what, old, new in (("raw text", state.raw_sha256, raw_sha), ("config", state.config_sha256, config_sha))
            if old != new
        ]
        if changed:
            fresh.unlink()
            raise VinerError(
                f"{output}: {state.epochs_done} epoch(s) were pretrained on another {' and '.join(changed)}; "
                "use a new --output folder, or remove this one to start afresh"
            )
    fresh.replace(raw)
    state.raw_sha256, state.config_sha256, state.raw_texts, state.raw_duplicates = (
        raw_sha,
        config_sha,
        texts,
        stats.duplicates,
    )
    seed = config["training"]["seed"] if isinstance(config["training"]["seed"], int) else 0
    for epoch in range(state.epochs_done, epochs):
        start = time.perf_counter()
        config["pretraining"]["max_epochs"] = epoch + 1
        config["training"]["seed"] = seed + epoch  # another dropout and order of batches each epoch
        resume = output / f"model{epoch - 1}.bin" if epoch else None
        with tempfile.TemporaryDirectory(prefix=f".epoch{epoch}.", dir=output) as name:
            work = Path(name)
            spacy_pretrain(config.copy(), work, resume_path=resume, epoch_resume=epoch, silent=silent, skip_last=True)
            weights = work / f"model{epoch}.bin"
            with atomic_path(output / f"model{epoch}.bin") as tmp:
                shutil.copyfile(weights, tmp)
            with atomic_path(output / WEIGHTS_FILE) as tmp:
                shutil.copyfile(weights, tmp)
            with (
                (work / "log.jsonl").open(encoding="utf-8") as log,
                (output / "log.jsonl").open("a", encoding="utf-8") as out,
            ):
                out.write(log.read())
        state.epochs_done = epoch + 1
        state.seconds.append(round(time.perf_counter() - start, 1))
        with atomic_path(output / STATE_FILE) as tmp:
            srsly.write_json(tmp, asdict(state))
        on_epoch(epoch, state.seconds[-1])
    return state
