"""When each member of a project checked each unit (run by viner.doccano.status on a local server).

Doccano's API shows a unit's "checked" states only to the member who checked it; inside the server viner reads
them for every member, so `viner doccano status` needs only the lead's credentials. The job (VINER_JOB, JSON) names
the project (id and name); prints one JSON object: {"times": {username: [ISO time, ...]}} or {"error": ...}.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    sys.path.insert(0, os.environ["VINER_BACKEND"])
    import django

    django.setup()
    from examples.models import ExampleState
    from projects.models import Project

    with open(os.environ["VINER_JOB"], encoding="utf-8") as handle:
        job = json.load(handle)
    project = Project.objects.filter(id=job["project_id"]).first()
    if project is None or project.name != job["project"]:
        print(json.dumps({"error": "project"}))
        return 3
    times: dict[str, list[str]] = {}
    states = ExampleState.objects.filter(example__project=project).values_list("confirmed_by__username", "confirmed_at")
    for name, when in states:
        times.setdefault(name, []).append(when.isoformat())
    print(json.dumps({"times": times}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
