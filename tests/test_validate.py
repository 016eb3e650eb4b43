import json
import unicodedata

from viner.formats import doccano_jsonl
from viner.record import unit_id
from viner.validate import validate_paths

TEXT = "Ngoại trưởng Nga Sergey Lavrov đến Astana."


def span(name, label, text=TEXT):
    start = text.index(name)
    return [start, start + len(name), label]


def test_valid_file_with_bom_and_crlf(tmp_path):
    path = tmp_path / "ok.jsonl"
    row = json.dumps({"text": TEXT, "label": [span("Nga", "GPE"), span("Sergey Lavrov", "PERSON")]}, ensure_ascii=False)
    path.write_bytes(b"\xef\xbb\xbf" + (row + "\r\n" + row.replace("Astana", "Moskva") + "\r\n\r\n").encode("utf-8"))
    report = validate_paths([path])
    assert report.ok and report.records == 2 and report.spans == 4


def test_every_problem_has_file_line_and_field(tmp_path, jsonl):
    nfd = unicodedata.normalize("NFD", TEXT)
    path = jsonl(
        tmp_path / "bad.jsonl",
        [
            {"text": TEXT, "label": [span("Nga", "GPE")]},
            "{not json",
            {"label": []},
            {"text": TEXT, "label": [[0, 999, "GPE"]]},
            {"text": TEXT, "label": [[5, 5, "GPE"]]},
            {"text": TEXT, "label": [span("Nga", "GPE"), span("Nga Sergey", "PERSON")]},
            {"text": TEXT, "label": [span("Astana", "LOC")]},
            {"text": TEXT, "label": [span(" Nga", "GPE")]},
            {"text": nfd, "label": []},
            {"text": TEXT, "label": "GPE"},
            [1, 2],
        ],
    )
    report = validate_paths([path])
    lines = {(p.line, p.field): p.message for p in report.problems}
    assert report.valid == 1 and report.invalid == 10 and report.records == 11
    assert "invalid JSON" in lines[(2, None)]
    assert lines[(3, "text")].startswith("missing")
    assert "out of range" in lines[(4, "label[0]")]
    assert "smaller than end" in lines[(5, "label[0]")]
    assert "overlaps" in lines[(6, "label[1]")]
    assert "'LOC' is not one of PERSON, ORG, GPE, EVENT" in lines[(7, "label[0]")]
    assert "whitespace" in lines[(8, "label[0]")]
    assert "NFC" in lines[(9, "text")]
    assert "must be a list" in lines[(10, "label")]
    assert "expected a JSON object" in lines[(11, None)]
    assert str(report.problems[0]).startswith(f"{path}:2: invalid JSON")


def test_custom_labels(tmp_path, jsonl):
    path = jsonl(tmp_path / "loc.jsonl", [{"text": TEXT, "label": [span("Astana", "LOC")]}])
    assert validate_paths([path], labels=("LOC",)).ok
    assert not validate_paths([path]).ok


def test_conll_given_as_jsonl_gets_a_hint(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text("Nga\tB-LOC\nđến\tO\n", encoding="utf-8")
    report = validate_paths([path])
    assert "CoNLL" in report.problems[0].message and "import-conll" in report.problems[0].message


def test_doccano_export_rows_keep_meta(tmp_path, jsonl):
    uid = unit_id(TEXT)
    path = jsonl(
        tmp_path / "alice.jsonl",
        [{"id": 12, "text": TEXT, "label": [span("Nga", "GPE")], "Comments": [], "unit_id": uid, "source": "x.txt"}],
    )
    (example,) = list(doccano_jsonl.read(path))
    assert example.id == uid
    assert example.meta == {"doccano_id": 12, "unit_id": uid, "source": "x.txt"}
    assert json.loads(doccano_jsonl.dumps(example)) == {
        "text": TEXT,
        "label": [span("Nga", "GPE")],
        "meta": {"unit_id": uid, "source": "x.txt"},
    }


def test_stale_unit_id_is_a_problem(tmp_path, jsonl):
    path = jsonl(tmp_path / "edited.jsonl", [{"text": TEXT, "label": [], "meta": {"unit_id": "0123456789abcdef"}}])
    (problem,) = validate_paths([path]).problems
    assert problem.field == "meta.unit_id" and "was the text edited" in problem.message


def test_cli_exit_status_and_messages(tmp_path, jsonl, run_cli):
    good = jsonl(tmp_path / "good.jsonl", [{"text": TEXT, "label": [span("Nga", "GPE")]}])
    code, out = run_cli("validate", good)
    assert code == 0 and "1 valid with 1 spans" in out
    bad = jsonl(tmp_path / "bad.jsonl", [{"text": TEXT, "label": [[0, 99, "GPE"]]}])
    code, out = run_cli("validate", tmp_path)
    assert code == 1
    assert f"{bad}:1: label[0]: offsets 0-99 out of range" in out
    code, out = run_cli("validate", tmp_path / "missing")
    assert code == 1 and "no such file or folder" in out and "Traceback" not in out
    code, out = run_cli("validate", "--labels", "LOC,PER", good)
    assert code == 1 and "'GPE' is not one of LOC, PER" in out
