import subprocess
import sys

import pytest
import spacy


def test_vectors_from_raw_text_load_in_spacy_and_cover_unseen_words(tmp_path, root, run_cli):
    code, out = run_cli(
        "vectors", root / "corpus" / "raw", "-o", tmp_path / "vectors", "--dim", "32", "--epochs", "2", "--threads", "1"
    )
    assert code == 0, out
    nlp = spacy.load(tmp_path / "vectors")
    assert nlp.vocab.vectors.mode == "floret" and nlp.vocab.vectors.shape[1] == 32
    doc = nlp.make_doc("Putin gặp Tập Cận Bình ở Ulaanbaatar")
    assert all(token.has_vector for token in doc)  # floret: unseen words get vectors too
    assert "vectors x 32" in out


def test_vectors_say_how_many_repeated_paragraphs_they_left_out(tmp_path, run_cli):
    text = "Hà Nội là thủ đô của Việt Nam.\nĐà Nẵng ở miền Trung.\nHà Nội là thủ đô của Việt Nam.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Đà Nẵng ở miền Trung.\n", encoding="utf-8")
    code, out = run_cli(
        "vectors",
        tmp_path / "a.txt",
        tmp_path / "b.txt",
        "-o",
        tmp_path / "v",
        "--dim",
        "8",
        "--epochs",
        "1",
        "--threads",
        "1",
        "--min-count",
        "1",
    )
    assert code == 0, out
    assert "2 paragraph(s) left out: the same text came earlier" in out
    assert "(2 lines)" in out


def test_vectors_rejects_input_without_text(tmp_path, run_cli):
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    code, out = run_cli("vectors", tmp_path / "empty.txt", "-o", tmp_path / "v")
    assert code == 1 and "no" in out and not (tmp_path / "v").exists()


@pytest.mark.slow
def test_ner_cfg_trains_with_the_vectors_viner_makes(tmp_path, root, seed_corpus, run_cli):
    """configs/ner.cfg uses static vectors (include_static_vectors = true, paths.vectors = corpus/vectors)."""
    cfg = spacy.util.load_config(root / "configs" / "ner.cfg", interpolate=False)
    assert cfg["components"]["tok2vec"]["model"]["embed"]["include_static_vectors"] is True
    assert cfg["paths"]["vectors"] == "corpus/vectors"
    code, out = run_cli("vectors", root / "corpus" / "raw", "-o", tmp_path / "vectors", "--dim", "32", "--epochs", "2")
    assert code == 0, out
    train = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(root / "configs" / "ner.cfg"),
            "--output",
            str(tmp_path / "model"),
            "--paths.train",
            str(seed_corpus / "train.spacy"),
            "--paths.dev",
            str(seed_corpus / "dev.spacy"),
            "--paths.vectors",
            str(tmp_path / "vectors"),
            "--training.max_steps",
            "10",
            "--training.eval_frequency",
            "5",
        ],
        capture_output=True,
        text=True,
    )
    assert train.returncode == 0, train.stderr[-2000:]
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert nlp.vocab.vectors.shape[1] == 32


def test_tokenised_lines_are_the_same_in_memory_zones_and_the_vocabulary_stays_bounded(monkeypatch, root):
    from viner import vectors as vectors_module

    made = []
    original = vectors_module.tokenizer_from_config

    def keep(config):
        made.append(original(config))
        return made[-1]

    monkeypatch.setattr(vectors_module, "tokenizer_from_config", keep)
    texts = [f"Ông An số {i:07d} ở Hà Nội, ngày {i % 28 + 1}/7." for i in range(60)] + ["", "  "]
    config = root / "configs" / "ner.cfg"
    plain = list(vectors_module.tokenised_lines(texts, config, vectors_module.VectorsReport(), block=10**6))
    zoned_report = vectors_module.VectorsReport()
    zoned = list(vectors_module.tokenised_lines(texts, config, zoned_report, block=5))
    assert zoned == plain and len(zoned) == 60 and zoned_report.lines == 60
    grown = [len(nlp.vocab.strings) for nlp in made]
    assert grown[1] < grown[0] - 40  # the numbers after the first 5 lines were freed with their zones
