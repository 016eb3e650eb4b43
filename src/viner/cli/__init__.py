"""The `viner` command. Each module registers its commands on the shared typer app.

Commands only wire options to library functions and print results; errors the
user can fix are printed as one line (``--debug`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

import click
import typer

from ..errors import InvalidInput, VinerError
from . import (  # noqa: F401  (each module registers its commands on the app)
    agreement,
    compare,
    convert,
    corpus,
    curve,
    doccano,
    evaluate,
    formats,
    merge,
    names,
    patterns,
    predict,
    pretrain,
    silver,
    validate,
    vectors,
)
from ._util import Opt, app, fail, print_problems

# typer >= 0.20 raises its own copy of click's exceptions (typer._click); catch both.
_typer_click: ModuleType
try:
    from typer._click import exceptions as _typer_click
except ImportError:  # pragma: no cover - older typer uses click itself
    _typer_click = click.exceptions
_EXIT = tuple(
    {
        click.exceptions.Exit,
        getattr(typer, "Exit", click.exceptions.Exit),
        getattr(_typer_click, "Exit", click.exceptions.Exit),
    }
)
_ABORT = tuple(
    {
        click.exceptions.Abort,
        getattr(typer, "Abort", click.exceptions.Abort),
        getattr(_typer_click, "Abort", click.exceptions.Abort),
    }
)
_NO_ARGS = tuple(m.NoArgsIsHelpError for m in (click.exceptions, _typer_click) if hasattr(m, "NoArgsIsHelpError"))
_CLICK_ERRORS = (click.ClickException, _typer_click.ClickException)


def _usage_message(err) -> str:
    """A click usage error as one line: what is wrong and where to get help."""
    text = " ".join(err.format_message().split())
    ctx = getattr(err, "ctx", None)
    if ctx is not None and isinstance(err, (click.UsageError, getattr(_typer_click, "UsageError", click.UsageError))):
        return f"{ctx.command_path}: {text} (see `{ctx.command_path} --help`)"
    return text


@app.callback()
def _root(
    debug: bool = Opt(
        False,
        "--debug",
        help="Show the full Python traceback of an error instead of a one-line message (or set VINER_DEBUG=1)",
    ),
) -> None:
    """viner: build a custom Vietnamese named-entity model (PERSON, ORG, GPE, EVENT) end to end."""


class Terminated(BaseException):
    """SIGTERM arrived (``kill``, ``timeout``, a job scheduler, ``docker stop``).

    Raised in the main thread so that every open atomic write removes its temporary file,
    as on Ctrl-C; without it Python dies at once and leaves the temporary files behind.
    """


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:  # a forked worker (nlp.pipe with n_process > 1): die as usual
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `viner` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VINER_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    with _sigterm_raises():
        return _run(args, debug)


def _run(args: list[str], debug: bool) -> int:
    try:
        result = app(args=args, prog_name="viner", standalone_mode=False)
    except InvalidInput as err:
        if debug:
            raise
        print_problems(err)
        fail(
            f"{len(err.problems)} problem(s) in the input; nothing was written" + (f"; {err.hint}" if err.hint else "")
        )
        return 1
    except VinerError as err:
        if debug:
            raise
        fail(str(err))
        return err.exit_code
    except _EXIT as err:
        return err.exit_code
    except _ABORT:
        fail("aborted")
        return 130
    except _NO_ARGS as err:
        err.show()
        return err.exit_code
    except _CLICK_ERRORS as err:
        if debug:
            raise
        fail(_usage_message(err))
        return err.exit_code
    except KeyboardInterrupt:
        fail("interrupted; outputs are written atomically, so earlier files are intact")
        return 130
    except Terminated:
        fail("terminated; outputs are written atomically, so earlier files are intact")
        return 143
    except BrokenPipeError:
        return 0
    except OSError as err:
        if debug:
            raise
        where = f"{err.filename}: " if err.filename else ""
        fail(f"{where}{err.strerror or err}; nothing was replaced (outputs are written atomically)")
        return 1
    except Exception as err:  # a bug: still one line, the traceback with --debug
        if debug:
            raise
        fail(
            f"internal error ({type(err).__name__}: {' '.join(str(err).split())}); rerun with --debug for the traceback and please report it"
        )
        return 70
    return result if isinstance(result, int) else 0
