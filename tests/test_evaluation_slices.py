"""The seen/unseen slice: entities the model has or has not seen in its training data.

A hand-made case whose seen and unseen counts are known, the training data read from a
DocBin (file and folder of shards) and from Doccano JSONL, found from the model's config,
and `viner evaluate` / `viner compare` on the command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from oracles_evaluation import build_report
from test_evaluation_report import LABELS, SENTENCES, gold_examples
from viner.errors import VinerError
from viner.evaluation.compare import compare
from viner.evaluation.markdown import comparison_markdown, report_markdown
from viner.evaluation.pages import comparison_html, report_html
from viner.evaluation.report import Report
from viner.evaluation.seen import Lexicon, entity_key, find_training_data, load_lexicon
from viner.formats.docbin import read_docs
from viner.identity import data_sha256
from viner.record import Span

# the training data's entities: a name in another case, one with two spaces, one under another label
TRAIN = [
    ("Sữa VINAMILK đạt doanh thu cao.", [("VINAMILK", "ORG")]),
    ("Ông Donald  Trump phát biểu.", [("Donald  Trump", "PERSON")]),
    ("Hà Nội mưa to, Việt Nam chuẩn bị.", [("Hà Nội", "GPE"), ("Việt Nam", "ORG")]),
]


def spans_of(text: str, entities) -> list[list]:
    out = []
    for surface, label in entities:
        start = text.index(surface)
        out.append([start, start + len(surface), label])
    return out


def write_train_jsonl(path: Path) -> Path:
    rows = [json.dumps({"text": t, "label": spans_of(t, e)}, ensure_ascii=False) for t, e in TRAIN]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


def train_docbin(path: Path, sentences=TRAIN) -> Path:
    nlp = spacy.blank("xx")
    docbin = DocBin()
    for text, entities in sentences:
        doc = nlp(text)
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in spans_of(text, entities)]
        docbin.add(doc)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return path


def lexicon_of(tmp_path: Path) -> Lexicon:
    return load_lexicon(write_train_jsonl(tmp_path / "train.jsonl"))


def predictions() -> list[list[Span]]:
    """Documents 0-2 of SENTENCES, predicted with known errors in each slice."""
    gold = gold_examples(3)

    def at(d: int, surface: str, label: str) -> Span:
        start = gold[d].text.index(surface)
        return Span(start, start + len(surface), label)

    return [
        [at(0, "Nguyễn Văn An", "PERSON"), at(0, "Vinamilk", "GPE"), at(0, "Hà Nội", "GPE")],
        [at(1, "Hội nghị", "ORG"), at(1, "Đà Nẵng", "GPE")],  # APEC 2017 missed, Hội nghị spurious
        [
            at(2, "Bộ Y tế", "ORG"),
            at(2, "Tổng thống", "PERSON"),
            at(2, "Donald Trump", "PERSON"),
            at(2, "Việt Nam", "GPE"),
        ],
    ]


def sliced_report(tmp_path: Path, name: str = "m", preds=None) -> Report:
    return build_report(
        gold_examples(3),
        predictions() if preds is None else preds,
        labels=LABELS,
        model={"path": f"training/{name}", "name": name},
        data={"path": "corpus/test.spacy", "sha256": "a" * 64},
        name=name,
        resamples=500,
        lexicon=lexicon_of(tmp_path),
    )


def test_entity_texts_compare_nfc_case_folded_and_whitespace_collapsed():
    decomposed = "Ha\u0300 Nô\u0323i"  # "Hà Nội" with combining marks
    assert entity_key(decomposed) == entity_key("HÀ  NỘI") == entity_key("hà nội")
    assert entity_key("Hà Nội") != entity_key("Hà Nam")


def test_hand_made_case_counts_seen_and_unseen_entities(tmp_path):
    """Seen gold: Vinamilk (case), Hà Nội, Donald Trump (spaces), Việt Nam (ORG in training, GPE here).
    Unseen gold: Nguyễn Văn An, APEC 2017, Đà Nẵng, Bộ Y tế, Mỹ."""
    report = sliced_report(tmp_path)
    s = report.slices
    assert s is not None and s.reason is None and s.train_entities == 4 and s.train_texts == 4
    seen, unseen = s.seen.overall, s.unseen.overall
    assert (seen.tp, seen.fp, seen.fn, seen.support) == (3, 1, 1, 4)  # Vinamilk called GPE: one fn, one fp
    assert (unseen.tp, unseen.fp, unseen.fn, unseen.support) == (3, 2, 2, 5)
    assert seen.f1 == pytest.approx(0.75) and unseen.precision == pytest.approx(0.6)
    assert unseen.recall == pytest.approx(0.6)
    per = {label: (v.tp, v.fp, v.fn) for label, v in s.unseen.per_label.items()}
    assert per == {"PERSON": (1, 1, 0), "ORG": (1, 1, 0), "GPE": (1, 0, 1), "EVENT": (0, 0, 1)}
    per = {label: (v.tp, v.fp, v.fn) for label, v in s.seen.per_label.items()}
    assert per == {"PERSON": (1, 0, 0), "ORG": (0, 0, 1), "GPE": (2, 1, 0), "EVENT": (0, 0, 0)}
    o = report.overall  # the two slices add up to the report
    assert (o.tp, o.fp, o.fn) == (seen.tp + unseen.tp, seen.fp + unseen.fp, seen.fn + unseen.fn)
    low, high = s.unseen.ci()
    assert low <= unseen.f1 <= high
    first = report.documents[0]
    assert first["gold_seen"] == [False, True, True] and first["pred_seen"] == [False, True, True]
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.slices == s


def test_docbin_entity_texts_as_spacy_reads_them(tmp_path):
    sentences = [
        *TRAIN,
        ("Nga Mỹ Trung Quốc", [("Nga", "GPE"), ("Mỹ", "GPE"), ("Trung Quốc", "GPE")]),  # adjacent, last at the end
        ("không có tên nào", []),
    ]
    file = train_docbin(tmp_path / "train.spacy", sentences)
    expected = {entity_key(s) for _, e in sentences for s, _ in e}
    lexicon = load_lexicon(file)
    assert lexicon.keys == expected and lexicon.entities == 7 and lexicon.sha256 == data_sha256(file)
    shards = tmp_path / "shards.spacy"
    train_docbin(shards / "00000.spacy", sentences[:2])
    train_docbin(shards / "00001.spacy", sentences[2:])
    assert load_lexicon(shards).keys == expected
    # gold + silver as spaCy trains on it: a folder holding the gold's folder of shards and the silver's shards
    both = tmp_path / "gold-silver"
    train_docbin(both / "gold.spacy" / "00000.spacy", sentences[:2])
    train_docbin(both / "silver" / "shard-00000.spacy", sentences[2:])
    assert load_lexicon(both).keys == expected and load_lexicon(both).sha256 == data_sha256(both)
    assert data_sha256(both) != data_sha256(shards) and len(list(read_docs(both, spacy.blank("vi")))) == len(sentences)
    assert load_lexicon(write_train_jsonl(tmp_path / "train.jsonl")).keys == {
        entity_key(s) for _, e in TRAIN for s, _ in e
    }
    with pytest.raises(VinerError, match="no such training data"):
        load_lexicon(tmp_path / "gone.spacy")
    (tmp_path / "bad.spacy").write_bytes(b"not a DocBin")
    with pytest.raises(VinerError, match="bad.spacy: not a spaCy DocBin"):
        load_lexicon(tmp_path / "bad.spacy")


def test_training_data_found_from_the_folders_above_the_model(tmp_path, monkeypatch):
    project = tmp_path / "project"
    train = train_docbin(project / "corpus" / "train.spacy")
    model = project / "training" / "v1" / "model-best"
    model.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # not where `spacy train` ran
    found, reason = find_training_data("corpus/train.spacy", model)
    assert found == train.resolve() and reason is None
    found, reason = find_training_data("corpus/other.spacy", model)
    assert found is None and "not found" in reason and "--train" in reason
    assert find_training_data(None, model) == (None, "the model's config has no paths.train")


def ruler_model(folder: Path, train: str | None) -> Path:
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    patterns = [("Nguyễn Văn An", "PERSON"), ("Vinamilk", "GPE"), ("Hà Nội", "GPE"), ("Đà Nẵng", "GPE")]
    ruler.add_patterns([{"label": label, "pattern": text} for text, label in patterns])
    nlp.meta["name"] = "ruler"
    if train:
        nlp.config["paths"]["train"] = train
    folder.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(folder)
    return folder


def gold_jsonl(path: Path) -> Path:
    rows = [json.dumps({"text": t, "label": spans_of(t, e)}, ensure_ascii=False) for t, e in SENTENCES[:3]]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path


def test_cli_evaluate_finds_the_training_data_and_prints_the_split(tmp_path, run_cli, monkeypatch):
    project = tmp_path / "project"
    train_docbin(project / "corpus" / "train.spacy")
    model = ruler_model(project / "training" / "ruler" / "model-best", "corpus/train.spacy")
    gold = gold_jsonl(tmp_path / "test.jsonl")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "evaluate" / "reports" / "ruler.json"
    code, text = run_cli("evaluate", model, gold, "-o", out, "--labels", ",".join(LABELS), "--resamples", "200")
    assert code == 0, text
    assert "Entities seen / unseen in the training data" in text and "unseen F1 95% interval" in text
    report = json.loads(out.read_text("utf-8"))
    s = report["slices"]
    assert s["train_path"] == str((project / "corpus" / "train.spacy").resolve())
    assert report["training_data"]["sha256"] == s["train_sha256"]
    # predicted: Nguyễn Văn An (unseen, right), Vinamilk as GPE (seen, wrong label), Hà Nội (seen, right), Đà Nẵng
    assert (s["seen"]["overall"]["tp"], s["seen"]["overall"]["fp"], s["seen"]["overall"]["fn"]) == (1, 1, 3)
    assert (s["unseen"]["overall"]["tp"], s["unseen"]["overall"]["fp"], s["unseen"]["overall"]["fn"]) == (2, 0, 3)
    sidecar = [json.loads(line) for line in (out.parent / "ruler.predictions.jsonl").read_text("utf-8").splitlines()]
    assert sidecar[0]["gold_seen"] == [False, True, True]
    assert "## Seen and unseen entities" in out.with_suffix(".md").read_text("utf-8")


def test_cli_evaluate_without_training_data_says_why_and_train_overrides(tmp_path, run_cli):
    model = ruler_model(tmp_path / "ruler", None)
    gold = gold_jsonl(tmp_path / "test.jsonl")
    out = tmp_path / "evaluate" / "reports" / "plain.json"
    code, text = run_cli("evaluate", model, gold, "-o", out, "--resamples", "200")
    assert code == 0, text
    assert "no seen/unseen split" in text and "no paths.train" in text
    report = json.loads(out.read_text("utf-8"))
    assert report["slices"]["seen"] is None and "give it with --train" in report["slices"]["reason"]
    assert "No seen/unseen split" in out.with_suffix(".md").read_text("utf-8")
    train = write_train_jsonl(tmp_path / "train.jsonl")
    given = tmp_path / "evaluate" / "reports" / "given.json"
    code, text = run_cli("evaluate", model, gold, "-o", given, "--train", train, "--resamples", "200")
    assert code == 0, text
    report = json.loads(given.read_text("utf-8"))
    assert report["slices"]["train_path"] == str(train) and report["training_data"]["path"] == str(train)
    assert report["slices"]["unseen"]["overall"]["support"] == 5
    code, text = run_cli("evaluate", model, gold, "--train", tmp_path / "gone.jsonl")
    assert code == 1 and "gone.jsonl: no such training data" in text


def test_compare_pairs_the_unseen_entities_pooled_runs_included(tmp_path):
    weak = sliced_report(tmp_path, "weak")
    gold = gold_examples(3)
    strong = sliced_report(tmp_path, "strong", [list(e.spans) for e in gold])
    c = compare([weak, strong], resamples=1000)
    pair, (a, b) = c.comparisons[0], c.models
    assert a.unseen.overall.f1 == pytest.approx(weak.slices.unseen.overall.f1) and b.unseen.overall.f1 == 1.0
    u = pair.unseen
    assert u.overall.f1_a == pytest.approx(weak.slices.unseen.overall.f1) and u.overall.support == 5
    assert u.overall.ci[0] <= u.overall.delta <= u.overall.ci[1] and u.documents == 3
    assert u.per_label["EVENT"].f1_a == 0.0 and u.per_label["EVENT"].f1_b == 1.0
    pooled = compare([[weak, weak], strong], resamples=1000)
    assert pooled.models[0].unseen.overall.support == 5  # the gold once, not once per run
    assert pooled.comparisons[0].unseen.overall.f1_a == pytest.approx(u.overall.f1_a)
    assert pooled.comparisons[0].unseen.overall.support == 5
    md, html = comparison_markdown(c), comparison_html(c)
    assert "### Entities unseen in training: strong vs weak" in md and 'id="delta-unseen-1"' in html
    assert 'id="side-by-side-unseen"' in html
    assert "Seen and unseen entities" in report_markdown(weak) and 'id="slices"' in report_html(weak)


def test_compare_reads_the_training_data_for_reports_without_the_split(tmp_path):
    weak = sliced_report(tmp_path, "weak")
    gold = gold_examples(3)
    old = build_report(  # as evaluated without the training data at hand
        gold,
        [list(e.spans) for e in gold],
        labels=LABELS,
        model={"path": "training/old", "name": "old"},
        data={"path": "corpus/test.spacy", "sha256": "a" * 64},
        name="old",
        resamples=200,
    )
    c = compare([weak, old], resamples=500)
    assert c.comparisons[0].unseen is None and "old (old)" in c.comparisons[0].unseen_note
    assert "no unseen-entity comparison" in comparison_markdown(c)
    c = compare([weak, old], resamples=500, train=tmp_path / "train.jsonl")
    assert c.comparisons[0].unseen.overall.f1_b == 1.0
    assert c.comparisons[0].unseen.overall.f1_a == pytest.approx(weak.slices.unseen.overall.f1)


def test_cli_compare_prints_the_unseen_comparison(tmp_path, run_cli):
    from viner.evaluation.write import write_report

    reports = tmp_path / "evaluate" / "reports"
    gold = gold_examples(3)
    write_report(sliced_report(tmp_path, "weak"), reports / "weak.json")
    write_report(sliced_report(tmp_path, "strong", [list(e.spans) for e in gold]), reports / "strong.json")
    out = tmp_path / "evaluate" / "compare-unseen.html"
    code, text = run_cli("compare", reports / "weak.json", reports / "strong.json", "-o", out, "--resamples", "500")
    assert code == 0, text
    assert "strong vs weak: entities unseen in training" in text and "F1 of the entities unseen" in text
    saved = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert saved["comparisons"][0]["unseen"]["overall"]["support"] == 5
    assert saved["models"][1]["unseen"]["overall"]["f1"] == 1.0


def test_external_predictions_get_the_split_with_train(tmp_path):
    from viner.evaluation.external import evaluate_predictions

    gold = gold_jsonl(tmp_path / "test.jsonl")
    rows = [
        json.dumps({"text": e.text, "label": [s.as_list() for s in pred]}, ensure_ascii=False)
        for e, pred in zip(gold_examples(3), predictions())
    ]
    system = tmp_path / "system.jsonl"
    system.write_text("\n".join(rows) + "\n", "utf-8")
    plain = evaluate_predictions(system, gold, labels=LABELS, resamples=200)
    assert plain.slices.seen is None and "--train" in plain.slices.reason
    report = evaluate_predictions(
        system, gold, labels=LABELS, resamples=200, train=write_train_jsonl(tmp_path / "train.jsonl")
    )
    u = report.slices.unseen.overall
    assert (u.tp, u.fp, u.fn) == (3, 2, 2) and report.training_data.path.endswith("train.jsonl")
