"""`viner doccano serve|push|pull`: the annotation server and the way in and out of it."""

from __future__ import annotations

import json
import os
from functools import partial
from pathlib import Path

import typer

from ..doccano import messages
from ..doccano.connection import Connection
from ..doccano.pull import pull
from ..doccano.push import PushOptions, push
from ..doccano.server import DEFAULT_HOME, DEFAULT_PORT, admin_credentials, serve
from ..doccano.status import project_status
from ..labels import workspace_folder
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

URL_HELP = "Doccano's address [default: $DOCCANO_URL, else http://127.0.0.1:8000]"
USER_HELP = "Doccano admin user [default: $DOCCANO_ADMIN_USER, else admin]"
PASSWORD_HELP = "Password of the admin user [default: $DOCCANO_ADMIN_PASSWORD]"
HOME_HELP = (
    "Home folder of the `viner doccano serve` serving --url: viner then works straight in its database, for every "
    "annotator with the admin's credentials alone [default: a .doccano serving --url in the current folder or a "
    "folder above; else through the API]"
)


@doccano_app.command("serve")
def serve_cli(
    port: int = Opt(
        DEFAULT_PORT,
        "--port",
        "-p",
        help="Port on 127.0.0.1 to serve on (the server is never reachable from other machines)",
    ),
    home: Path = Opt(
        DEFAULT_HOME,
        "--home",
        help="Folder with the server's database, uploads and logs; a second start on it keeps every project, user and annotation",
    ),
    env: Path | None = Opt(
        None,
        "--env",
        help="Doccano's own Python environment, built there on first use [default: $VINER_DOCCANO_ENV, else ~/.cache/viner/doccano-1.8.4]",
        show_default=False,
    ),
    user: str | None = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    workers: int = Opt(2, "--workers", help="Web server worker processes (each one more Doccano process in memory)"),
) -> None:
    """Run a local Doccano 1.8.4 server in the foreground until Ctrl-C.

    On first use builds Doccano's own environment (about a minute; Doccano and viner need
    different pydantic versions), initialises the database in --home and creates the admin
    from DOCCANO_ADMIN_USER / DOCCANO_ADMIN_PASSWORD. Without a password it generates one and
    prints it once (it is not written anywhere else). Then starts the web server on 127.0.0.1
    and the task worker that runs imports and exports, and waits until the server answers.
    Ctrl-C or SIGTERM stops both processes.
    """
    username, password = admin_credentials(user)
    serve(
        port=port,
        home=home,
        env=env,
        username=username,
        password=password,
        workers=workers,
        echo=msg.text,
        on_ready=partial(messages.server_ready, msg, home=home),
    )


