"""`viner predict --ray` against `viner predict` on the same input, in one run: throughput and Ray's start-up cost.

    python bench/predict_ray.py --size 100000 [--model bench/out/model/model-best] [--startup-units 100]

Each command runs in a fresh process, in turn: `viner predict -n 1`, `-n 2`, `--ray --actors 1`, `--ray --actors 2`
over bench/out/SIZE/gold.jsonl (made by make_inputs.py). Throughput is words per second of wall time, from the
command's start to its exit: what a user waits, Ray's start-up included. Ray's start-up cost is measured apart,
on the first --startup-units units: the wall time of `--ray --actors 2` minus that of `viner predict -n 1` (local
runtime, actors, model shipped and loaded, shutdown). Writes bench/out/predict-ray.json and .md; the target of
issue 18 is the ratio of 2 actors to `viner predict -n 2`, at least 0.9.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

from make_inputs import make  # noqa: E402
from run import ensure_model  # noqa: E402

RUNS = {
    "predict -n 1": ["-n", "1"],
    "predict -n 2": ["-n", "2"],
    "ray, 1 actor": ["--ray", "--actors", "1"],
    "ray, 2 actors": ["--ray", "--actors", "2"],
}


def timed(model: str, units: Path, options: list[str], output: Path) -> dict:
    """Run one `viner predict` in a fresh process; its wall seconds and the words it reports."""
    command = [sys.executable, "-m", "viner", "predict", model, str(units), "-o", str(output), "--force", *options]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr or done.stdout}")
    found = re.search(r"(\d+) units, (\d+) entities, ([\d,]+) words", done.stdout)
    units_done, words = int(found.group(1)), int(found.group(3).replace(",", ""))
    return {
        "seconds": round(seconds, 2),
        "units": units_done,
        "words": words,
        "words_per_second": round(words / seconds),
    }


def head(source: Path, lines: int, target: Path) -> Path:
    with source.open(encoding="utf-8") as handle, target.open("w", encoding="utf-8") as out:
        for _, line in zip(range(lines), handle):
            out.write(line)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--model")
    parser.add_argument("--startup-units", type=int, default=100)
    args = parser.parse_args()
    model = ensure_model(args.model)
    units = OUT / str(args.size) / "gold.jsonl"
    if not units.exists():
        make(args.size, units.parent)
    small = head(units, args.startup_units, OUT / f"ray-startup-{args.startup_units}.jsonl")

    results = {
        "size": args.size,
        "model": model,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "runs": {},
    }
    for name, options in RUNS.items():
        results["runs"][name] = timed(model, units, options, OUT / "pred-ray-bench.jsonl")
        print(f"{name}: {results['runs'][name]}", flush=True)
    plain = timed(model, small, ["-n", "1"], OUT / "pred-ray-small.jsonl")
    on_ray = timed(model, small, ["--ray", "--actors", "2"], OUT / "pred-ray-small.jsonl")
    results["startup"] = {
        "units": args.startup_units,
        "predict_seconds": plain["seconds"],
        "ray_seconds": on_ray["seconds"],
        "ray_cost_seconds": round(on_ray["seconds"] - plain["seconds"], 2),
    }
    (OUT / "predict-ray.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    runs = results["runs"]
    lines = [
        f"`viner predict` and `viner predict --ray`, {args.size:,} units, one run ({results['machine']})",
        "",
        "| command | wall seconds | words | words/s (wall) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {r['seconds']:,.1f} | {r['words']:,} | {r['words_per_second']:,} |" for name, r in runs.items()
    ]
    ratio_1 = runs["ray, 1 actor"]["words_per_second"] / runs["predict -n 1"]["words_per_second"]
    ratio_2 = runs["ray, 2 actors"]["words_per_second"] / runs["predict -n 2"]["words_per_second"]
    start = results["startup"]
    lines += [
        "",
        f"- 1 actor / `predict -n 1`: {ratio_1:.2f}",
        f"- 2 actors / `predict -n 2`: {ratio_2:.2f} (target >= 0.90: {'met' if ratio_2 >= 0.9 else 'NOT met'})",
        f"- Ray's start-up cost ({start['units']} units): {start['ray_seconds']:.1f} s with `--ray --actors 2` against "
        f"{start['predict_seconds']:.1f} s without: {start['ray_cost_seconds']:.1f} s",
    ]
    (OUT / "predict-ray.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
