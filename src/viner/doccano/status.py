"""`viner doccano status`: how far each annotator is, how fast they go, and whether they agree so far.

Read from the server without writing anything:

- **checked / total** and **spans** per member: Doccano's own metrics (``metrics/member-progress``,
  ``metrics/span-distribution``; spans include suggestions not deleted yet);
- **units per hour**: from Doccano's timestamps of each check (``confirmed_at`` of the unit's state).
  Doccano's API shows a unit's states only to the member who checked it, so on viner's own server (its home
  found as push finds it) viner reads every member's inside the server (``scripts/check_times.py``), with the
  lead's credentials alone; on any other server it logs in as each annotator (``DOCCANO_ANNOTATOR_PASSWORD``).
  The rate is the checks after the first over *active* time: the sum of the gaps between consecutive checks,
  leaving out gaps over 30 minutes (breaks, nights);
- **agreement so far**: strict span F1 and token kappa (viner.agreement, as ``viner agree``) per pair,
  on the units both annotators checked, from an export of checked units read as ``viner doccano pull`` reads
  it (whitespace at a span's edge trimmed); a checked unit left out of the count is said why: checked by
  one annotator only, or an annotator's row is invalid (which one, and the problem).
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..agreement import AgreementReport, agreement
from ..console import Echo
from ..errors import VinerError
from ..formats.doccano_jsonl import parse_row
from ..snapshot import CONFIRMED_KEY, row_unit
from .api.client import Session
from .connection import Connection
from .exported import trim_edges
from .pull import read_export, unit_meta
from .server.inside import last_line, run_script
from .server.local import LocalDoccano

BREAK_SECONDS = 30 * 60


@dataclass
class AnnotatorStatus:
    name: str
    role: str
    checked: int
    total: int
    spans: int
    units_per_hour: float | None = None
    active_minutes: float | None = None
    first_check: str | None = None
    last_check: str | None = None
    rate_note: str = ""

    def to_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class ProjectStatus:
    project: str
    project_id: int
    url: str
    total: int
    annotators: list[AnnotatorStatus] = field(default_factory=list)
    agreement: AgreementReport | None = None
    invalid: list[tuple[str, str, str]] = field(default_factory=list)  # (annotator, unit id, problem): not compared
    checked_by_one: int = 0  # units checked by one annotator only: not compared
    trimmed: int = 0  # spans with whitespace at an edge, trimmed before comparing

    def to_dict(self) -> dict:
        pairs = [p.to_dict() for p in self.agreement.pairs] if self.agreement else []
        for pair in pairs:
            pair.pop("per_label", None)
        return {
            "project": self.project,
            "project_id": self.project_id,
            "url": self.url,
            "total_units": self.total,
            "annotators": [a.to_dict() for a in self.annotators],
            "agreement": None
            if self.agreement is None
            else {
                "units_compared": self.agreement.units_compared,
                "units_checked_by_one": self.checked_by_one,
                "units_invalid": [{"annotator": a, "unit_id": u, "problem": p} for a, u, p in self.invalid],
                "spans_trimmed": self.trimmed,
                "f1": self.agreement.overall.f1,
                "mean_pairwise_kappa": self.agreement.mean_kappa,
                "pairs": pairs,
            },
        }


def active_rate(times: Sequence[datetime]) -> tuple[float | None, float]:
    """(units per hour, active minutes) for checks made at ``times``; gaps over BREAK_SECONDS are breaks."""
    times = sorted(times)
    active = sum(gap for gap in ((b - a).total_seconds() for a, b in zip(times, times[1:])) if gap <= BREAK_SECONDS)
    if len(times) < 2 or active <= 0:
        return None, active / 60
    return (len(times) - 1) / (active / 3600), active / 60


def check_times(session: Session, pid: int) -> list[datetime]:
    """When the logged-in member checked each unit they checked (Doccano's ``confirmed_at``)."""
    times = []
    for example in session.examples(pid):
        if example.get("is_confirmed"):
            for state in session.paged(
                f"projects/{pid}/examples/{example['id']}/states", "reading when a unit was checked"
            ):
                times.append(datetime.fromisoformat(state["confirmed_at"].replace("Z", "+00:00")))
    return times


def checked_work(
    session: Session, pid: int, labels: Sequence[str] | None, status: ProjectStatus | None = None
) -> dict[str, dict]:
    """Per member, the units they checked (unit id -> Example with its spans), from an export of checked units.

    Spans are trimmed of edge whitespace as pull trims them; an invalid row is left out and recorded in ``status``.
    """
    with tempfile.TemporaryDirectory(prefix="viner-status-") as tmp:
        exported = read_export(session.export_jsonl(pid, Path(tmp), only_approved=True))
    work: dict[str, dict] = {}
    for name, rows in exported.items():
        mine = work.setdefault(name, {})
        for number, raw in enumerate(rows, start=1):
            row, trims = trim_edges(raw) if isinstance(raw, dict) else (raw, [])
            example, problems = parse_row(row, (f"export of {name}", number), labels)
            if status is not None:
                status.trimmed += len(trims)
                if example is None:
                    why = f"{problems[0].field}: {problems[0].message}" if problems else "invalid row"
                    status.invalid.append((name, row_unit(row) or f"row {number}", why))
            if example is not None:
                meta = unit_meta(example.meta)
                meta[CONFIRMED_KEY] = True
                mine[example.id] = type(example)(
                    example.text, example.spans, id=str(meta.get("unit_id") or example.id), meta=meta
                )
    return {name: {e.id: e for e in units.values()} for name, units in work.items()}


def project_status(
    project: str,
    connection: Connection,
    *,
    annotator_password: str | None = None,
    labels: Sequence[str] | None = None,
    echo: Echo = print,
) -> ProjectStatus:
    session = connection.session
    pid = int(session.require_project(project)["id"])
    members = session.members(pid)
    progress = session.get(f"projects/{pid}/metrics/member-progress", "reading the project's progress")
    spans = session.get(f"projects/{pid}/metrics/span-distribution", "reading the span counts")
    done = {row["user"]: row["done"] for row in progress["progress"]}
    status = ProjectStatus(project, pid, session.url, int(progress["total"]))
    local = connection.local()
    inside = local_check_times(local, project, pid) if local is not None else None
    for name, role in sorted(members.items()):
        if role != "annotator" and not done.get(name) and not sum(spans.get(name, {}).values()):
            continue  # the admin or an approver who did nothing here
        entry = AnnotatorStatus(
            name, role, int(done.get(name, 0)), status.total, int(sum(spans.get(name, {}).values()))
        )
        if entry.checked:
            times = member_times(session, pid, name, inside, annotator_password)
            if isinstance(times, str):
                entry.rate_note = times
            else:
                entry.units_per_hour, entry.active_minutes = active_rate(times)
                if times:
                    entry.first_check, entry.last_check = min(times).isoformat(), max(times).isoformat()
                if entry.units_per_hour is None:
                    entry.rate_note = "needs two checks less than 30 minutes apart"
        status.annotators.append(entry)
    work = checked_work(session, pid, labels, status)
    compared = {name: units for name, units in work.items() if units and name in {a.name for a in status.annotators}}
    if len(compared) >= 2:
        status.agreement = agreement(compared)
        invalid = {unit for _, unit, _ in status.invalid}
        seen = Counter(uid for units in compared.values() for uid in units)
        status.checked_by_one = sum(1 for uid, n in seen.items() if n == 1 and uid not in invalid)
    return status


def member_times(
    session: Session, pid: int, name: str, inside: dict[str, list[datetime]] | None, password: str | None
) -> list[datetime] | str:
    """When ``name`` checked each unit: read inside a local server, else as the member; or why it cannot be read."""
    if inside is not None:
        return inside.get(name, [])
    if name == session.username:
        return check_times(session, pid)
    if not password:
        return (
            "Doccano's API shows check times only to the annotator: run status where `viner doccano serve` runs "
            "(or pass --home), or set DOCCANO_ANNOTATOR_PASSWORD when every annotator has that password"
        )
    try:
        as_member = Session(session.url, name, password, retries=session.retries, role="annotator")
    except VinerError as err:
        return f"cannot log in as {name} to read check times ({err})"
    return check_times(as_member, pid)


def local_check_times(local: LocalDoccano, project: str, pid: int) -> dict[str, list[datetime]]:
    """Every member's check times, read inside the local server (``scripts/check_times.py``)."""
    with tempfile.TemporaryDirectory(prefix="viner-status-") as tmp:
        job = Path(tmp) / "job.json"
        job.write_text(json.dumps({"project": project, "project_id": pid}), encoding="utf-8")
        done = run_script(local.env, local.home, "check_times", {"VINER_JOB": str(job)})
    if done.returncode != 0:
        raise VinerError(
            f"reading check times inside {local.home} failed: {last_line(done.stderr or done.stdout)}; "
            "pass the --home of the server at " + local.url
        )
    times = json.loads(last_line(done.stdout))["times"]
    return {name: [_when(t) for t in values] for name, values in times.items()}


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
