"""`viner doccano pull`: every annotator's work out of Doccano into a new snapshot folder.

A snapshot is ``<out>/<project>-<UTC time>/`` and is never overwritten: it is built in a
temporary folder beside it and renamed into place only when complete. It holds

- ``<annotator>.jsonl``: one row per unit in viner's Doccano JSONL (``text``, ``label``,
  ``meta`` with ``unit_id``, ``doccano_id`` and ``doccano_confirmed`` – whether that
  annotator marked the unit as checked), in Doccano's order;
- ``manifest.json``: project, server, time, and per annotator units / checked / spans;
- ``raw/``: the zip files exactly as Doccano exported them (provenance);
- ``problems.txt`` when a span had whitespace at an edge (trimmed: the original span is listed
  there) or a row fails validation (such a row is kept verbatim in the annotator's file so that
  nothing is lost, listed with whose it is, the unit and how to fix it in Doccano;
  ``viner agree``/``merge`` refuse it until it is fixed and pulled again, or leave the unit out
  with ``--skip-invalid``).

Collaborative mode off gives one export file per project member, each listing every
unit with that member's spans. Members with the annotator role are always written;
other members (the admin, approvers) only when they labelled or checked something.
Doccano's export does not say which units a member checked, so pull asks for a second
export of checked units only and marks rows with it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..console import Echo
from ..errors import VinerError
from ..formats.doccano_jsonl import parse_row
from ..io import folder_target, remove_stale_temps, temp_prefix
from ..record import DEFAULT_LABELS, Problem
from .connection import Connection
from .exported import located, trim_edges, trim_note
from .panel import restore

MANIFEST = "manifest.json"
PROBLEMS = "problems.txt"
TEMP_NAME = "pull"  # a snapshot is built in out_dir/.pull.<pid>.<random>.tmp (hidden: readers skip it)


@dataclass
class AnnotatorPull:
    name: str
    role: str
    file: str
    units: int = 0
    confirmed: int = 0
    spans: int = 0
    problems: int = 0
    trimmed: int = 0  # spans whose edge whitespace was cut


@dataclass
class PullResult:
    snapshot: Path
    project: str
    total_units: int
    annotators: list[AnnotatorPull] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    trimmed: list[Problem] = field(default_factory=list)  # one note per span trimmed, with the original


def snapshot_name(project: str, when: float | None = None) -> str:
    slug = re.sub(r"[^\w.-]+", "-", project, flags=re.UNICODE).strip("-.") or "project"
    return f"{slug}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(when))}"


def read_export(zip_path: Path) -> dict[str, list[dict | str]]:
    """username -> rows of Doccano's JSONL export (undecodable lines are kept as strings)."""
    files: dict[str, list[dict | str]] = {}
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = Path(info.filename).name
            if not name.endswith(".jsonl"):
                continue
            rows: list[dict | str] = []
            for line in archive.read(info).decode("utf-8").splitlines():
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    rows.append(line)
            files[name[: -len(".jsonl")]] = rows
    return files


def unit_meta(exported: dict, stored: dict | None = None) -> dict:
    """The unit's metadata as pushed, plus Doccano's id and comments (not what push added for the panel).

    ``stored`` is the example's metadata as the API lists it (exact); Doccano's export passes metadata through
    pandas, which turns a key missing from some units into null and integers beside nulls into floats, so it is
    only used without ``stored``. viner.doccano.panel gets the unit's own fields back from the panel's; units
    that were not pushed by viner keep what Doccano has, without the nulls its export adds.
    """
    fields = stored if stored is not None else exported
    meta = {k: v for k, v in restore(fields).items() if v is not None or stored is not None}
    meta.pop("Comments", None)
    meta.pop("doccano_id", None)
    if "doccano_id" in exported:
        meta["doccano_id"] = exported["doccano_id"]
    if exported.get("Comments"):
        meta["Comments"] = exported["Comments"]
    return meta


def _confirmed_ids(rows: Sequence[dict | str]) -> set:
    return {row.get("id") for row in rows if isinstance(row, dict)}


