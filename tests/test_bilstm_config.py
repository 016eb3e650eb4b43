"""experiments/configs/ner-bilstm.cfg: configs/ner.cfg with a BiLSTM encoder in the tok2vec (the lab's variant)."""

import pytest
import spacy

from test_char_config import ROOT, differs_only_in
from test_configs import HAS_TORCH

BILSTM = ROOT / "experiments" / "configs" / "ner-bilstm.cfg"


def test_the_bilstm_config_is_ner_cfg_but_for_the_encoder():
    encode, base_encode = differs_only_in(BILSTM, "encode")
    assert encode == {
        "@architectures": "spacy.TorchBiLSTMEncoder.v1",
        "width": base_encode["width"],
        "depth": 2,
        "dropout": 0.0,
    }


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not a viner dependency (bilstm-env)")
def test_the_bilstm_tok2vec_keeps_ner_cfgs_width():
    config = spacy.util.load_config(
        BILSTM, overrides={"paths.vectors": None, "components.tok2vec.model.embed.include_static_vectors": False}
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.initialize()
    vectors = nlp.get_pipe("tok2vec").predict([nlp.make_doc("Ông Nguyễn Văn An đến Hà Nội .")])
    assert vectors[0].shape == (8, 96)