@doccano_app.command("push")
def push_cli(
    file: Path = Arg(
        ...,
        help="Doccano JSONL units (from `viner corpus build`, gold, or a review file from `viner merge`)",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
    project: str = Opt(
        ...,
        "--project",
        help="Doccano project to push to; it must exist unless --create (or the server has no project yet)",
        show_default=False,
    ),
    annotators: str | None = Opt(
        None,
        "--annotators",
        "-a",
        help="Comma-separated annotator accounts to create and add to the project, e.g. alice,bob; new accounts get a generated password, printed once, or DOCCANO_ANNOTATOR_PASSWORD",
        show_default=False,
    ),
    preannotate: str | None = Opt(
        None,
        "--preannotate",
        "-m",
        help="spaCy pipeline (name or folder) whose entities become every annotator's suggestions on units without spans (ner.correct)",
        show_default=False,
    ),
    review: bool = Opt(
        False,
        "--review",
        help="FILE is a review file from `viner merge`: push its conflicts to a review project for adjudication (adjudicators: --annotators, default the admin)",
    ),
    guidelines: Path | None = Opt(
        None,
        "--guidelines",
        help="Markdown guidelines shown in the annotation page [default: the file the label scheme names, else annotations/GUIDELINES.md]; on an existing project they replace its guidelines",
        show_default=False,
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
    patterns: Path | None = Opt(
        None,
        "--patterns",
        help="Patterns JSONL (spaCy EntityRuler format, e.g. from `viner patterns`) whose matches become suggestions too, with or without --preannotate",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
    select_by: str | None = Opt(
        None,
        "--select",
        help="Push only --limit units not in the project yet: 'uncertain' = those the --preannotate model is least sure of (active learning), 'random' = a seeded sample",
        show_default=False,
    ),
    limit: int | None = Opt(
        None, "--limit", help="With --select: how many units this batch pushes", show_default=False
    ),
    seed: int = Opt(0, "--seed", help="With --select random: the sample's seed"),
    create: bool = Opt(False, "--create", help="Create --project when the server has no project of that name"),
    dry_run: bool = Opt(
        False,
        "--dry-run",
        help="Say what the push would upload, select and suggest, to whom and which way; write nothing",
    ),
    home: Path | None = Opt(None, "--home", help=HOME_HELP, show_default=False),
    url: str | None = Opt(None, "--url", help=URL_HELP, show_default=False),
    user: str | None = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    password: str | None = Opt(None, "--password", help=PASSWORD_HELP, show_default=False),
) -> None:
    """Upload units to a Doccano project, with their spans as pre-annotations.

    Uses the sequence-labeling project --project (created with --create, or when the server has
    none yet) with the labels of the label scheme (annotations/labels.json: names, colours, keys;
    PERSON, ORG, GPE, EVENT without one), creates the annotator accounts and memberships, and
    uploads the units that are not there yet (pushing the same file again adds nothing). Spans in
    the file, or the --preannotate model's entities, become each annotator's own suggestions to
    correct; a unit an annotator checked, labelled or emptied is never touched, and one they never
    opened gets the newer suggestions. Says which way the suggestions go (the local server's home,
    or the API); exits with an error status when an annotator got none. With --select and
    --limit, only the next batch goes: the units the model is least sure of (uncertain) or a
    seeded random sample, never one the project already has (docs/doccano.md, "Annotate less").
    """
    options = PushOptions(
        path=file,
        project=project,
        annotators=tuple(a for a in (annotators or "").split(",") if a.strip()),
        preannotate=preannotate,
        patterns=patterns,
        review=review,
        guidelines=guidelines,
        labels=parse_labels(labels),
        select_by=select_by,
        limit=limit,
        seed=seed,
        create=create,
        dry_run=dry_run,
    )
    options.check()
    result = push(options, Connection.from_options(url, user, password, home), echo=msg.text, warn=msg.warn)
    messages.push_summary(msg, result, file)
    if result.refused:
        raise typer.Exit(1)


@doccano_app.command("pull")
def pull_cli(
    project: str = Opt(..., "--project", help="Doccano project to export", show_default=False),
    output: Path | None = Opt(
        None,
        "--output",
        "-o",
        help="Folder in which a new timestamped snapshot folder is created (earlier snapshots are never touched) "
        "[default: annotations/exports of the workspace, the folder above holding annotations/labels.json, from any "
        "sub-folder; else of the current folder]",
        show_default=False,
    ),
    approved_only: bool = Opt(
        False, "--approved-only", help="Export, per annotator, only the units they marked as checked"
    ),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
    url: str | None = Opt(None, "--url", help=URL_HELP, show_default=False),
    user: str | None = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    password: str | None = Opt(None, "--password", help=PASSWORD_HELP, show_default=False),
) -> None:
    """Export every annotator's work into a new snapshot folder, one JSONL per annotator.

    Rows are validated on arrival; an invalid row is kept as exported and listed with file,
    line and field (and in problems.txt) so nothing is lost. Prints each annotator's progress
    (units checked / total). The snapshot is written atomically.
    """
    result = pull(
        project,
        output if output is not None else workspace_folder() / "annotations" / "exports",
        Connection.from_options(url, user, password),
        approved_only=approved_only,
        labels=parse_labels(labels),
        echo=msg.text,
    )
    messages.pull_summary(msg, result)


@doccano_app.command("status")
def status_cli(
    project: str = Opt(..., "--project", help="Doccano project to report on", show_default=False),
    as_json: bool = Opt(False, "--json", help="Print the figures as JSON (for scripts) instead of a table"),
    labels: str | None = Opt(None, "--labels", "-l", help=LABELS_HELP, show_default=False),
    home: Path | None = Opt(None, "--home", help=HOME_HELP, show_default=False),
    url: str | None = Opt(None, "--url", help=URL_HELP, show_default=False),
    user: str | None = Opt(None, "--user", "-u", help=USER_HELP, show_default=False),
    password: str | None = Opt(None, "--password", help=PASSWORD_HELP, show_default=False),
) -> None:
    """How the annotation goes, without a pull: per annotator units checked / total and spans
    (Doccano's own counts), units per hour from Doccano's check timestamps, and agreement so far
    (span F1, kappa) on the units two annotators both checked. On viner's own server the check
    times of every annotator are read inside it with the admin's credentials alone; on another
    server only as each annotator (DOCCANO_ANNOTATOR_PASSWORD). Writes nothing.
    """
    status = project_status(
        project,
        Connection.from_options(url, user, password, home),
        annotator_password=os.environ.get("DOCCANO_ANNOTATOR_PASSWORD") or None,
        labels=parse_labels(labels),
        echo=msg.text,
    )
    if as_json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
    else:
        messages.status_summary(msg, status)
