"""One session with a Doccano server over doccano-client 1.2.8: retries, clear errors, checked tasks.

Everything viner asks Doccano goes through :class:`Session`, which uses doccano-client's
public calls wherever they do the job; where they fall short, a comment at the place says
what they get wrong. The session adds:

- connection errors and 429/502/503/504 answers are retried with exponential backoff,
  and every request has a timeout (an adapter mounted on the requests session
  doccano-client uses; requests that may have reached the server are only retried when
  they are idempotent);
- every failure becomes one :class:`~viner.errors.VinerError` line that says what failed
  and what to do (server down, wrong password, missing permission, failed task);
- imports are sent with ``encoding="utf_8"`` (without it Doccano guesses the encoding with
  chardet and can store Vietnamese as mojibake) and import/export tasks are polled with a
  timeout and checked for errors (doccano-client returns failed tasks as if they succeeded);
- the project's examples are listed 200 to a page (doccano-client asks for Doccano's
  default page of 5).
"""

from __future__ import annotations

import contextlib
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from doccano_client import DoccanoClient
from doccano_client.exceptions import DoccanoAPIError
from doccano_client.models.data_download import Option as DownloadOption
from doccano_client.repositories.base import BaseRepository
from doccano_client.repositories.data_download import DataDownloadRepository
from doccano_client.repositories.data_upload import DataUploadRepository
from pydantic import ValidationError

from ...errors import VinerError
from ..scripts.suggestion_rule import Held, held
from .http import RetryingAdapter, error_detail, first_error

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_USER = "admin"
PAGE = 200  # examples per listing request (Doccano's default page holds 5)
TIMEOUT = 60  # seconds for any one request
SEQUENCE_LABELING = "SequenceLabeling"


def settings(url: str | None = None, username: str | None = None, password: str | None = None) -> tuple[str, str, str]:
    """Resolve the server and admin credentials: options first, then DOCCANO_URL / DOCCANO_ADMIN_USER / DOCCANO_ADMIN_PASSWORD."""
    url = (url or os.environ.get("DOCCANO_URL") or DEFAULT_URL).rstrip("/")
    username = username or os.environ.get("DOCCANO_ADMIN_USER") or DEFAULT_USER
    password = password if password is not None else os.environ.get("DOCCANO_ADMIN_PASSWORD")
    if not password:
        raise VinerError(
            f"no password for Doccano user {username!r}: set DOCCANO_ADMIN_PASSWORD (or pass --password); "
            "`viner doccano serve` printed it at the first start when it generated one"
        )
    return url, username, password


