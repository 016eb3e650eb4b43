"""experiments/configs/ner-chars.cfg: configs/ner.cfg with character features in the tok2vec's embedding."""

import subprocess
import sys

import pytest
import spacy

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
CHARS = ROOT / "experiments" / "configs" / "ner-chars.cfg"
BASE = ROOT / "configs" / "ner.cfg"
EMBED = ("components", "tok2vec", "model", "embed")


def differs_only_in(variant, layer: str):
    """The variant's and ner.cfg's tok2vec ``layer`` ("embed", "encode"), after checking all else is the same."""
    configs = [spacy.util.load_config(path, interpolate=False) for path in (variant, BASE)]
    parts = [config["components"]["tok2vec"]["model"].pop(layer) for config in configs]
    for section in sorted(set(configs[0]) | set(configs[1])):
        assert configs[0].get(section) == configs[1].get(section), f"[{section}] differs from configs/ner.cfg"
    return parts


def test_the_chars_config_is_ner_cfg_but_for_the_embedding():
    chars_embed, base_embed = differs_only_in(CHARS, "embed")
    words = chars_embed["*"]["concat"]["*"]["words"]
    assert words == base_embed  # the same word features and static vectors as ner.cfg
    assert chars_embed["*"]["concat"]["*"]["chars"]["@architectures"] == "spacy.CharacterEmbed.v2"
    assert chars_embed["*"]["reduce"]["layer"]["nO"] == "${components.tok2vec.model.encode.width}"


def test_the_chars_config_passes_spacy_debug_config():
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "config", str(CHARS)], capture_output=True, text=True
    )
    assert result.returncode == 0 and "Config is valid" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_the_chars_config_trains_as_typed_and_predicts(seed_corpus, seed_vectors, tmp_path):
    out = tmp_path / "chars"
    done = subprocess.run(
        [
            sys.executable, "-m", "spacy", "train", str(CHARS), "--output", str(out),
            "--paths.train", str(seed_corpus / "train.spacy"), "--paths.dev", str(seed_corpus / "dev.spacy"),
            "--paths.vectors", str(seed_vectors), "--training.max_steps", "30", "--training.eval_frequency", "10",
        ],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    nlp = spacy.load(out / "model-last")
    names = {node.name for node in nlp.get_pipe("tok2vec").model.walk()}
    assert "charembed" in names and any(name.startswith("hashembed") for name in names)
    doc = nlp("Ông Nguyễn Văn An đã đến Hà Nội hôm qua .")
    assert len(doc) == 11 and doc.has_annotation("ENT_IOB")
    tok2vec = nlp.get_pipe("tok2vec")
    vectors = tok2vec.predict([nlp.make_doc("Yamamoto Kenji"), nlp.make_doc("Yamamoto Kenjiro")])
    assert vectors[0].shape == (2, 96) and not (vectors[0][1] == vectors[1][1]).all()  # spelling changes the vector
