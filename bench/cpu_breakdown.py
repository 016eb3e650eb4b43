"""Run a command and attribute the CPU seconds of every process it (and Ray) starts, by process name (used for the
`viner predict --ray` figures of experiments/bench.md: `python bench/cpu_breakdown.py viner predict MODEL UNITS -o OUT --ray`)."""

import collections
import json
import os
import subprocess
import sys
import time

CLK = os.sysconf("SC_CLK_TCK")


def snapshot():
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(pid)] = (cmd, (int(fields[11]) + int(fields[12])) / CLK)
    return out


def group(cmd):
    for key in (
        "raylet",
        "gcs_server",
        "dashboard/agent",
        "runtime_env/agent",
        "log_monitor",
        "monitor.py",
        "dashboard.py",
        "ray::_MapWorker",
        "ray::MapWorker",
        "ray::IDLE",
        "ray::ReadUnits",
        "ray::",
        "default_worker",
        "spacy",
        "viner predict",
    ):
        if key in cmd:
            return key
    return cmd[:60]


before = snapshot()
seen = {}
start = time.time()
proc = subprocess.Popen(sys.argv[1:])
while proc.poll() is None:
    for pid, (cmd, cpu) in snapshot().items():
        if pid not in before or cpu > before[pid][1] or pid in seen:
            seen[pid] = (cmd, cpu - (before[pid][1] if pid in before and before[pid][0] == cmd else 0))
    time.sleep(0.5)
wall = time.time() - start
by = collections.Counter()
for cmd, cpu in seen.values():
    by[group(cmd)] += cpu
print(json.dumps({"wall": round(wall, 1), "cpu": {k: round(v, 1) for k, v in by.most_common() if v > 0.2}}, indent=1))
