"""Two configs compared over several seeds at once: `viner compare`'s paired bootstrap with the seeds pooled.

`viner compare A.json B.json` compares one run with one run. With seed noise of about ±1.3 F1, configs/README.md
compares each config over two seeds; this pools them: for every dev document, the strict tp/fp/fn of all of A's
runs are summed, and the same for B's (the runs of one config must be scored on the same dev documents), then
F1(B) - F1(A) is bootstrapped over the documents as `viner compare` does (10,000 resamples, seed 0). The interval
says whether the difference between these runs holds beyond the choice of dev sentences; it does not cover seeds
that were not run.

    python configs/tools/pooled_compare.py --a evaluate/reports/words-s0-vlsp-dev.json evaluate/reports/words-s1-vlsp-dev.json \
        --b evaluate/reports/beam-s0-vlsp-dev.json evaluate/reports/beam-s1-vlsp-dev.json

Prints a Markdown table to paste into configs/README.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from viner.evaluation.bootstrap import paired_bootstrap
from viner.evaluation.compare import _labels, paired_counts
from viner.evaluation.report import load_report


def pooled(a_files: list[Path], b_files: list[Path]) -> tuple[dict, list[str]]:
    if len(a_files) != len(b_files) or not a_files:
        raise SystemExit("give as many --a reports as --b reports (one per seed, in the same seed order)")
    reports_a, reports_b = [load_report(p) for p in a_files], [load_report(p) for p in b_files]
    labels = _labels([*reports_a, *reports_b])
    total_a = total_b = None
    for report_a, report_b, path_a, path_b in zip(reports_a, reports_b, a_files, b_files):
        # each run of B is paired with the first run of A, so every run's rows come in the same document order
        first = paired_counts(reports_a[0], report_a, labels, a_files[0], path_a)
        second = paired_counts(reports_a[0], report_b, labels, a_files[0], path_b)
        if first is None or second is None:
            raise SystemExit("a report has no per-document predictions (evaluate it again with this viner)")
        total_a = first[1] if total_a is None else total_a + first[1]
        total_b = second[1] if total_b is None else total_b + second[1]
    return paired_bootstrap(total_a, total_b, labels), labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, nargs="+", required=True, help="reports of the baseline config, one per seed")
    parser.add_argument("--b", type=Path, nargs="+", required=True, help="reports of the other config, the same seeds in the same order")
    args = parser.parse_args()
    result, labels = pooled(args.a, args.b)
    print(f"| pooled over {len(args.a)} seeds | F1 A | F1 B | ΔF1 (95% interval) | verdict |")
    print("|---|---:|---:|---|---|")
    for name, row in [("overall", result["overall"]), *((label, result["per_label"][label]) for label in labels)]:
        low, high = row["ci"]
        print(f"| {name} | {100 * row['f1_a']:.1f} | {100 * row['f1_b']:.1f} | {100 * row['delta']:+.1f} ({100 * low:+.1f} to {100 * high:+.1f}) | {row['verdict']} |")


if __name__ == "__main__":
    main()
