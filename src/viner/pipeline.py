"""Loading spaCy pipelines and tokenizers with errors a user can act on."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

from .errors import VinerError


def tokenizer_from_config(config_path: Path | str) -> Language:
    """A blank pipeline with the language and tokenizer that the training config uses.

    Gold docs are tokenised the way the trained pipeline will tokenise, so span
    alignment problems show up at conversion time, not silently during training.
    """
    path = Path(config_path)
    if not path.exists():
        raise VinerError(f"{path}: no such config file (pass --config with your training config)")
    try:
        config = spacy.util.load_config(path, interpolate=False)
        lang = config["nlp"]["lang"]
        tokenizer = config["nlp"].get("tokenizer")
    except Exception as err:  # configparser and thinc raise several types
        raise VinerError(f"{path}: not a valid spaCy config ({type(err).__name__}: {err}); check it with `python -m spacy debug config {path}`") from err
    overrides = {"nlp": {"tokenizer": tokenizer}} if tokenizer else {}
    try:
        return spacy.blank(lang, config=overrides)
    except Exception as err:
        raise VinerError(f"{path}: cannot build the tokenizer of language {lang!r} ({err})") from err


def load_pipeline(model: Path | str) -> Language:
    """Load a trained pipeline from a folder (e.g. training/model-best) or an installed package name."""
    path = Path(model)
    if path.exists() and not (path / "config.cfg").exists():
        hint = " (did you mean its model-best or model-last folder?)" if (path / "model-best").exists() else ""
        raise VinerError(f"{path}: not a spaCy pipeline: no config.cfg in it{hint}")
    if not path.exists() and ("/" in str(model) or str(model).startswith(".")):
        raise VinerError(f"{path}: no such model folder (train one with `python -m spacy train configs/ner.cfg --output training/`)")
    try:
        return spacy.load(model)
    except OSError as err:
        raise VinerError(f"{model}: cannot load spaCy pipeline ({err})") from err
    except Exception as err:
        raise VinerError(f"{model}: cannot load spaCy pipeline ({type(err).__name__}: {err})") from err
