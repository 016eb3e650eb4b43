"""Loading spaCy pipelines and tokenizers with errors a user can act on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import spacy
from spacy.language import Language

from .errors import VinerError

# spaCy's vocabulary keeps every string it has seen, so a long stream of rare tokens (names,
# numbers) grows it without end. Stages that tokenise a whole corpus do the first VOCAB_BLOCK
# units as usual, which puts the common words in the vocabulary and the tokenizer's cache for
# good (inside a memory zone spaCy caches nothing), and every later block in a memory zone,
# whose new strings are freed when the block ends.
VOCAB_BLOCK = 5000


@contextlib.contextmanager
def vocab_zone(nlp: Language, done: int, warm: int = VOCAB_BLOCK) -> Iterator[None]:
    """The one way viner uses spaCy's memory zones: ``nlp.memory_zone()`` once ``done`` units
    have been tokenised, ``warm`` or more (``warm=0``: always); before that, nothing.

    The zone is left as after success whatever ends the block (an error, a generator closed
    early): spaCy's ``memory_zone`` frees its strings only when its block ends normally, so
    an error inside ``with nlp.memory_zone()`` would leave the vocabulary in the zone.
    """
    if done < warm:
        yield
        return
    zone = nlp.memory_zone()
    zone.__enter__()
    try:
        yield
    finally:
        zone.__exit__(None, None, None)


def tokenizer_from_config(config_path: Path | str) -> Language:
    """A blank pipeline with the language and tokenizer that the training config uses.

    Gold docs are tokenised the way the trained pipeline will tokenise, so span
    alignment problems show up at conversion time, not silently during training.
    """
    path = Path(config_path)
    if not path.exists():
        raise VinerError(f"{path}: no such config file (pass --config with your training config)")
    if path.is_dir():
        raise VinerError(
            f"{path}: is a folder, not a config file (pass --config with your training config, e.g. configs/ner.cfg)"
        )
    try:
        config = spacy.util.load_config(path, interpolate=False)
    except Exception as err:  # configparser and thinc raise several types
        raise VinerError(
            f"{path}: not a valid spaCy config ({_one_line(err)}); check it with `python -m spacy debug config {path}`"
        ) from err
    nlp_section = config.get("nlp")
    if not isinstance(nlp_section, dict) or not nlp_section.get("lang"):
        raise VinerError(f"{path}: not a valid spaCy config: no [nlp] section with lang (start from configs/ner.cfg)")
    lang = nlp_section["lang"]
    tokenizer = nlp_section.get("tokenizer")
    overrides = {"nlp": {"tokenizer": tokenizer}} if tokenizer else {}
    try:
        return spacy.blank(lang, config=overrides)
    except Exception as err:
        raise VinerError(f"{path}: cannot build the tokenizer of language {lang!r} ({_one_line(err)})") from err


def _one_line(err: BaseException) -> str:
    """An exception as one line: type and message with whitespace runs collapsed (config errors span many lines)."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def load_pipeline(model: Path | str) -> Language:
    """Load a trained pipeline from a folder (e.g. training/model-best) or an installed package name."""
    path = Path(model)
    if path.is_file():
        raise VinerError(
            f"{path}: is a file, not a spaCy pipeline folder (give the folder that holds config.cfg, e.g. training/model-best)"
        )
    if path.exists() and not (path / "config.cfg").exists():
        hint = " (did you mean its model-best or model-last folder?)" if (path / "model-best").exists() else ""
        raise VinerError(f"{path}: not a spaCy pipeline: no config.cfg in it{hint}")
    if not path.exists() and ("/" in str(model) or str(model).startswith(".")):
        raise VinerError(
            f"{path}: no such model folder (train one with `python -m spacy train configs/ner.cfg --output training/`)"
        )
    try:
        return spacy.load(model)
    except OSError as err:
        raise VinerError(f"{model}: cannot load spaCy pipeline ({' '.join(str(err).split())})") from err
    except Exception as err:
        raise VinerError(f"{model}: cannot load spaCy pipeline ({_one_line(err)})") from err