def pull(
    project: str,
    out_dir: Path,
    connection: Connection,
    *,
    approved_only: bool = False,
    labels: Sequence[str] = DEFAULT_LABELS,
    echo: Echo = print,
) -> PullResult:
    """Export ``project`` into a new snapshot folder under ``out_dir``; returns what was written.

    ``out_dir`` is checked before the server is contacted (the connection logs in on first use).
    """
    out_dir = folder_target(out_dir)
    session = connection.session
    found = session.require_project(project)
    pid = int(found["id"])
    members = session.members(pid)
    listing = session.examples(pid)
    total = len(listing)
    pages = {e["id"]: number for number, e in enumerate(listing, start=1)}  # the annotation view's ?page=N
    stored = {e["id"]: e.get("meta") or {} for e in listing}  # exact, unlike the export's
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(out_dir, TEMP_NAME)  # left by a pull that was killed
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(TEMP_NAME), suffix=".tmp", dir=out_dir))
    try:
        raw = tmp / "raw"
        raw.mkdir()
        confirmed_zip = session.export_jsonl(pid, raw, only_approved=True)
        confirmed_zip = confirmed_zip.rename(raw / "confirmed.zip")
        confirmed = {name: _confirmed_ids(rows) for name, rows in read_export(confirmed_zip).items()}
        if approved_only:
            exported = read_export(confirmed_zip)
        else:
            all_zip = session.export_jsonl(pid, raw, only_approved=False)
            all_zip = all_zip.rename(raw / "all.zip")
            exported = read_export(all_zip)
        name = _free_name(out_dir, snapshot_name(project))
        result = PullResult(out_dir / name, project, total)
        for user in sorted(exported):
            rows = exported[user]
            role = members.get(user, "former member")
            done = confirmed.get(user, set())
            has_spans = any(isinstance(r, dict) and r.get("label") for r in rows)
            if role != "annotator" and not has_spans and not done:
                continue
            stats = AnnotatorPull(user, role, f"{user}.jsonl")
            lines = []
            for number, row in enumerate(rows, start=1):
                where = (str(result.snapshot / stats.file), number)
                if not isinstance(row, dict):
                    result.problems.append(Problem(where[0], number, None, "Doccano exported a line that is not JSON"))
                    stats.problems += 1
                    lines.append(row)
                    continue
                is_done = row.get("id") in done
                row, trims = trim_edges(row)
                result.trimmed.extend(trim_note(where[0], number, user, row, t) for t in trims)
                stats.trimmed += len(trims)
                example, problems = parse_row(row, where, labels)
                stats.units += 1
                stats.confirmed += is_done
                if example is None:
                    page = pages.get(row.get("id"))
                    link = f"{session.url}/projects/{pid}/sequence-labeling?page={page}" if page else None
                    result.problems.extend(located(p, user, row, link) for p in problems)
                    stats.problems += 1
                    stats.spans += len(row.get("label") or [])
                    lines.append(json.dumps({**row, "doccano_confirmed": is_done}, ensure_ascii=False))
                    continue
                meta = unit_meta(example.meta, stored.get(row.get("id")))
                meta["unit_id"] = example.id
                meta["doccano_confirmed"] = is_done
                stats.spans += len(example.spans)
                lines.append(
                    json.dumps(
                        {"text": example.text, "label": [s.as_list() for s in example.spans], "meta": meta},
                        ensure_ascii=False,
                    )
                )
            (tmp / stats.file).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            result.annotators.append(stats)
            echo(
                f"{user} ({role}): {stats.confirmed}/{total} units done, {stats.spans} spans"
                + (f", {stats.trimmed} span(s) trimmed" if stats.trimmed else "")
                + (f", {stats.problems} invalid row(s)" if stats.problems else "")
            )
        if not result.annotators:
            raise VinerError(
                f"project {project!r} has no annotators with work to export; add annotators with `viner doccano push --annotators`"
            )
        manifest = {
            "project": project,
            "project_id": pid,
            "url": session.url,
            "pulled_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "approved_only": approved_only,
            "total_units": total,
            "annotators": {
                a.name: {
                    "file": a.file,
                    "role": a.role,
                    "units": a.units,
                    "confirmed": a.confirmed,
                    "spans": a.spans,
                    "problems": a.problems,
                    "trimmed": a.trimmed,
                }
                for a in result.annotators
            },
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if result.problems or result.trimmed:
            (tmp / PROBLEMS).write_text("".join(f"{p}\n" for p in result.problems + result.trimmed), encoding="utf-8")
        os.chmod(tmp, 0o755)
        target = out_dir / name
        while True:
            try:
                os.rename(tmp, target)  # fails on an existing non-empty folder: a snapshot is never replaced
                break
            except OSError as err:
                if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise VinerError(f"cannot create the snapshot {target} ({err.strerror})") from err
                name = _free_name(out_dir, name)
                target = out_dir / name
        return _relocate(result, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _free_name(folder: Path, name: str) -> str:
    if not (folder / name).exists():
        return name
    base = re.sub(r"-\d+$", "", name) if re.search(r"Z-\d+$", name) else name
    n = 2
    while (folder / f"{base}-{n}").exists():
        n += 1
    return f"{base}-{n}"


def _relocate(result: PullResult, target: Path) -> PullResult:
    """Problems were located in the planned folder name; point them at the final one."""
    result.problems = [_moved(p, target) for p in result.problems]
    result.trimmed = [_moved(p, target) for p in result.trimmed]
    result.snapshot = target
    return result


def _moved(problem: Problem, target: Path) -> Problem:
    return Problem(str(target / Path(problem.path).name), problem.line, problem.field, problem.message)
