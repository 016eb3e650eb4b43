"""`python -m viner` runs the `viner` command (used by project.yml, where venv scripts may not be on PATH)."""

import sys

from .cli import main

sys.exit(main())
