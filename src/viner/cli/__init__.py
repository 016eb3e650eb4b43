"""The `viner` command. Each module registers its commands on the shared typer app.

Commands only wire options to library functions and print results; errors the
user can fix are printed as one line (``--debug`` shows the traceback).
"""

from __future__ import annotations

import os
import sys

import click

from ..errors import InvalidInput, VinerError
from ._util import Opt, app, fail, print_problems

from . import corpus  # noqa: E402,F401  (registers commands)
from . import validate  # noqa: E402,F401
from . import convert  # noqa: E402,F401
from . import evaluate  # noqa: E402,F401
from . import compare  # noqa: E402,F401
from . import formats  # noqa: E402,F401
from . import curve  # noqa: E402,F401
from . import predict  # noqa: E402,F401
from . import doccano  # noqa: E402,F401
from . import agreement  # noqa: E402,F401


@app.callback()
def _root(
    debug: bool = Opt(False, "--debug", help="Show the full Python traceback of an error instead of a one-line message (or set VINER_DEBUG=1)"),
) -> None:
    """viner: build a custom Vietnamese named-entity model (PERSON, ORG, GPE, EVENT) end to end."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `viner` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("VINER_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        result = app(args=args, prog_name="viner", standalone_mode=False)
    except InvalidInput as err:
        if debug:
            raise
        print_problems(err)
        fail(f"{len(err.problems)} problem(s) in the input; nothing was written")
        return 1
    except VinerError as err:
        if debug:
            raise
        fail(str(err))
        return err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except click.exceptions.Abort:
        fail("aborted")
        return 130
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except KeyboardInterrupt:
        fail("interrupted; outputs are written atomically, so earlier files are intact")
        return 130
    except BrokenPipeError:
        return 0
    return result if isinstance(result, int) else 0
