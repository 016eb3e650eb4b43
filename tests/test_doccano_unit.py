"""Doccano pieces that need no server: rows sent, rows read back, settings, errors, snapshots."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from viner.doccano import server
from viner.doccano.api.client import Session, settings
from viner.doccano.ledger import ledger_path
from viner.doccano.project import find_guidelines
from viner.doccano.pull import _free_name, snapshot_name, unit_meta
from viner.doccano.scripts.ledger_store import LedgerStore, project_key
from viner.doccano.server import home
from viner.doccano.units import META_KEY, load_units, suggested_to, upload_batches, upload_row
from viner.errors import InvalidInput, VinerError
from viner.labels import Label, LabelScheme
from viner.record import Example, Span


def test_upload_row_shows_the_units_fields_and_pull_gets_them_back_exactly():
    example = Example(
        "Hà Nội",
        (Span(0, 6, "GPE"),),
        "abc",
        {"source": "a.txt", "position": 3, "caption": True, "doccano_id": 9, "doccano_confirmed": True},
    )
    row = upload_row(example)
    assert row["text"] == "Hà Nội" and row["label"] == [] and row["unit_id"] == "abc" and row["source"] == "a.txt"
    # every field readable on its own in Doccano's Metadata panel, and no exact copy beside them: none is needed
    assert (row["position"], row["caption"]) == (3, True) and "doccano_id" not in row and META_KEY not in row
    fields = {k: v for k, v in row.items() if k not in ("text", "label")}
    assert unit_meta(fields, fields) == {"source": "a.txt", "position": 3, "caption": True}  # project keys dropped
    nested = upload_row(Example("Huế", (), "h", {"source": "b.txt", "tags": ["a", "b"], "line": 7}))
    assert nested["tags"] == '["a", "b"]' and nested["line"] == 7 and META_KEY not in nested
    stored = {k: v for k, v in nested.items() if k not in ("text", "label")}
    assert unit_meta(stored, stored) == {"source": "b.txt", "tags": ["a", "b"], "line": 7}


def test_upload_batches_share_keys_and_types():
    """Doccano's pandas import fails on rows with different keys (NaN in JSON): one file per key set."""
    examples = [
        Example("một", (), "1", {"source": "a"}),
        Example("hai", (), "2", {}),
        Example("ba", (), "3", {"source": "b"}),
    ]
    batches = upload_batches(examples)
    assert [[r["unit_id"] for r in batch] for batch in batches] == [["1", "3"], ["2"]]
    for batch in batches:
        assert len({tuple(sorted((k, type(v).__name__) for k, v in r.items())) for r in batch}) == 1


def test_review_rows_show_versions():
    meta = {
        "viner_review": {
            "versions": {"alice": [[0, 6, "GPE"]], "bob": [[0, 6, "ORG"]]},
            "disputed": [[0, 6, "GPE"], [0, 6, "ORG"]],
        }
    }
    row = upload_row(Example("Hà Nội", (), "u", meta))
    assert row["version: alice"] == "Hà Nội (GPE)" and row["version: bob"] == "Hà Nội (ORG)"
    assert json.loads(row[META_KEY])["viner_review"]["versions"]["alice"] == [[0, 6, "GPE"]]


def test_unit_meta_decodes_packed_metadata():
    exported = {
        "doccano_id": 7,
        "unit_id": "u",
        META_KEY: json.dumps({"source": "a.txt", "position": 3}),
        "source": "a.txt",
        "caption": None,
        "Comments": [],
    }
    assert unit_meta(exported) == {"source": "a.txt", "position": 3, "doccano_id": 7}
    foreign = {
        "doccano_id": 8,
        "topic": "x",
        "caption": None,
        "Comments": [{"comment": "check"}],
        "viner_suggested": "alice",
    }
    assert unit_meta(foreign) == {"topic": "x", "doccano_id": 8, "Comments": [{"comment": "check"}]}


def test_records_older_pushes_left_in_the_units_metadata_are_still_read():
    assert suggested_to({"meta": {"unit_id": "u", "viner_suggested": "bob, alice"}}) == {"alice", "bob"}
    assert (
        suggested_to({"meta": {}}) == set()
        and suggested_to({"meta": None}) == set()
        and suggested_to({"meta": {"viner_suggested": 3}}) == set()
    )
    # a file that carries the key (say, an export from elsewhere) never uploads it: whom suggestions were given is the project's
    row = upload_row(Example("Huế", (), "h", {"source": "b.txt", "viner_suggested": "alice"}))
    assert "viner_suggested" not in row and META_KEY not in row and row["source"] == "b.txt"


