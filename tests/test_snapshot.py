"""Reading a pull snapshot: edge whitespace trimmed on pull, invalid rows stopping or left out (--skip-invalid)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viner.agreement import agree
from viner.doccano.exported import Trim, trim_edges
from viner.errors import InvalidInput
from viner.merge import merge
from viner.record import unit_id
from viner.snapshot import read_snapshot

A = "Tổng thống Tokayev đến Hà Nội."
B = "Ông Nguyễn Văn Ánh đến Huế."


def test_edge_whitespace_is_trimmed_and_nothing_else():
    start = A.index("Tokayev")
    row = {
        "id": 3,
        "text": A,
        "label": [[start - 1, start + 8, "PERSON"], [0, 3, "ORG"], [10, 11, "GPE"], [0, 99, "X"]],
    }
    trimmed, trims = trim_edges(row)
    assert trims == [Trim(0, (start - 1, start + 8, "PERSON"), (start, start + 7, "PERSON"))]
    assert trimmed["label"] == [[start, start + 7, "PERSON"], [0, 3, "ORG"], [10, 11, "GPE"], [0, 99, "X"]]
    assert row["label"][0] == [start - 1, start + 8, "PERSON"]  # the row as exported is not changed
    assert trim_edges({"text": A, "label": [[10, 11, "GPE"]]})[1] == []  # a span of a space alone stays invalid
    assert trim_edges({"text": 3, "label": "x"}) == ({"text": 3, "label": "x"}, [])


def write(folder: Path, name: str, rows: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def row(text: str, part: str, label: str, checked: bool = True, end_extra: int = 0) -> dict:
    start = text.index(part)
    meta = {"unit_id": unit_id(text), "doccano_confirmed": checked}
    return {"text": text, "label": [[start, start + len(part) + end_extra, label]], "meta": meta}


def test_an_invalid_checked_row_stops_or_leaves_its_unit_out_for_everyone(tmp_path: Path):
    snap = tmp_path / "snap"
    write(snap, "alice", [row(A, "Tokayev", "PERSON"), row(B, "Nguyễn Văn Ánh", "PERSON")])
    broken = row(B, "Nguyễn Văn Ánh", "PERSON", end_extra=99)  # offsets past the text's end
    write(snap, "bob", [row(A, "Tokayev", "PERSON"), {**broken, "id": 8}])
    with pytest.raises(InvalidInput) as refused:
        agree([snap])
    assert "--skip-invalid" in refused.value.hint and "bob.jsonl:2" in str(refused.value.problems[0])
    report = agree([snap], skip_invalid=True)
    assert report.units_compared == 1 and [(s.unit_id, s.annotator) for s in report.skipped] == [(unit_id(B), "bob")]
    result = merge([snap], tmp_path / "gold.jsonl", skip_invalid=True, min_annotators=1)
    assert [e.text for e in result.gold] == [A]  # alice's B alone never becomes gold
    assert [s.unit_id for s in result.skipped] == [unit_id(B)]


def test_an_unchecked_invalid_row_is_unfinished_work(tmp_path: Path):
    snap = tmp_path / "snap"
    write(snap, "alice", [row(A, "Tokayev", "PERSON"), row(B, "Nguyễn Văn Ánh", "PERSON")])
    write(snap, "bob", [row(A, "Tokayev", "PERSON"), row(B, "Nguyễn Văn Ánh", "PERSON", checked=False, end_extra=99)])
    read = read_snapshot([snap])
    assert [(s.annotator, s.checked) for s in read.skipped] == [("bob", False)]
    assert unit_id(B) in read.annotations["alice"] and unit_id(B) not in read.annotations["bob"]
    with pytest.raises(InvalidInput):  # --all-units uses unchecked rows: this one is then an error
        read_snapshot([snap], include_unconfirmed=True)
