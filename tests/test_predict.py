import spacy

from viner.formats import doccano_jsonl


def test_predict_writes_the_models_entities_and_keeps_meta(tmp_path, tiny_model, root, run_cli):
    units = tmp_path / "docs.jsonl"
    code, _ = run_cli("corpus", "build", root / "corpus" / "raw", "-o", units)
    assert code == 0
    code, out = run_cli("predict", tiny_model, units, "-o", tmp_path / "pred.jsonl", "--batch-size", "8")
    assert code == 0, out
    predicted = list(doccano_jsonl.read(tmp_path / "pred.jsonl", labels=None))
    originals = list(doccano_jsonl.read(units))
    assert [(e.id, e.text, e.meta) for e in predicted] == [(e.id, e.text, e.meta) for e in originals]
    nlp = spacy.load(tiny_model)
    for example in predicted[:10]:
        doc = nlp(example.text)
        assert [(s.start, s.end, s.label) for s in example.spans] == [
            (e.start_char, e.end_char, e.label_) for e in doc.ents
        ]
    assert "units" in out and "words/s" in out


def test_predict_with_two_processes_gives_the_same_output(tmp_path, tiny_model, root, run_cli):
    units = root / "annotations" / "gold"
    run_cli("predict", tiny_model, units, "-o", tmp_path / "one.jsonl")
    code, out = run_cli("predict", tiny_model, units, "-o", tmp_path / "two.jsonl", "-n", "2")
    assert code == 0, out
    assert (tmp_path / "one.jsonl").read_text("utf-8") == (tmp_path / "two.jsonl").read_text("utf-8")


def test_predict_rejects_a_folder_that_is_not_a_pipeline(tmp_path, run_cli, root):
    code, out = run_cli("predict", tmp_path, root / "annotations" / "gold", "-o", tmp_path / "x.jsonl")
    assert code == 1 and "not a spaCy pipeline" in out and not (tmp_path / "x.jsonl").exists()


def test_predict_scores_adds_uncertainty_and_confidence_to_meta(tmp_path, tiny_model, root, run_cli):
    units = root / "annotations" / "gold"
    run_cli("predict", tiny_model, units, "-o", tmp_path / "plain.jsonl")
    code, out = run_cli("predict", tiny_model, units, "-o", tmp_path / "scored.jsonl", "--scores")
    assert code == 0, out
    plain = list(doccano_jsonl.read(tmp_path / "plain.jsonl", labels=None))
    scored = list(doccano_jsonl.read(tmp_path / "scored.jsonl", labels=None))
    assert [(e.id, e.spans) for e in plain] == [
        (e.id, e.spans) for e in scored
    ]  # the same entities as without --scores
    for example in scored:
        assert 0.0 <= example.meta["uncertainty"] <= 1.0
        assert [c[:3] for c in example.meta["confidence"]] == [[s.start, s.end, s.label] for s in example.spans]
        assert all(0.0 <= c[3] <= 1.0 for c in example.meta["confidence"])
    assert len({e.meta["uncertainty"] for e in scored}) > 1
    code, out = run_cli("predict", tiny_model, units, "-o", tmp_path / "x.jsonl", "--scores", "-n", "2")
    assert code == 1 and "--n-process 1" in out
