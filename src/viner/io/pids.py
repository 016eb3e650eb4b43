"""Whether the process that wrote a file (its id in the file's name or content) is still running."""

from __future__ import annotations

import os


def pid_alive(pid: object) -> bool:
    """Whether a process with this id runs now on this machine.

    The id comes from a file, so it may be anything: what is not a positive ``int`` is no process (``os.kill``
    would read 0 and -1 as "my group" and "every process"), nor is an id beyond the system's range. A process
    of another user exists (``PermissionError``).
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False  # beyond pid_t: no process has this id
    except PermissionError:
        return True
    return True
