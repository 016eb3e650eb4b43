"""Every config in configs/ is valid (`spacy debug config`) and trains Vietnamese NER from corpus/."""

import subprocess
import sys

import pytest
import spacy

from viner.pipeline import tokenizer_from_config

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]

CONFIGS = sorted((ROOT / "configs").rglob("*.cfg"))


def test_there_are_variants():
    names = {p.stem for p in CONFIGS}
    assert "ner" in names and len(names) >= 5


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_config_passes_spacy_debug_config(config):
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "config", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Config is valid" in result.stdout


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
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
