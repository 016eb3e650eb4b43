"""experiments/configs/ner-bilstm.cfg: configs/ner.cfg with a BiLSTM encoder in the tok2vec (the lab's variant)."""

import importlib.util

import pytest
import spacy

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
BILSTM = ROOT / "experiments" / "configs" / "ner-bilstm.cfg"
BASE = ROOT / "configs" / "ner.cfg"


def without_encoder(path):
    config = spacy.util.load_config(path, interpolate=False)
    encode = config["components"]["tok2vec"]["model"].pop("encode")
    return config, encode


def test_the_bilstm_config_is_ner_cfg_but_for_the_encoder():
    bilstm, encode = without_encoder(BILSTM)
    base, base_encode = without_encoder(BASE)
    for section in sorted(set(bilstm) | set(base)):
        assert bilstm.get(section) == base.get(section), f"[{section}] differs from configs/ner.cfg"
    assert encode == {
        "@architectures": "spacy.TorchBiLSTMEncoder.v1",
        "width": base_encode["width"],
        "depth": 2,
        "dropout": 0.0,
    }


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not a viner dependency (bilstm-env)")
def test_the_bilstm_tok2vec_keeps_ner_cfgs_width():
    config = spacy.util.load_config(
        BILSTM, overrides={"paths.vectors": None, "components.tok2vec.model.embed.include_static_vectors": False}
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.initialize()
    vectors = nlp.get_pipe("tok2vec").predict([nlp.make_doc("Ông Nguyễn Văn An đến Hà Nội .")])
    assert vectors[0].shape == (8, 96)
