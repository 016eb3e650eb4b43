"""`viner doccano push` with suggestions for 2 annotators, and `viner doccano pull`, against a real local Doccano.

    python bench/push.py [--sizes 1000,10000] [--api-sizes 1000]

Starts `viner doccano serve` on a free loopback port with a fresh home under bench/out/doccano-home, then, for
each size, pushes bench/out/SIZE/gold.jsonl (made by make_inputs.py: every unit has its gold spans, which
become each annotator's suggestions) to a new project for the annotators alice and bob, each command in a
fresh process, timed from start to exit (upload, checks and suggestions): once with suggestions written
straight into the server's database (`--home`, viner.doccano.local_suggestions) and, for --api-sizes only, through
Doccano's API (one request per span per annotator: 10,000 units would take about 25 minutes). Then pulls
each project. Writes bench/out/push.json and push.md; the target of issue 16 is 10,000 units with
suggestions for 2 annotators in at most 3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

from make_inputs import make  # noqa: E402

from viner.doccano.server import free_port  # noqa: E402

PASSWORD = "bench-admin-Pw-1"
ANNOTATORS = "alice,bob"


def serve(home: Path, port: int, environ: dict) -> subprocess.Popen:
    log = (OUT / "doccano-serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "viner", "doccano", "serve", "--port", str(port), "--home", str(home)],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if "Doccano is ready" in (OUT / "doccano-serve.log").read_text(encoding="utf-8", errors="replace"):
            return server
        if server.poll() is not None:
            raise SystemExit(f"viner doccano serve exited: see {OUT / 'doccano-serve.log'}")
        time.sleep(1)
    raise SystemExit("Doccano did not start in 15 minutes")


def timed(args: list[str], environ: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "viner", *args], env=environ, cwd=OUT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"viner {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return round(seconds, 1), done.stdout


def spans_in(stdout: str) -> int:
    return sum(int(n) for n in re.findall(r"(\d+) suggested span\(s\)", stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--api-sizes", default="1000", help="sizes also pushed through the API (slow)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    api_sizes = {int(s) for s in args.api_sizes.split(",") if s}
    for size in sizes:
        if not (OUT / str(size) / "gold.jsonl").exists():
            make(size, OUT / str(size))
    home = OUT / "doccano-home"
    shutil.rmtree(home, ignore_errors=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCCANO_")}
    environ.update(
        DOCCANO_ADMIN_USER="admin",
        DOCCANO_ADMIN_PASSWORD=PASSWORD,
        DOCCANO_ANNOTATOR_PASSWORD=PASSWORD + "a",
        DOCCANO_URL=url,
    )
    server = serve(home, port, environ)
    rows = []
    try:
        for size in sizes:
            gold = OUT / str(size) / "gold.jsonl"
            for way in ["bulk"] + (["api"] if size in api_sizes else []):
                project = f"{way}-{size}"
                extra = ["--home", str(home)] if way == "bulk" else []
                seconds, stdout = timed(
                    [
                        "doccano",
                        "push",
                        str(gold),
                        "--project",
                        project,
                        "--create",
                        "--annotators",
                        ANNOTATORS,
                        *extra,
                    ],
                    environ,
                )
                spans = spans_in(stdout)
                pull_seconds, _ = timed(
                    ["doccano", "pull", "--project", project, "--output", str(OUT / "pulls" / project)], environ
                )
                rows.append(
                    {
                        "units": size,
                        "suggestions": "database (--home)" if way == "bulk" else "API",
                        "push_seconds": seconds,
                        "spans": spans,
                        "spans_per_second": round(spans / seconds),
                        "pull_seconds": pull_seconds,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    (OUT / "push.json").write_text(
        json.dumps({"machine": platform.node(), "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        "| units | suggestions written | push (s) | spans for 2 annotators | spans/s | pull (s) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['units']:,} | {r['suggestions']} | {r['push_seconds']} | {r['spans']:,} | {r['spans_per_second']:,} | {r['pull_seconds']} |"
        for r in rows
    ]
    (OUT / "push.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
