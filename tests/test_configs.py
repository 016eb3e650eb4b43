"""Every config viner ships (configs/) and every variant the lab measured (experiments/) is a valid Vietnamese NER
config: the files pass `spacy debug config`, and every `spacy train` command of experiments/project.yml, its config
plus its overrides, builds a pipeline spaCy can train."""

import importlib.util
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.cli._util import parse_config_overrides
from spacy.schemas import ConfigSchemaTraining
from spacy.util import registry
from weasel.util import load_project_config

from viner.pipeline import tokenizer_from_config

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"

SHIPPED = sorted((ROOT / "configs").glob("*.cfg"))
CONFIGS = SHIPPED + sorted((EXPERIMENTS / "configs").glob("*.cfg"))


def train_commands() -> dict[str, tuple[Path, dict]]:
    """``{command name: (config, overrides)}`` of every `spacy train` in experiments/project.yml, whichever Python
    runs it (`env OMP_NUM_THREADS=1 assets/venv-torch/bin/python -m spacy train ...` counts)."""
    found = {}
    for command in load_project_config(EXPERIMENTS)["commands"]:
        for line in command["script"]:
            words = shlex.split(line)
            while words and (words[0] == "env" or "=" in words[0]):  # `env VAR=value ... python`
                words = words[1:]
            if words and Path(words[0]).name == "python" and words[1:4] == ["-m", "spacy", "train"]:
                config, args = words[4], words[5:]
                assert args[:1] == ["--output"], line
                found[command["name"]] = (EXPERIMENTS / config, parse_config_overrides(args[2:]))
    return found


TRAIN = train_commands()
NEW_OPTIONS = {"nlp.tokenizer.use_pyvi"}  # options of a function an override puts in place of ner.cfg's
HAS_TORCH = importlib.util.find_spec("torch") is not None


def skip_without_torch(config: Path) -> None:
    """A PyTorch layer (the BiLSTM variant) builds only where PyTorch is installed: the lab's bilstm-env, not viner's
    environment (tests/test_bilstm_config.py checks that config's text without it)."""
    if '@architectures = "spacy.Torch' in config.read_text(encoding="utf8") and not HAS_TORCH:
        pytest.skip(f"{config.name} needs PyTorch (experiments: weasel run bilstm-env)")


def test_configs_ships_ner_cfg_and_the_lab_keeps_only_what_overrides_cannot_say():
    assert [p.name for p in SHIPPED] == ["ner.cfg"]
    assert not (ROOT / "configs" / "variants").exists() and not (ROOT / "configs" / "tools").exists()
    assert len(TRAIN) >= 20  # every measured variant has its command
    used = {config.resolve() for config, _ in TRAIN.values()}
    untrained = {p.name for p in CONFIGS if p.resolve() not in used}
    assert not untrained, f"give each config a train-* command in experiments/project.yml: {untrained}"


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_config_passes_spacy_debug_config(config):
    skip_without_torch(config)
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Config is valid" in result.stdout


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_config_is_vietnamese_ner_reading_the_corpus_folder(config):
    cfg = spacy.util.load_config(config, interpolate=False)
    assert cfg["nlp"]["lang"] == "vi"
    pipeline = cfg["nlp"]["pipeline"]
    assert pipeline[-2:] == ["tok2vec", "ner"]
    # components before the tok2vec (viner_words) give it features: they must annotate the docs it trains on
    assert set(pipeline[:-2]) <= set(cfg["training"]["annotating_components"])
    assert cfg["paths"]["train"] == "corpus/train.spacy" and cfg["paths"]["dev"] == "corpus/dev.spacy"
    nlp = tokenizer_from_config(config)
    assert nlp.make_doc("Tổng thống Nga Vladimir Putin.").text == "Tổng thống Nga Vladimir Putin."


@pytest.mark.parametrize("name", sorted(TRAIN))
def test_every_experiment_variant_resolves_with_its_overrides(name):
    config_path, overrides = TRAIN[name]
    assert config_path.exists(), config_path
    base = spacy.util.load_config(config_path, interpolate=False)
    for key in overrides:  # an override names an option the config has (a typo would add a new one silently)
        if key in NEW_OPTIONS:
            continue
        section, _, option = key.rpartition(".")
        node = base
        for part in section.split("."):
            node = node[part]
        assert option in node, f"{name}: --{key} is not in {config_path.name}"
    skip_without_torch(config_path)
    config = spacy.util.load_config(config_path, overrides=overrides, interpolate=False)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.lang == "vi" and nlp.pipe_names[-2:] == ["tok2vec", "ner"]
    assert set(nlp.pipe_names[:-2]) <= set(config["training"]["annotating_components"])
    training = registry.resolve(nlp.config.interpolate()["training"], schema=ConfigSchemaTraining)
    assert training["max_steps"] > 0


def test_the_variants_are_what_was_measured():
    """The overrides say what the rounds' pages say each variant changes (a spot check of each kind of change)."""
    ner = spacy.util.load_config(ROOT / "configs" / "ner.cfg", interpolate=False)
    beam_config, beam = TRAIN["train-ner"]
    assert beam_config.resolve() == (ROOT / "configs" / "ner.cfg").resolve()
    assert not {k for k in beam if not k.startswith(("paths.", "training.", "system."))}  # ner.cfg as shipped
    assert ner["components"]["ner"]["factory"] == "beam_ner"
    greedy = spacy.util.load_config(TRAIN["train-syllable-words"][0], interpolate=False)
    assert greedy["components"]["ner"]["factory"] == "ner"
    vectors_config, vectors = TRAIN["train-syllable-vectors"]
    assert (
        vectors["nlp.pipeline"] == ["tok2vec", "ner"] and "TAG" not in vectors["components.tok2vec.model.embed.attrs"]
    )
    assert TRAIN["train-syllable-words-window2"][1]["components.tok2vec.model.encode.window_size"] == 2
    assert TRAIN["train-syllable-wide"][1]["components.tok2vec.model.encode.depth"] == 6
    for name, (_, overrides) in TRAIN.items():
        if name not in ("train-pyvi-efficiency", "train-likeforlike"):
            assert overrides["paths.dev"] == "corpus/vlsp-syllable/dev.spacy", name
            assert overrides["training.max_steps"] >= 6000, name


def test_likeforlike_is_ner_cfg_on_gold_words_tokenised_as_vlsp_words_writes_them():
    """train-likeforlike: ner.cfg as shipped but for the tokens (one per word, as tools/vlsp_words.py converts them)
    and viner_words' word tags; its dev is the word-token dev."""
    config_path, overrides = TRAIN["train-likeforlike"]
    assert config_path.resolve() == (ROOT / "configs" / "ner.cfg").resolve()
    tool = runpy.run_path(str(EXPERIMENTS / "tools" / "vlsp_words.py"))
    assert {k.removeprefix("nlp.tokenizer."): v for k, v in overrides.items() if "tokenizer" in k} == tool["TOKENIZER"]
    assert overrides["components.viner_words.factory"] == "viner_given_words"
    assert overrides["paths.dev"] == "corpus/vlsp-words/dev.spacy" and overrides["training.max_steps"] == 6000
    changed = {k for k in overrides if not k.startswith(("paths.", "training.", "system."))}
    assert changed == {"nlp.tokenizer.@tokenizers", "nlp.tokenizer.use_pyvi", "components.viner_words.factory"}
