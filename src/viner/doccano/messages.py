"""What serve, push and pull tell the user, built from their results.

The functions write through any printer with wasabi-like methods (``good``, ``info``,
``warn``, ``text``, ``table``): the command line passes its own.
"""

from __future__ import annotations

from pathlib import Path

from ..console import PROBLEMS_SHOWN, Printer
from .pull import PullResult
from .push import PushResult
from .server.admin import AdminResult
from .server.processes import Server


def server_ready(out: Printer, server: Server, admin: AdminResult, home: Path) -> None:
    """The admin account's state (with a generated password, shown only now) and the server's URL."""
    if admin.status == "created" and admin.password:
        out.info(f"Created the admin {admin.username!r} with the password: {admin.password}")
        out.text("This password is shown only now; keep it (export DOCCANO_ADMIN_PASSWORD=... for the other commands).")
    elif admin.status == "created":
        out.info(f"Created the admin {admin.username!r} with the password from DOCCANO_ADMIN_PASSWORD")
    elif admin.status == "exists-other-password":
        out.warn(
            f"DOCCANO_ADMIN_PASSWORD is not the password of {admin.username!r} in {home}; viner never resets it: "
            "use the password set at the first start, or change it in Doccano's admin pages"
        )
    elif admin.status == "not-admin":
        out.warn(f"user {admin.username!r} exists in {home} but is not an admin; push and pull need an admin account")
    out.good(f"Doccano is ready at {server.url}/ (log in as {admin.username!r})")
    out.text(f"Other terminals: export DOCCANO_URL={server.url}   Stop with Ctrl-C.")


def push_summary(out: Printer, result: PushResult, file: Path) -> None:
    """Accounts created, what could not be suggested and why, per-annotator counts, and one line on the units."""
    would = "would be " if result.dry_run else ""
    for name, secret in result.accounts_created.items():
        if result.dry_run:
            out.info(f"Annotator account {name!r} would be created")
        elif secret:
            out.info(f"Created annotator {name!r} with the password: {secret}  (shown only now)")
        else:
            out.info(f"Created annotator {name!r} with the password from DOCCANO_ANNOTATOR_PASSWORD")
    if result.dry_run and result.members_added:
        out.info(f"Would be added to the project as annotators: {', '.join(result.members_added)}")
    if result.dry_run and result.labels_created:
        out.info(f"Labels that would be created: {', '.join(result.labels_created)}")
    for name, why in result.refused.items():
        out.warn(
            f"no suggestions {would}created for {name}: {why}; push again once that is fixed (nothing is duplicated)"
        )
    if result.model_labels_skipped:
        skipped = ", ".join(f"{label} x{n}" for label, n in result.model_labels_skipped.most_common())
        out.warn(f"model entities not pushed (label not in the project): {skipped}")
    if result.duplicates:
        out.warn(f"{result.duplicates} duplicate unit(s) in {file} (same text as an earlier line) skipped")
    suggested = result.suggested
    if suggested is not None and suggested.tallies:
        way = f"straight in {suggested.home}" if suggested.way == "local" else "through the API"
        rows = [
            (name, t.suggested, f"{t.new} / {t.replaced} / {t.completed}", t.spans, t.same, t.worked_on)
            for name, t in suggested.tallies.items()
        ]
        out.table(
            rows,
            header=(
                "annotator",
                "units suggested" + (" (dry run)" if result.dry_run else ""),
                "new / replaced / completed",
                "spans",
                "already had them",
                "worked on, left alone",
            ),
            divider=True,
        )
        out.text(
            f"Suggestions {way}. replaced: units the annotator never opened, given the newer suggestions; completed: "
            "units a stopped push left half-suggested; worked on: checked, edited or emptied by the annotator."
        )
    out.good(units_line(result))