class Session:
    """A logged-in doccano-client session with retries and one-line errors.

    ``client`` is the doccano-client ``DoccanoClient``; ``api`` is the
    ``BaseRepository`` it sends every request through (doccano-client keeps it in a
    private attribute and has no public way to reach it). viner uses ``api`` only where
    a public call falls short, and says why at each place.
    """

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        retries: int | None = None,
        backoff: float = 0.5,
        task_timeout: float | None = None,
        login: bool = True,
        role: str = "admin",
    ) -> None:
        self.url = url.rstrip("/")
        self.username = username
        self.role = role  # "admin" (the lead, from DOCCANO_ADMIN_*) or "annotator": what a refused login names
        self.retries = int(os.environ.get("VINER_DOCCANO_RETRIES", 4)) if retries is None else retries
        self.task_timeout = (
            float(os.environ.get("VINER_DOCCANO_TASK_TIMEOUT", 600)) if task_timeout is None else task_timeout
        )
        self.client = DoccanoClient(self.url)
        self.api: BaseRepository = self.client._base_repository
        # doccano-client 1.2.8 sends every request without a timeout and without retries, and
        # offers no setting for either. Measured: against a socket that accepts the connection
        # and never answers, client.login() was still blocked after 30 s; a 503 (a restarting
        # server) was raised after its one request, in 0.00 s. So viner mounts one adapter
        # (retries + a default timeout) on the requests session doccano-client sends through.
        adapter = RetryingAdapter(self.retries, backoff, TIMEOUT)
        self.api._session.mount("http://", adapter)
        self.api._session.mount("https://", adapter)
        if login:
            self.login(password)

    # -- errors -------------------------------------------------------------------------

    @contextlib.contextmanager
    def call(self, what: str) -> Iterator[None]:
        """Run API calls; turn any failure into one VinerError line naming ``what``."""
        try:
            yield
        except VinerError:
            raise
        except DoccanoAPIError as err:
            raise VinerError(self._explain(what, err.response)) from err
        except requests.exceptions.ConnectionError as err:
            raise VinerError(
                f"cannot reach Doccano at {self.url} while {what} (gave up after {self.retries} retries); "
                "start it with `viner doccano serve` or set DOCCANO_URL / --url to the running server"
            ) from err
        except requests.exceptions.Timeout as err:
            raise VinerError(
                f"Doccano at {self.url} did not answer in time while {what}; check the server and retry"
            ) from err
        except requests.exceptions.RequestException as err:
            raise VinerError(f"request to Doccano at {self.url} failed while {what}: {err}") from err
        except ValidationError as err:  # doccano-client could not read Doccano's answer into its models
            raise VinerError(
                f"Doccano at {self.url} answered something doccano-client cannot read while {what}: {first_error(err)}"
            ) from err

    def _explain(self, what: str, response: requests.Response | None) -> str:
        if response is None:
            return f"Doccano at {self.url} failed while {what}"
        code = response.status_code
        detail = error_detail(response)
        if code in (401, 403):
            return (
                f"Doccano refused {what} for user {self.username!r} (HTTP {code}{': ' + detail if detail else ''}); "
                "log in as an admin of the project (DOCCANO_ADMIN_USER / DOCCANO_ADMIN_PASSWORD, or --user / --password)"
            )
        if code == 404:
            return f"Doccano at {self.url} has no such resource while {what} (HTTP 404); check DOCCANO_URL and the project name"
        if code >= 500:
            return f"Doccano at {self.url} had an internal error while {what} (HTTP {code}); see the server log (.doccano/logs/webserver.log) and retry"
        return f"Doccano rejected {what} (HTTP {code}{': ' + detail if detail else ''})"

    # -- session ------------------------------------------------------------------------

    def login(self, password: str) -> None:
        try:
            with self.call(f"logging in as {self.username!r}"):
                self.client.login(self.username, password)
        except VinerError as err:
            response = getattr(err.__cause__, "response", None)
            if response is not None and response.status_code in (400, 401, 403):
                check = (
                    "check DOCCANO_ADMIN_USER / DOCCANO_ADMIN_PASSWORD (or --user / --password)"
                    if self.role == "admin"
                    else "it is not DOCCANO_ANNOTATOR_PASSWORD; run the command where `viner doccano serve` runs "
                    "(or pass --home), which needs no annotator password"
                )
                raise VinerError(
                    f"Doccano at {self.url} refused the login of {self.username!r}: wrong user name or password; {check}"
                ) from err
            raise

    def get(self, resource: str, what: str, **params: Any) -> Any:
        """A GET of any API resource (``projects/1``, ``tasks/status/<id>``) as decoded JSON."""
        with self.call(what):
            return self.api.get(resource, params=params or None).json()

    def paged(self, resource: str, what: str, **params: Any) -> Iterator[dict]:
        """Every item of a paginated list, :data:`PAGE` items per request."""
        offset = 0
        while True:
            page = self.get(resource, what, limit=PAGE, offset=offset, **params)
            if isinstance(page, list):
                yield from page
                return
            yield from page["results"]
            offset += len(page["results"])
            if not page.get("next") or not page["results"]:
                return

    # -- users, projects, labels ----------------------------------------------------------

    def find_user(self, username: str) -> dict | None:
        with self.call(f"looking up user {username!r}"):
            users = self.client.search_users(username)
        return next((u.dict() for u in users if u.username == username), None)

    def create_user(self, username: str, password: str) -> None:
        with self.call(f"creating user {username!r}"):
            self.client.create_user(username, password)

    def projects(self) -> list[dict]:
        with self.call("listing projects"):
            return [project.dict() for project in self.client.list_projects()]

    def find_project(self, name: str) -> dict | None:
        matches = [p for p in self.projects() if p["name"] == name]
        if len(matches) > 1:
            raise VinerError(f"Doccano has {len(matches)} projects named {name!r}; rename all but one in Doccano")
        return matches[0] if matches else None

    def require_project(self, name: str) -> dict:
        project = self.find_project(name)
        if project is None:
            names = ", ".join(sorted(p["name"] for p in self.projects())) or "none"
            raise VinerError(
                f"Doccano at {self.url} has no project {name!r} (projects: {names}); push units first with `viner doccano push`"
            )
        if project.get("project_type") != SEQUENCE_LABELING:
            raise VinerError(
                f"Doccano project {name!r} is a {project.get('project_type')} project; viner needs a sequence-labeling project"
            )
        return project

    def create_project(self, name: str, description: str, guideline: str) -> dict:
        with self.call(f"creating project {name!r}"):
            project = self.client.create_project(
                name,
                project_type=SEQUENCE_LABELING,
                description=description,
                guideline=guideline,
                collaborative_annotation=False,
                allow_overlapping=False,
                grapheme_mode=False,
                use_relation=False,
            )
        return {"id": project.id, "name": name, "project_type": SEQUENCE_LABELING}

    def update_guidelines(self, project_id: int, description: str, guideline: str) -> None:
        with self.call("updating the project's guidelines"):
            self.client.update_project(project_id, description=description, guideline=guideline)

    def span_types(self, project_id: int) -> dict[str, int]:
        """label -> id of the project's span labels."""
        with self.call("listing the project's labels"):
            return {t.text: t.id for t in self.client.list_label_types(project_id, "span")}

    def create_span_type(self, project_id: int, text: str, color: str, key: str | None) -> None:
        with self.call(f"creating label {text}"):
            self.client.create_label_type(project_id, "span", text, suffix_key=key, color=color)

    def members(self, project_id: int) -> dict[str, str]:
        """username -> role name."""
        with self.call("listing the project's members"):
            return {m.username: m.rolename for m in self.client.list_members(project_id)}

    def add_member(self, project_id: int, username: str, role: str) -> None:
        with self.call(f"adding {username!r} to the project as {role}"):
            self.client.add_member(project_id, username, role)

    # -- examples and spans -----------------------------------------------------------------

    def examples(self, project_id: int) -> list[dict]:
        """Every example of the project (``is_confirmed`` is the logged-in user's).

        Not ``client.list_examples``: it follows Doccano's default page of 5 examples per
        request. Measured on 1,000 units: 200 requests and 4.8 s with it, 5 requests and
        2.4 s here (200 per page); a push lists the project's examples up to three times.
        """
        return list(self.paged(f"projects/{project_id}/examples", "listing the project's units"))

    def spans(self, project_id: int, example_id: int) -> list[dict]:
        with self.call(f"reading the spans of example {example_id}"):
            return [span.dict() for span in self.client.list_spans(project_id, example_id)]

    def held_spans(self, project_id: int, example_id: int) -> list[Held]:
        """The logged-in user's spans on an example as the suggestion rule sees them (doccano-client's Span model
        drops the creation and update times the rule needs, so they are read from the API's own listing)."""
        return [
            held(
                s["id"], s["start_offset"], s["end_offset"], s["label"], s.get("prob"), s["created_at"], s["updated_at"]
            )
            for s in self.paged(
                f"projects/{project_id}/examples/{example_id}/spans", f"reading the spans of example {example_id}"
            )
        ]

    def delete_span(self, project_id: int, example_id: int, span_id: int) -> None:
        with self.call(f"deleting a suggestion on example {example_id}"):
            self.client.delete_span(project_id, example_id, span_id)

    def create_span(
        self, project_id: int, example_id: int, start: int, end: int, label_id: int, prob: float = 0.0
    ) -> dict:
        with self.call(f"creating a span on example {example_id}"):
            return self.client.create_span(
                project_id, example_id, start, end, label_id, human_annotated=False, confidence=prob
            ).dict()

    def update_meta(self, project_id: int, example_id: int, meta: dict) -> None:
        """Replace an example's metadata (a project admin's right)."""
        with self.call(f"updating the metadata of example {example_id}"):
            self.client.update_example(project_id, example_id, meta=meta)

    # -- tasks --------------------------------------------------------------------------------
    # doccano-client's upload() sends no encoding: Doccano then guesses it with chardet and
    # stored "Việt Nam" as mojibake (test_encoding_pitfall_is_real_and_push_avoids_it shows it
    # on every run). Its upload() and download() also wait for their celery task with one GET
    # a second for up to 3,600 s, and upload() returns a failed task without raising.
    # Measured: a failing import came back from upload() as a normal return (ready=True, the
    # error only inside the status); with the task worker paused, download() was still
    # waiting after 30 s, where export_jsonl below stopped at its 5 s task timeout with a line
    # that names the worker. So viner drives the same two repositories step by step over the
    # client's connection: it sends the encoding, polls the task itself with a timeout
    # (VINER_DOCCANO_TASK_TIMEOUT) and turns a failed task into an error.

    def wait_task(self, task_id: str, what: str, progress: Callable[[float], None] | None = None) -> Any:
        """Poll a celery task until it is ready; a failed task or a timeout is an error."""
        started = time.monotonic()
        delay = 0.25
        while True:
            status = self.get(f"tasks/status/{task_id}", f"checking the {what} task")
            if status.get("ready"):
                if status.get("error"):
                    text = status["error"].get("text") if isinstance(status["error"], dict) else status["error"]
                    raise VinerError(
                        f"Doccano's {what} task failed: {text}; see the worker log (.doccano/logs/worker.log)"
                    )
                return status.get("result")
            waited = time.monotonic() - started
            if waited > self.task_timeout:
                raise VinerError(
                    f"Doccano's {what} task did not finish within {self.task_timeout:.0f} s; "
                    "is the task worker running? `viner doccano serve` starts it (see .doccano/logs/worker.log)"
                )
            if progress:
                progress(waited)
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    def import_jsonl(self, project_id: int, path: Path) -> list[dict]:
        """Upload a JSONL file as UTF-8 and wait for the import; returns the rows Doccano rejected."""
        repo = DataUploadRepository(self.api)
        with self.call(f"uploading {path.name}"):
            upload_id = repo.upload(str(path))
        with self.call(f"importing {path.name}"):
            task_id = repo.ingest(
                project_id,
                [upload_id],
                SEQUENCE_LABELING,
                "JSONL",
                column_data="text",
                column_label="label",
                encoding="utf_8",
            )
        result = self.wait_task(task_id, "import")
        errors = (result or {}).get("error", []) if isinstance(result, dict) else []
        return list(errors)

    def export_jsonl(self, project_id: int, folder: Path, *, only_approved: bool) -> Path:
        """Run Doccano's JSONL export (one file per member) and download the zip into ``folder``."""
        repo = DataDownloadRepository(self.api)
        what = "export of confirmed units" if only_approved else "export"
        with self.call(f"starting the {what}"):
            task_id = repo.schedule_download(project_id, DownloadOption(name="JSONL"), only_approved)
        self.wait_task(task_id, what)
        with self.call(f"downloading the {what}"):
            path = repo.download(project_id, task_id, str(folder))
        if not zipfile.is_zipfile(path):
            raise VinerError(f"Doccano's {what} did not return a zip file; retry the pull")
        return path


def connect(url: str | None = None, username: str | None = None, password: str | None = None, **kwargs: Any) -> Session:
    """Log in with options or the DOCCANO_* environment variables."""
    url, username, password = settings(url, username, password)
    return Session(url, username, password, **kwargs)
