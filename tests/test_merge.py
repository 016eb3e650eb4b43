"""merge: agreed units to gold, conflicts whole to review, adjudication applied, nothing dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_agreement import ALICE, BOB, U1, U2, U3, U4, write_annotator
from viner.errors import VinerError
from viner.formats import doccano_jsonl
from viner.merge import REVIEW_KEY, default_review_file, merge
from viner.record import Span


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    folder = tmp_path / "exports" / "demo-20250101T000000Z"
    write_annotator(folder, "alice", ALICE)
    write_annotator(folder, "bob", BOB)
    return folder


def read(path: Path):
    return list(doccano_jsonl.read(path))


def test_merge_splits_gold_review_pending(snapshot: Path, tmp_path: Path):
    gold_path = tmp_path / "annotations" / "gold" / "demo.jsonl"
    result = merge([snapshot], gold_path)
    assert result.review_file == tmp_path / "annotations" / "review" / "demo.jsonl"
    gold = read(gold_path)
    # U3: both checked, both empty -> agreed; U1, U2 conflicts; U4 only checked by alice -> pending
    assert [e.text for e in gold] == [U3]
    assert gold[0].meta["merge"] == "agreed" and gold[0].meta["annotators"] == ["alice", "bob"]
    assert "doccano_confirmed" not in gold[0].meta and "doccano_id" not in gold[0].meta
    assert gold[0].meta["source"] == "a.txt"
    review = read(result.review_file)
    assert [e.text for e in review] == [U1, U2]
    # the agreed spans are the review unit's pre-annotations; every version is kept
    assert review[0].spans == (Span(4, 17, "PERSON"),)
    versions = review[0].meta[REVIEW_KEY]["versions"]
    assert versions == {"alice": [[4, 17, "PERSON"], [22, 28, "GPE"]], "bob": [[4, 17, "PERSON"], [22, 28, "ORG"]]}
    assert review[0].meta[REVIEW_KEY]["disputed"] == [[22, 28, "GPE"], [22, 28, "ORG"]]
    assert review[1].spans == (Span(0, 7, "ORG"),)
    assert result.pending == [(read(snapshot / "alice.jsonl")[3].id, ["alice"])]
    # every unit is accounted for exactly once
    assert len(gold) + len(review) + len(result.pending) == 4


def test_min_annotators_one_takes_single_versions(snapshot: Path, tmp_path: Path):
    result = merge([snapshot], tmp_path / "gold.jsonl", min_annotators=1)
    assert result.review_file == tmp_path / "gold.review.jsonl"
    assert [e.text for e in result.gold] == [U3, U4]
    assert result.gold[1].meta["annotators"] == ["alice"]
    assert result.pending == []


def test_adjudication_resolves_conflicts(snapshot: Path, tmp_path: Path):
    gold_path = tmp_path / "gold.jsonl"
    first = merge([snapshot], gold_path)
    review_rows = read(first.review_file)
    # the lead adjudicated U1 (GPE is right) and checked it; U2 was looked at but not checked
    adjudicated = tmp_path / "exports" / "demo-review-20250102T000000Z"
    write_annotator(
        adjudicated,
        "lead",
        [
            (U1, [[4, 17, "PERSON"], [22, 28, "GPE"]], True),
            (U2, [[0, 7, "ORG"], [16, 23, "GPE"]], False),
        ],
    )
    assert {e.id for e in read(adjudicated / "lead.jsonl")} == {e.id for e in review_rows}
    with pytest.raises(VinerError, match="--force"):
        merge([snapshot], gold_path, adjudicated=[adjudicated])
    second = merge([snapshot], gold_path, adjudicated=[adjudicated], force=True)
    gold = read(gold_path)
    assert [e.text for e in gold] == [U1, U3]
    assert gold[0].spans == (Span(4, 17, "PERSON"), Span(22, 28, "GPE"))
    assert gold[0].meta["merge"] == "adjudicated" and gold[0].meta["adjudicators"] == ["lead"]
    assert second.adjudicated == 1 and second.agreed == 1
    assert [e.text for e in read(second.review_file)] == [U2]


def test_disagreeing_adjudicators_stay_in_review(snapshot: Path, tmp_path: Path):
    adjudicated = tmp_path / "adj"
    write_annotator(adjudicated, "lead", [(U1, [[4, 17, "PERSON"], [22, 28, "GPE"]], True)])
    write_annotator(adjudicated, "lead2", [(U1, [[4, 17, "PERSON"], [22, 28, "ORG"]], True)])
    result = merge([snapshot], tmp_path / "gold.jsonl", adjudicated=[adjudicated])
    assert [e.text for e in result.conflicts] == [U1, U2]
    versions = result.conflicts[0].meta[REVIEW_KEY]["versions"]
    assert set(versions) == {"alice", "bob", "adjudicator lead", "adjudicator lead2"}


def test_existing_outputs_are_not_overwritten(snapshot: Path, tmp_path: Path):
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("precious\n")
    with pytest.raises(VinerError, match="already exists"):
        merge([snapshot], gold_path)
    assert gold_path.read_text() == "precious\n"
    assert not default_review_file(gold_path).exists()


def test_merge_cli(snapshot: Path, tmp_path: Path, run_cli):
    gold_path = tmp_path / "annotations" / "gold" / "demo.jsonl"
    code, out = run_cli("merge", snapshot, "-o", gold_path)
    assert code == 0, out
    assert "conflicts -> review" in out and "viner doccano push" in out and "--review" in out
    assert gold_path.exists()
    code, out = run_cli("merge", snapshot, "-o", gold_path)
    assert code == 1 and "--force" in out  # refuses to overwrite


def test_agree_cli_writes_report(snapshot: Path, tmp_path: Path, run_cli):
    report = tmp_path / "iaa.json"
    code, out = run_cli("agree", snapshot, "-o", report)
    assert code == 0, out
    assert "alice / bob" in out and "0.500" in out and "0.765" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["overall"]["f1"] == pytest.approx(0.5)
    assert len(data["disagreements"]) == 2
    assert data["disagreements"][0]["versions"]["alice"][1] == [22, 28, "GPE", "Hà Nội"]
