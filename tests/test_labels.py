"""The label scheme: one file names a team's labels, and every command takes them from it."""

import json
from pathlib import Path

import pytest

from helpers import spans_in
from viner.errors import VinerError
from viner.labels import NEWS_LABELS, find_scheme, load_scheme, scheme_for, workspace_scheme

HEALTH = [
    "PATIENT_ID",
    "NAME",
    "AGE",
    "GENDER",
    "JOB",
    "LOCATION",
    "ORGANIZATION",
    "SYMPTOM_AND_DISEASE",
    "TRANSPORTATION",
    "DATE",
]


def write_scheme(folder: Path, labels, **extra) -> Path:
    path = folder / "annotations" / "labels.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"labels": labels, **extra}, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_repository_scheme_is_the_news_labels(root):
    scheme = load_scheme(root / "annotations" / "labels.json")
    assert scheme.labels == NEWS_LABELS and scheme.guidelines == root / "annotations" / "GUIDELINES.md"


def test_found_from_a_subfolder_and_the_built_in_news_labels_without_one(tmp_path, monkeypatch):
    write_scheme(tmp_path / "ws", [{"name": name} for name in HEALTH])
    (tmp_path / "ws" / "corpus" / "raw").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "ws" / "corpus" / "raw")
    assert find_scheme() == (tmp_path / "ws" / "annotations" / "labels.json").resolve()
    scheme = workspace_scheme()
    assert scheme.names == tuple(HEALTH)
    assert len({label.colour for label in scheme.labels}) == 10  # each label its own colour, none given
    monkeypatch.chdir(tmp_path)
    assert workspace_scheme().labels == NEWS_LABELS
    assert scheme_for(["GPE", "DISEASE"]).style("GPE") == ("#3cb44b", "g")


@pytest.mark.parametrize(
    "labels,message",
    [
        ([], 'field "labels": expected a list of labels'),
        ([{"name": "NAME"}, {"name": "NAME"}], "labels[1].name: 'NAME' is named twice"),
        ([{"name": "A B"}], "labels[0].name: expected a label name"),
        ([{"name": "NAME", "colour": "red"}], "labels[0].colour: expected a colour such as \"#e6194b\", got 'red'"),
        ([{"name": "NAME", "key": "n"}, {"name": "AGE", "key": "n"}], "labels[1].key: 'n' already picks another label"),
        ([{"name": "NAME", "key": "nn"}], "labels[0].key: expected one letter or digit"),
    ],
)
def test_a_bad_scheme_names_the_file_and_the_field(tmp_path, labels, message):
    path = write_scheme(tmp_path, labels)
    with pytest.raises(VinerError) as error:
        load_scheme(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_commands_take_the_labels_from_the_scheme(tmp_path, monkeypatch, run_cli, root):
    write_scheme(tmp_path, [{"name": name, "definition": f"{name.lower()} of a patient"} for name in HEALTH])
    monkeypatch.chdir(tmp_path)
    text = "Bệnh nhân 91 là phi công người Anh , 43 tuổi ."
    first = [s.as_list() for s in spans_in(text, [("91", "PATIENT_ID"), ("phi công", "JOB"), ("43", "AGE")])]
    rows = [{"text": text, "label": first, "meta": {"source": f"a{n}.txt"}} for n in range(3)]
    for n in range(7):
        other = f"Ca bệnh {n} ở Hà Nội ."
        rows.append(
            {
                "text": other,
                "label": [s.as_list() for s in spans_in(other, [("Hà Nội", "LOCATION")])],
                "meta": {"source": f"b{n}.txt"},
            }
        )
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    code, out = run_cli("validate", gold)
    assert code == 0, out
    code, out = run_cli("convert", gold, "-o", tmp_path / "corpus", "--config", root / "configs" / "ner.cfg")
    assert code == 0 and "PATIENT_ID" in out, out
    conll = tmp_path / "x.conll"
    conll.write_text("Bệnh\tO\nnhân\tO\n91\tB-PATIENT_ID\nđến\tO\nHà\tB-LOC\nNội\tI-LOC\n\n", encoding="utf-8")
    code, out = run_cli("import-conll", conll, "-o", tmp_path / "x.jsonl")
    assert code == 1 and "label 'LOC' is not one of PATIENT_ID, NAME" in out
    assert (
        "--label-map LOC=LABEL" in out
        and "add it to the label scheme (annotations/labels.json) or pass --labels" in out
    )
    code, out = run_cli("import-conll", conll, "-o", tmp_path / "x.jsonl", "--label-map", "LOC=LOCATION")
    assert code == 0, out
    code, out = run_cli("validate", gold, "--labels", "PERSON,GPE")  # --labels still overrides the scheme
    assert code == 1 and "label 'PATIENT_ID' is not one of PERSON, GPE" in out
    code, out = run_cli(
        "convert",
        gold,
        "-o",
        tmp_path / "any",
        "--labels",
        "PERSON",
        "--any-label",
        "--config",
        root / "configs" / "ner.cfg",
    )
    assert code == 0, out


def test_validate_shows_the_first_50_problems_and_counts_the_rest(tmp_path, run_cli):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        "".join(json.dumps({"text": "Hà Nội", "label": [[0, 99, "GPE"]]}) + "\n" for _ in range(120)), encoding="utf-8"
    )
    code, out = run_cli("validate", bad)
    assert code == 1
    assert sum(1 for line in out.splitlines() if "out of range" in line) == 50
    assert "... and 70 more problems" in out and "120 problem(s) in 120 record(s)" in out