def units_line(result: PushResult) -> str:
    """One consistent account of the units: what was sent of the file, and why the rest was not."""
    where = f"open {result.url}/projects/{result.project_id}" if result.project_id is not None else "a new project"
    if result.dry_run:
        project = f"{result.project!r} ({'would be created' if result.project_created else 'exists'})"
        head = f"Dry run, nothing written: {project}: {result.uploaded} unit(s) would be uploaded"
    else:
        head = f"{result.project!r}{' (created)' if result.project_created else ''}: {result.uploaded} unit(s) uploaded"
    if result.selection is not None:
        chosen = result.selection
        left = chosen.candidates - len(chosen.units)
        return (
            f"{head} ({len(chosen.units)} selected of the {chosen.candidates} not in the project yet; "
            f"{result.in_project} of the file's {result.file_units} already there; {left} left for later batches); {where}"
        )
    return f"{head}, {result.in_project} already there; {where}"


def pull_summary(out: Printer, result: PullResult) -> None:
    """The first problems (all are in problems.txt) and the snapshot written."""
    for problem in result.problems[:PROBLEMS_SHOWN]:
        out.warn(str(problem))
    if len(result.problems) > PROBLEMS_SHOWN:
        out.warn(f"... and {len(result.problems) - PROBLEMS_SHOWN} more (see {result.snapshot / 'problems.txt'})")
    if result.trimmed:
        out.info(
            f"{len(result.trimmed)} span(s) had whitespace at an edge and were trimmed (not a disagreement); "
            f"each original span is listed in {result.snapshot / 'problems.txt'}"
        )
    if result.problems:
        out.warn(
            f"{len(result.problems)} problem(s) in rows kept as exported: have them fixed in Doccano and pull again, "
            "or leave those units out with `viner agree`/`viner merge --skip-invalid`"
        )
    out.good(
        f"Snapshot {result.snapshot} ({len(result.annotators)} annotator file(s), {result.total_units} units in the project)"
    )


def status_summary(out: Printer, status) -> None:
    """Per annotator progress and pace, then agreement so far (viner doccano status)."""
    rows = []
    for a in status.annotators:
        rate = f"{a.units_per_hour:,.0f}" if a.units_per_hour is not None else "-"
        rows.append(
            (
                a.name,
                f"{a.checked}/{a.total}",
                a.spans,
                rate,
                f"{a.active_minutes:.0f}" if a.active_minutes is not None else "-",
            )
        )
    if rows:
        out.table(rows, header=("annotator", "checked", "spans", "units/hour", "active min"), divider=True)
    for a in status.annotators:
        if a.rate_note:
            out.text(f"{a.name}: no rate: {a.rate_note}")
    if status.agreement is None:
        out.text("Agreement: not yet (needs units checked by two annotators)")
    else:
        report = status.agreement
        kappa = f", mean kappa {report.mean_kappa:.3f}" if report.mean_kappa is not None else ""
        out.text(
            f"Agreement so far on {report.units_compared} unit(s) checked by two annotators: span F1 {report.overall.f1:.3f}{kappa}"
        )
        for pair in report.pairs:
            if pair.units:
                out.text(
                    f"  {pair.a} / {pair.b}: {pair.units} unit(s), span F1 {pair.overall.f1:.3f}"
                    + (f", kappa {pair.kappa:.3f}" if pair.kappa is not None else "")
                )
    if status.checked_by_one:
        out.text(f"Not compared: {status.checked_by_one} unit(s) checked by one annotator only so far")
    for name, unit, problem in status.invalid:
        out.warn(
            f"Not compared: {name}'s checked unit {unit} has an invalid row ({problem}); {name} fixes it in Doccano, "
            "or `viner agree`/`merge --skip-invalid` leave it out"
        )
    if status.trimmed:
        out.text(f"{status.trimmed} span(s) with whitespace at an edge compared trimmed (pull trims them too)")
    out.good(f"{status.project!r}: {status.total} unit(s); open {status.url}/projects/{status.project_id}")
