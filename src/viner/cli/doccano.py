"""`viner doccano serve|push|pull`: the annotation server and the way in and out of it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from ..doccano import server as doccano_server
from ..doccano.pull import pull
from ..doccano.push import DEFAULT_GUIDELINES, push
from ._util import LABELS_HELP, Arg, Opt, app, msg, parse_labels

doccano_app = typer.Typer(
    name="doccano",
    help=(
        "Annotate in Doccano: run a local server, push units (with pre-annotations) and pull every annotator's work. "
        "push and pull find the server through DOCCANO_URL, DOCCANO_ADMIN_USER and DOCCANO_ADMIN_PASSWORD "
        "(--url, --user and --password override them)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(doccano_app, name="doccano")

def say(text: str) -> None:
    """Print and flush at once (serve runs for hours; its output is often piped or logged)."""
    msg.text(text)
    sys.stdout.flush()


URL_HELP = "Doccano's address [default: $DOCCANO_URL, else http://127.0.0.1:8000]"
USER_HELP = "Doccano admin user [default: $DOCCANO_ADMIN_USER, else admin]"
PASSWORD_HELP = "Password of the admin user [default: $DOCCANO_ADMIN_PASSWORD]"


@doccano_app.command("serve")
def serve_cli(
    port: int = Opt(doccano_server.DEFAULT_PORT, "--port", "-p", help="Port on 127.0.0.1 to serve on (the server is never reachable from other machines)"),
    home: Path = Opt(doccano_server.DEFAULT_HOME, "--home", help="Folder with the server's database, uploads and logs; a second start on it keeps every project, user and annotation"),
    env: Optional[Path] = Opt(None, "--env", help="Doccano's own Python environment, built there on first use [default: $VINER_DOCCANO_ENV, else ~/.cache/viner/doccano-1.8.4]", show_default=False),
    user: Optional[str] = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    workers: int = Opt(2, "--workers", help="Web server worker processes (each takes ~150 MB)"),
) -> None:
    """Run a local Doccano 1.8.4 server in the foreground until Ctrl-C.

    On first use builds Doccano's own environment (about a minute; Doccano and viner need
    different pydantic versions), initialises the database in --home and creates the admin
    from DOCCANO_ADMIN_USER / DOCCANO_ADMIN_PASSWORD. Without a password it generates one and
    prints it once (it is not written anywhere else). Then starts the web server on 127.0.0.1
    and the task worker that runs imports and exports, and waits until the server answers.
    Ctrl-C or SIGTERM stops both processes.
    """
    username = user or os.environ.get("DOCCANO_ADMIN_USER") or "admin"
    password = os.environ.get("DOCCANO_ADMIN_PASSWORD") or None

    def ready(server: doccano_server.Server, admin: doccano_server.AdminResult) -> None:
        if admin.status == "created" and admin.password:
            msg.info(f"Created the admin {admin.username!r} with the password: {admin.password}")
            msg.text("This password is shown only now; keep it (export DOCCANO_ADMIN_PASSWORD=... for the other commands).")
        elif admin.status == "created":
            msg.info(f"Created the admin {admin.username!r} with the password from DOCCANO_ADMIN_PASSWORD")
        elif admin.status == "exists-other-password":
            msg.warn(
                f"DOCCANO_ADMIN_PASSWORD is not the password of {admin.username!r} in {home}; viner never resets it: "
                "use the password set at the first start, or change it in Doccano's admin pages"
            )
        elif admin.status == "not-admin":
            msg.warn(f"user {admin.username!r} exists in {home} but is not an admin; push and pull need an admin account")
        msg.good(f"Doccano is ready at {server.url}/ (log in as {admin.username!r})")
        say(f"Other terminals: export DOCCANO_URL={server.url}   Stop with Ctrl-C.")

    doccano_server.serve(port=port, home=home, env=env, username=username, password=password, workers=workers, echo=say, on_ready=ready)


@doccano_app.command("push")
def push_cli(
    file: Path = Arg(..., help="Doccano JSONL units (from `viner corpus build`, gold, or a review file from `viner merge`)", exists=True, dir_okay=False, show_default=False),
    project: str = Opt(..., "--project", help="Doccano project to create or reuse", show_default=False),
    annotators: Optional[str] = Opt(None, "--annotators", "-a", help="Comma-separated annotator accounts to create and add to the project, e.g. alice,bob; new accounts get a generated password, printed once, or DOCCANO_ANNOTATOR_PASSWORD", show_default=False),
    preannotate: Optional[str] = Opt(None, "--preannotate", "-m", help="spaCy pipeline (name or folder) whose entities become every annotator's suggestions on units without spans (ner.correct)", show_default=False),
    review: bool = Opt(False, "--review", help="FILE is a review file from `viner merge`: push its conflicts to a review project for adjudication (adjudicators: --annotators, default the admin)"),
    guidelines: Path = Opt(DEFAULT_GUIDELINES, "--guidelines", help="Markdown guidelines shown as the project's description and guideline (used when the project is created)"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help=f"{LABELS_HELP} [default: PERSON,ORG,GPE,EVENT]", show_default=False),
    url: Optional[str] = Opt(None, "--url", help=URL_HELP, show_default=False),
    user: Optional[str] = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    password: Optional[str] = Opt(None, "--password", help=PASSWORD_HELP, show_default=False),
) -> None:
    """Upload units to a Doccano project, with their spans as pre-annotations.

    Creates or reuses a sequence-labeling project with PERSON, ORG, GPE and EVENT, creates
    the annotator accounts and memberships, and uploads the units that are not there yet
    (pushing the same file again adds nothing). Spans in the file, or the --preannotate
    model's entities, become each annotator's own suggestions to correct; a unit an
    annotator already labelled or checked is never touched.
    """
    names = [a for a in (annotators or "").split(",") if a.strip()]
    result = push(file, project, annotators=names, preannotate=preannotate, review=review, guidelines=guidelines,
                  labels=parse_labels(labels), echo=msg.text, url=url, user=user, password=password)
    for name, secret in result.accounts_created.items():
        if secret:
            msg.info(f"Created annotator {name!r} with the password: {secret}  (shown only now)")
        else:
            msg.info(f"Created annotator {name!r} with the password from DOCCANO_ANNOTATOR_PASSWORD")
    for name, why in result.no_login.items():
        msg.warn(f"no suggestions created for {name}: {why}; push again once that is fixed (nothing is duplicated)")
    if result.model_labels_skipped:
        skipped = ", ".join(f"{label} x{n}" for label, n in result.model_labels_skipped.most_common())
        msg.warn(f"model entities not pushed (label not in the project): {skipped}")
    if result.duplicates:
        msg.warn(f"{result.duplicates} duplicate unit(s) in {file} (same text as an earlier line) skipped")
    rows = [(name, result.suggested_units.get(name, 0), result.suggested_spans.get(name, 0), result.kept_units.get(name, 0)) for name in result.suggested_spans]
    if rows:
        msg.table(rows, header=("annotator", "units pre-annotated", "spans", "left alone"), divider=True)
    msg.good(
        f"{project!r}: {result.uploaded} unit(s) uploaded, {result.already_there} already there"
        f"; open {result.url}/projects/{result.project_id}"
    )


@doccano_app.command("pull")
def pull_cli(
    project: str = Opt(..., "--project", help="Doccano project to export", show_default=False),
    output: Path = Opt(Path("annotations/exports"), "--output", "-o", help="Folder in which a new timestamped snapshot folder is created (earlier snapshots are never touched)"),
    approved_only: bool = Opt(False, "--approved-only", help="Export, per annotator, only the units they marked as checked"),
    labels: Optional[str] = Opt(None, "--labels", "-l", help=f"{LABELS_HELP} [default: PERSON,ORG,GPE,EVENT]", show_default=False),
    url: Optional[str] = Opt(None, "--url", help=URL_HELP, show_default=False),
    user: Optional[str] = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    password: Optional[str] = Opt(None, "--password", help=PASSWORD_HELP, show_default=False),
) -> None:
    """Export every annotator's work into a new snapshot folder, one JSONL per annotator.

    Rows are validated on arrival; an invalid row is kept as exported and listed with file,
    line and field (and in problems.txt) so nothing is lost. Prints each annotator's progress
    (units checked / total). The snapshot is written atomically.
    """
    result = pull(project, output, approved_only=approved_only, labels=parse_labels(labels), echo=msg.text, url=url, user=user, password=password)
    for problem in result.problems[:50]:
        msg.warn(str(problem))
    if len(result.problems) > 50:
        msg.warn(f"... and {len(result.problems) - 50} more (see {result.snapshot / 'problems.txt'})")
    if result.problems:
        msg.warn(f"{len(result.problems)} invalid row(s) kept as exported; fix them in Doccano and pull again before `viner agree`/`merge`")
    msg.good(f"Snapshot {result.snapshot} ({len(result.annotators)} annotator file(s), {result.total_units} units in the project)")
