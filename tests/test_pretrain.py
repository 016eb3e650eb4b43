"""viner pretrain: spaCy's pretraining of the config's tok2vec on raw text, one resumable epoch at a time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import srsly
from spacy import util
from spacy.util import registry

from conftest import ROOT
from viner.errors import VinerError
from viner.pretrain import RAW_FILE, STATE_FILE, WEIGHTS_FILE, pretrain, pretraining_config

CONFIG = ROOT / "configs" / "ner.cfg"


def small(vectors) -> dict:
    # a small tok2vec keeps the test quick; the weights must still load into the same architecture
    return {"paths.vectors": str(vectors)}


def test_epochs_resume_where_they_stopped(tmp_path, seed_vectors):
    out = tmp_path / "pretrain"
    state = pretrain([ROOT / "corpus" / "raw"], out, CONFIG, 1, overrides=small(seed_vectors), silent=True)
    assert state.epochs_done == 1 and len(state.seconds) == 1
    first = (out / "model0.bin").read_bytes()
    assert (out / WEIGHTS_FILE).read_bytes() == first
    assert state.raw_texts == sum(1 for _ in srsly.read_jsonl(out / RAW_FILE)) > 50

    state = pretrain([ROOT / "corpus" / "raw"], out, CONFIG, 2, overrides=small(seed_vectors), silent=True)
    assert state.epochs_done == 2 and len(state.seconds) == 2
    assert (out / "model0.bin").read_bytes() == first  # the finished epoch is left as it was
    assert (out / WEIGHTS_FILE).read_bytes() == (out / "model1.bin").read_bytes() != first
    assert json.loads((out / STATE_FILE).read_text())["epochs_done"] == 2
    assert [json.loads(line)["epoch"] for line in (out / "log.jsonl").read_text().splitlines()] == [0, 1]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no temporary left behind

    again = pretrain([ROOT / "corpus" / "raw"], out, CONFIG, 2, overrides=small(seed_vectors), silent=True)
    assert again.epochs_done == 2 and len(again.seconds) == 2  # nothing left to do


def test_resuming_on_other_raw_text_is_refused(tmp_path, seed_vectors):
    out = tmp_path / "pretrain"
    pretrain([ROOT / "corpus" / "raw"], out, CONFIG, 1, overrides=small(seed_vectors), silent=True)
    other = tmp_path / "other.txt"
    other.write_text("Hà Nội là thủ đô của Việt Nam.\n", encoding="utf-8")
    with pytest.raises(VinerError, match="1 epoch.*another raw text"):
        pretrain([other], out, CONFIG, 2, overrides=small(seed_vectors), silent=True)
    assert json.loads((out / STATE_FILE).read_text())["epochs_done"] == 1


def test_a_config_without_a_pretraining_block_says_how_to_add_one(tmp_path):
    text = CONFIG.read_text(encoding="utf-8")
    config = tmp_path / "bare.cfg"
    start, end = text.index("\n[pretraining]\n"), text.index("\n[initialize]\n")
    config.write_text(text[:start] + "\n[pretraining]\n" + text[end:], encoding="utf-8")
    with pytest.raises(VinerError, match="no \\[pretraining\\] block.*init fill-config"):
        pretrain([ROOT / "corpus" / "raw"], tmp_path / "out", config, 1)


def test_empty_raw_text_is_an_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(VinerError, match="no text found"):
        pretrain([empty], tmp_path / "out", CONFIG, 1)


@pytest.mark.slow
def test_cli_then_spacy_train_starts_from_the_weights(tmp_path, seed_vectors, seed_corpus):
    out = tmp_path / "pretrain"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "viner",
            "pretrain",
            str(ROOT / "corpus" / "raw"),
            "-o",
            str(out),
            "--epochs",
            "1",
            "--quiet",
            "--paths.vectors",
            str(seed_vectors),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "epoch 1/1 done" in done.stdout and f"--paths.init_tok2vec {out / WEIGHTS_FILE}" in done.stdout
    train = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(CONFIG),
            "--output",
            str(tmp_path / "model"),
            "--paths.train",
            str(seed_corpus / "train.spacy"),
            "--paths.dev",
            str(seed_corpus / "dev.spacy"),
            "--paths.vectors",
            str(seed_vectors),
            "--paths.init_tok2vec",
            str(out / WEIGHTS_FILE),
            "--training.max_steps",
            "2",
            "--training.eval_frequency",
            "1",
            "--verbose",
        ],
        capture_output=True,
        text=True,
    )
    assert train.returncode == 0, train.stderr
    assert f"Loaded pretrained weights from {out / WEIGHTS_FILE}" in train.stdout + train.stderr


def _pretrain_docs(tmp_path, config) -> list:
    raw = tmp_path / "raw.jsonl"
    srsly.write_jsonl(raw, [{"text": "Ông Nguyễn Văn An làm việc tại Hà Nội."}, {"text": "Đội tuyển Việt Nam thắng."}])
    config = pretraining_config(config, raw, {"paths.vectors": None})
    nlp = util.load_model_from_config(config, auto_fill=True)
    reader = registry.resolve({"corpus": config.interpolate()["corpora"]["pretrain"]})["corpus"]
    return [example.reference for example in reader(nlp)]


def test_pretraining_sees_the_word_features_training_sees(tmp_path):
    # spaCy's own JSONL reader would leave TAG empty: ner.cfg's tok2vec embeds the TAG viner_words sets
    docs = _pretrain_docs(tmp_path, CONFIG)
    assert len(docs) == 2
    assert [t.tag_ for t in docs[0]] == ["S-Nc", "S-Np", "B-Np", "E-Np", "B-V", "E-V", "S-E", "B-Np", "E-Np", "S-F"]
    assert all(t.tag_ for t in docs[1])


def test_annotating_with_a_component_not_in_the_pipeline_is_refused(tmp_path):
    config = tmp_path / "other.cfg"
    config.write_text(CONFIG.read_text(encoding="utf-8").replace('annotate = ["viner_words"]', 'annotate = ["tagger"]'))
    with pytest.raises(ValueError, match="annotate names tagger, not in the pipeline"):
        _pretrain_docs(tmp_path, config)
