"""Measure every stage at several sizes; print and write the table (bench/out/results.md).

    python bench/run.py --sizes 1000,10000,100000 [--model training/model-best] [--stages ...]

Each stage runs in a fresh process (bench/stage.py), so peak memory is that stage's own.
The three targets are ratios measured in the same run, so a busy machine does not skew them:
  predict / bare nlp.pipe words/s >= 0.90 (1 and 2 processes)
  convert time / spaCy tokenisation time of the same texts <= 1.5
  peak memory at the largest size / at the smallest size <= 1.5 (every stage)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = [
    "corpus_build",
    "validate",
    "tokenize",
    "tokenize_jsonl",
    "convert",
    "convert_plain",
    "export_conll",
    "import_conll",
    "export_hf",
    "evaluate",
    "pipe_1",
    "predict_1",
    "pipe_2",
    "predict_2",
]


def ensure_model(model: str | None) -> str:
    if model:
        return model
    out = ROOT / "bench" / "out" / "model"
    if not (out / "model-best").exists():
        subprocess.run(
            [sys.executable, "-m", "viner", "convert", "annotations/gold", "-o", "bench/out/seed-corpus"],
            cwd=ROOT,
            check=True,
        )
        if not (
            ROOT / "bench" / "out" / "vectors"
        ).exists():  # the config's static vectors, from the seed articles (as make demo)
            subprocess.run(
                [sys.executable, "-m", "viner", "vectors", "corpus/raw", "-o", "bench/out/vectors"],
                cwd=ROOT,
                check=True,
            )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "spacy",
                "train",
                "configs/ner.cfg",
                "--output",
                str(out),
                "--paths.train",
                "bench/out/seed-corpus/train.spacy",
                "--paths.dev",
                "bench/out/seed-corpus/dev.spacy",
                "--paths.vectors",
                "bench/out/vectors",
                "--training.max_steps",
                "300",
            ],
            cwd=ROOT,
            check=True,
        )
    return str(out / "model-best")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--model")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument(
        "--config", default="configs/ner.cfg", help="Training config whose tokenizer convert, tokenize and export use"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="JSON file of figures this run updates (default bench/out/results.json)",
    )
    parser.add_argument(
        "--table", type=Path, nargs="+", help="Only write the table from these result files (later ones win)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="Run every stage this many times, the stages of a size in turn, and keep each stage's fastest run (all runs' seconds are kept too)",
    )
    args = parser.parse_args()
    if args.table:
        merged: dict = {}
        for path in args.table:
            merged.update(load_results(path))
        write_table(merged, sorted({size for _, size in merged}), args, args.model or "bench/out/model/model-best")
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    model = ensure_model(args.model)
    for size in sizes:
        if not (ROOT / "bench" / "out" / str(size) / "gold.jsonl").exists():
            subprocess.run([sys.executable, "bench/make_inputs.py", str(size)], cwd=ROOT, check=True)
    results = load_results(args.results)
    for size in sizes:
        runs: dict[str, list[dict]] = {}
        for _ in range(args.repeat):  # the stages in turn, so a slow spell of the machine hits them alike
            for stage in args.stages.split(","):
                proc = subprocess.run(
                    [sys.executable, "bench/stage.py", stage, str(size), "--model", model, "--config", args.config],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
                if proc.returncode:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    raise SystemExit(f"stage {stage} at {size} failed")
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                runs.setdefault(stage, []).append(result)
                result = dict(min(runs[stage], key=lambda r: r["seconds"]))
                result["runs"] = [r["seconds"] for r in runs[stage]]
                if all(r.get("cpu_seconds") for r in runs[stage]):
                    result["cpu_runs"] = [r["cpu_seconds"] for r in runs[stage]]
                results[(stage, size)] = result
                save_results(results, args.results)
                run = runs[stage][-1]
                rate = (
                    f"{run['words'] / run['seconds']:,.0f} words/s"
                    if run.get("words")
                    else f"{run['units'] / run['seconds']:,.0f} units/s"
                )
                print(
                    f"{stage:>14} {size:>7}: {run['seconds']:8.2f} s  {rate:>18}  peak {max(run['peak_rss_mb'], run['peak_rss_children_mb']):7.0f} MB",
                    flush=True,
                )
    all_sizes = sorted({size for _, size in results})
    write_table(results, all_sizes, args, model)


RESULTS = ROOT / "bench" / "out" / "results.json"


def load_results(path: Path = RESULTS) -> dict[tuple[str, int], dict]:
    """Figures of earlier runs (bench/out/results.json): a run of some stages updates only their rows."""
    if not path.exists():
        return {}
    return {(r["stage"], r["size"]): r for r in json.loads(path.read_text("utf-8"))}


def save_results(results: dict, path: Path = RESULTS) -> None:
    path.write_text(json.dumps(list(results.values()), indent=1) + "\n", encoding="utf-8")


def write_table(results: dict, sizes: list[int], args, model: str) -> None:
    def peak(r: dict) -> float:
        return max(r["peak_rss_mb"], r["peak_rss_children_mb"])

    order = {stage: i for i, stage in enumerate(STAGES)}
    rows = sorted(results.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0][1]))
    lines = [
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; model `{model}`.",
        "",
        "| stage | units | seconds | units/s | words/s | peak MB | peak anon MB | command |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (stage, size), r in rows:
        wps = f"{r['words'] / r['seconds']:,.0f}" if r.get("words") else ""
        anon = f"{r['peak_anon_mb']:.0f}" if r.get("peak_anon_mb") else ""
        lines.append(
            f"| {stage} | {size:,} | {r['seconds']:.2f} | {r['units'] / r['seconds']:,.0f} | {wps} | {peak(r):.0f} | {anon} | `python bench/stage.py {stage} {size} --model MODEL{' --config ' + r['config'] if r.get('config') and r['config'] != 'configs/ner.cfg' else ''}` |"
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]

    def have(*keys) -> bool:
        return all(k in results for k in keys)

    for size in sizes:
        for n in ("1", "2"):
            if have((f"predict_{n}", size), (f"pipe_{n}", size)):
                p, b = results[(f"predict_{n}", size)], results[(f"pipe_{n}", size)]
                ratio = (p["words"] / p["seconds"]) / (b["words"] / b["seconds"])
                lines.append(
                    f"| predict / bare nlp.pipe words/s, {n} process(es), {size:,} units (>= 0.90) | {ratio:.2f} | {'yes' if ratio >= 0.9 else 'NO'} |"
                )
        if have(("convert", size), ("tokenize", size)):
            convert, tokenize = results[("convert", size)], results[("tokenize", size)]
            ratio = convert["seconds"] / tokenize["seconds"]
            runs = len(convert.get("runs", [])) if len(convert.get("runs", [])) == len(tokenize.get("runs", [])) else 0
            how = f", fastest of {runs} runs each" if runs > 1 else ""
            lines.append(
                f"| convert / spaCy tokenisation time, {size:,} units{how} (<= 1.5) | {ratio:.2f} | {'yes' if ratio <= 1.5 else 'NO'} |"
            )
            if runs > 1:
                paired = sorted(c / t for c, t in zip(convert["runs"], tokenize["runs"]))
                lines.append(
                    f"| (each run against the tokenisation run just before it, {size:,} units) | {', '.join(f'{r:.2f}' for r in paired)} | |"
                )
            if convert.get("cpu_seconds") and tokenize.get("cpu_seconds"):
                cpu = convert["cpu_seconds"] / tokenize["cpu_seconds"]
                if convert.get("cpu_runs") and tokenize.get("cpu_runs"):
                    cpu = min(convert["cpu_runs"]) / min(tokenize["cpu_runs"])
                lines.append(f"| (CPU time instead of elapsed time, {size:,} units) | {cpu:.2f} | |")
            if have(("convert_plain", size)):
                plain = results[("convert_plain", size)]
                lines.append(
                    f"| (convert with spaCy's DocBin.add, the fallback, / spaCy tokenisation, {size:,} units) | {plain['seconds'] / tokenize['seconds']:.2f} | |"
                )
                lines.append(
                    f"| (convert with DocBin.add / convert with the fast DocBin writer, {size:,} units) | {plain['seconds'] / convert['seconds']:.2f} | |"
                )
            if have(("tokenize_jsonl", size)):
                lines.append(
                    f"| (convert / spaCy tokenisation of the texts read from the JSONL, {size:,} units) | {convert['seconds'] / results[('tokenize_jsonl', size)]['seconds']:.2f} | |"
                )
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for stage in sorted({stage for stage, _ in results}, key=lambda st: order.get(st, len(order))):
            if have((stage, small), (stage, large)):
                ratio = peak(results[(stage, large)]) / peak(results[(stage, small)])
                lines.append(
                    f"| peak memory {stage}, {large:,} / {small:,} units (<= 1.5) | {ratio:.2f} | {'yes' if ratio <= 1.5 else 'NO'} |"
                )
                a, b = results[(stage, large)].get("peak_anon_mb"), results[(stage, small)].get("peak_anon_mb")
                if a and b:
                    lines.append(
                        f"| peak anonymous memory {stage}, {large:,} / {small:,} units (<= 1.5) | {a / b:.2f} | {'yes' if a / b <= 1.5 else 'NO'} |"
                    )
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "out" / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