def test_load_units_validates_everything_first(tmp_path: Path):
    path = tmp_path / "units.jsonl"
    path.write_text(
        json.dumps({"text": "Hà Nội", "label": [[0, 6, "GPE"]]}, ensure_ascii=False)
        + "\n"
        + json.dumps({"text": "Huế", "label": [[0, 9, "GPE"]]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        load_units(path, ("GPE",), review=False)
    assert err.value.problems[0].line == 2 and "out of range" in err.value.problems[0].message


def test_load_units_dedupes_and_knows_review_files(tmp_path: Path):
    path = tmp_path / "units.jsonl"
    rows = [{"text": "Hà Nội"}, {"text": "Hà Nội"}, {"text": "Huế"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    units, duplicates = load_units(path, ("GPE",), review=False)
    assert [u.text for u in units] == ["Hà Nội", "Huế"] and duplicates == 1
    with pytest.raises(VinerError, match="not a review file"):
        load_units(path, ("GPE",), review=True)
    review = tmp_path / "review.jsonl"
    review.write_text(
        json.dumps({"text": "Huế", "meta": {"viner_review": {"versions": {}}}}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(VinerError, match="--review"):
        load_units(review, ("GPE",), review=False)


def test_guidelines_come_from_the_option_the_scheme_or_the_label_definitions(tmp_path: Path, monkeypatch):
    path = tmp_path / "G.md"
    path.write_text("# Hướng dẫn\nGPE là ...\n", encoding="utf-8")
    plain = LabelScheme((Label("GPE", "#3cb44b", "g", "Countries and cities"),))
    assert find_guidelines(path, plain).text.startswith("# Hướng dẫn")
    with pytest.raises(VinerError, match="not found.*--guidelines"):
        find_guidelines(tmp_path / "missing.md", plain)
    named = LabelScheme(plain.labels, tmp_path / "labels.json", tmp_path / "G.md")
    assert find_guidelines(None, named).source == str(tmp_path / "G.md")
    with pytest.raises(VinerError, match="labels.json"):
        find_guidelines(None, LabelScheme(plain.labels, tmp_path / "labels.json", tmp_path / "gone.md"))
    monkeypatch.chdir(tmp_path)  # no annotations/GUIDELINES.md here: the label definitions stand in, flagged
    fallback = find_guidelines(None, plain)
    assert fallback.fallback and "**GPE**: Countries and cities" in fallback.text


def test_snapshot_names_never_collide(tmp_path: Path):
    name = snapshot_name("Tin tức / 2024", 0)
    assert name == "Tin-tức-2024-19700101T000000Z"
    (tmp_path / name).mkdir()
    assert _free_name(tmp_path, name) == f"{name}-2"
    (tmp_path / f"{name}-2").mkdir()
    assert _free_name(tmp_path, f"{name}-2") == f"{name}-3"


def test_settings_need_a_password(monkeypatch):
    monkeypatch.delenv("DOCCANO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DOCCANO_URL", "http://127.0.0.1:9/")
    with pytest.raises(VinerError, match="DOCCANO_ADMIN_PASSWORD"):
        settings()
    monkeypatch.setenv("DOCCANO_ADMIN_PASSWORD", "from-env")
    monkeypatch.setenv("DOCCANO_ADMIN_USER", "lead")
    assert settings() == ("http://127.0.0.1:9", "lead", "from-env")
    assert settings("http://h:1", "u", "p") == ("http://h:1", "u", "p")  # options override the environment


def test_unreachable_server_is_one_clear_line():
    port = server.free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(VinerError) as err:
        Session(f"http://127.0.0.1:{port}", "admin", "pw", retries=2, backoff=0.1)
    message = str(err.value)
    assert "cannot reach Doccano" in message and "viner doccano serve" in message and "\n" not in message
    assert time.monotonic() - started < 10


def test_push_and_pull_cli_fail_cleanly_when_server_is_down(run_cli, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{server.free_port()}")
    monkeypatch.setenv("DOCCANO_ADMIN_PASSWORD", "x")
    monkeypatch.setenv("VINER_DOCCANO_RETRIES", "1")
    code, out = run_cli("doccano", "pull", "--project", "p", "-o", tmp_path / "exports")
    assert code == 1 and "cannot reach Doccano" in out and "Traceback" not in out
    assert not (tmp_path / "exports").exists() or not any((tmp_path / "exports").iterdir())


def test_default_env_location(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("VINER_DOCCANO_ENV", str(tmp_path / "env"))
    assert server.default_env() == tmp_path / "env"
    monkeypatch.delenv("VINER_DOCCANO_ENV")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert server.default_env() == tmp_path / "cache" / "viner" / "doccano-1.8.4"


def test_ensure_env_refuses_a_foreign_folder(tmp_path: Path):
    foreign = tmp_path / "env"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(VinerError, match="not a Doccano environment"):
        server.ensure_env(foreign, echo=lambda _: None)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_serve_refuses_a_busy_port(run_cli, tmp_path: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not server.port_is_free(port)
        code, out = run_cli("doccano", "serve", "--port", port, "--home", tmp_path / "home")
    assert code == 1 and f"port {port}" in out and "in use" in out


def test_secret_key_is_private_and_stable(tmp_path: Path):
    first = home.secret_key(tmp_path)
    assert first == home.secret_key(tmp_path) and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_command_has_complete_help(run_cli):
    for command in (["doccano", "serve"], ["doccano", "push"], ["doccano", "pull"], ["agree"], ["merge"]):
        code, out = run_cli(*command, "--help")
        assert code == 0 and "Usage" in out
        assert out.count("--") >= 2


def test_the_home_of_a_local_server_is_found_from_any_folder_below_it(tmp_path: Path):
    import json
    import subprocess
    import sys

    from viner.doccano.server.local import SERVER_FILE, find_local, is_loopback, record_server

    home = tmp_path / "project" / ".doccano"
    home.mkdir(parents=True)
    record_server(home, "http://127.0.0.1:8123", tmp_path / "env")  # as `viner doccano serve` does; its pid is ours
    deep = tmp_path / "project" / "corpus" / "raw"
    deep.mkdir(parents=True)
    found = find_local("http://127.0.0.1:8123/", None, deep)
    assert found is not None and found.home == home and found.env == tmp_path / "env"
    assert find_local("http://127.0.0.1:8124", None, deep) is None  # a home serving another URL is not it
    assert find_local("http://127.0.0.1:8123", None, tmp_path) is None  # above the project: not found
    with pytest.raises(VinerError, match=r"--home .*: no `viner doccano serve` is serving http://127.0.0.1:8124"):
        find_local("http://127.0.0.1:8124", home, deep)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    state = json.loads((home / SERVER_FILE).read_text(encoding="utf-8"))
    (home / SERVER_FILE).write_text(json.dumps({**state, "pid": int(gone.stdout)}), encoding="utf-8")
    assert find_local("http://127.0.0.1:8123", None, deep) is None  # the server that wrote it has stopped
    assert is_loopback("http://localhost:8000") and is_loopback("http://127.0.0.1:8000")
    assert not is_loopback("https://doccano.example.org")


def test_a_connection_asks_for_the_password_only_when_it_connects(monkeypatch):
    from viner.doccano.connection import Connection

    monkeypatch.delenv("DOCCANO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DOCCANO_URL", "http://127.0.0.1:9/")
    connection = Connection.from_options(user="lead")
    assert (connection.url, connection.user) == ("http://127.0.0.1:9", "lead")
    with pytest.raises(VinerError, match="DOCCANO_ADMIN_PASSWORD"):
        _ = connection.session


def test_the_push_ledger_keeps_one_row_per_project_unit_and_annotator(tmp_path, monkeypatch):
    path = tmp_path / "lead" / "ledger.sqlite3"
    tin_tuc = LedgerStore(str(path), project_key(3, "2026-12-01T10:00:00.123456Z"))
    tin_tuc.record([(7, "alice"), (7, "bob"), (8, "alice"), (7, "alice")])  # naming twice is naming once
    tin_tuc.unrecord([(8, "alice"), (9, "carol")])  # taking off someone never named is no error
    assert tin_tuc.given([7, 8, 9]) == {7: {"alice", "bob"}}
    assert path.stat().st_mode & 0o077 == 0  # the lead's alone
    # the same id on a server set up again from scratch is another project: it inherits nothing
    again = LedgerStore(str(path), project_key(3, "2027-01-05T08:00:00.000001Z"))
    assert again.given([7, 8]) == {}
    tin_tuc.close()
    reopened = LedgerStore(str(path), project_key(3, "2026-12-01T10:00:00.123456Z"))
    assert reopened.given(range(2000)) == {7: {"alice", "bob"}}  # kept on disk, read past one query's chunk
    monkeypatch.setenv("VINER_DOCCANO_LEDGER", str(tmp_path / "elsewhere.sqlite3"))
    assert ledger_path() == tmp_path / "elsewhere.sqlite3"
    monkeypatch.delenv("VINER_DOCCANO_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert ledger_path() == tmp_path / "data" / "viner" / "doccano-ledger.sqlite3"
