"""`viner predict --ray` on a real Ray runtime: the rows of `viner predict`, an actor killed mid-run, bad input,
a cluster joined by address, and the message when the extra is missing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import ray

from helpers import NAMES, PLACES, tiny_ner
from viner.distributed import predict_on_ray
from viner.doccano.server import free_port

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_runtime():
    """One local runtime of 2 CPUs for the module (viner reuses a runtime its process is connected to)."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ray-model") / "tiny"
    tiny_ner().to_disk(out)
    return out


def write_units(path: Path, count: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(start, start + count):
            text = f"Hôm nay ông {NAMES[i % len(NAMES)]} đã đến {PLACES[(i // 6) % len(PLACES)]} lần {i} ."
            handle.write(json.dumps({"text": text, "label": [], "meta": {"n": i}}, ensure_ascii=False) + "\n")
    return path


def rows(path: Path) -> list[str]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    return [line for file in files for line in file.read_text("utf-8").splitlines()]


def test_ray_writes_the_rows_of_viner_predict_in_order(tmp_path, model, ray_runtime, run_cli):
    units = write_units(tmp_path / "units.jsonl", 300)
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text(json.dumps({"label": "GPE", "pattern": "Hôm nay"}, ensure_ascii=False) + "\n", encoding="utf-8")
    for extra in ([], ["--scores"], ["--patterns", patterns]):
        code, out = run_cli("predict", model, units, "-o", tmp_path / "plain.jsonl", "--force", *extra)
        assert code == 0, out
        code, out = run_cli(
            "predict",
            model,
            units,
            "-o",
            tmp_path / "ray.jsonl",
            "--force",
            "--ray",
            "--actors",
            "2",
            "--batch-size",
            "32",
            *extra,
        )
        assert code == 0, out
        assert rows(tmp_path / "ray.jsonl") == rows(tmp_path / "plain.jsonl")
        assert "300 units" in out
    predicted = [json.loads(line) for line in rows(tmp_path / "ray.jsonl")]
    assert all(
        row["label"] for row in predicted
    )  # the model and the patterns found entities: the comparison means something


def test_a_folder_of_shards_in_and_out(tmp_path, model, ray_runtime, run_cli):
    shards = tmp_path / "units"
    shards.mkdir()
    for n in range(3):
        write_units(shards / f"part-{n}.jsonl", 70, start=70 * n)
    run_cli("predict", model, shards, "-o", tmp_path / "plain.jsonl")
    code, out = run_cli("predict", model, shards, "-o", tmp_path / "out", "--ray", "--shard-size", "100")
    assert code == 0, out
    assert [p.name for p in sorted((tmp_path / "out").iterdir())] == [
        "part-00000.jsonl",
        "part-00001.jsonl",
        "part-00002.jsonl",
    ]
    assert rows(tmp_path / "out") == rows(tmp_path / "plain.jsonl")


def actor_pids() -> list[int]:
    """Process ids of Ray Data's map actors on this machine (Ray names the process after the actor)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::MapWorker"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_an_actor_killed_mid_run_is_replaced_and_every_unit_comes_out_once(tmp_path, model, ray_runtime):
    units = write_units(tmp_path / "units.jsonl", 6000)
    from viner.predict import predict

    predict(str(model), [units], tmp_path / "plain.jsonl")
    halfway, result = threading.Event(), {}

    def progress(stats):
        if stats.units >= 1000:
            halfway.set()

    def run():
        try:
            result["stats"] = predict_on_ray(
                str(model), [units], tmp_path / "ray.jsonl", actors=2, batch_size=32, progress=progress, every=100
            )
        except BaseException as err:
            result["error"] = err

    worker = threading.Thread(target=run)
    worker.start()
    assert halfway.wait(300), result
    before = actor_pids()  # the second actor may still be starting: one running actor is enough to kill
    assert before, "no Ray Data actor process found mid-run"
    os.kill(before[0], signal.SIGKILL)
    worker.join(600)
    assert "error" not in result, result
    assert result["stats"].units == 6000
    after = rows(tmp_path / "ray.jsonl")
    assert after == rows(tmp_path / "plain.jsonl")
    assert len({json.loads(line)["meta"]["n"] for line in after}) == 6000
    assert before[0] not in actor_pids()


def test_bad_input_stops_with_the_error_of_viner_predict_and_writes_nothing(tmp_path, model, ray_runtime, run_cli):
    units = write_units(tmp_path / "units.jsonl", 50)
    lines = units.read_text("utf-8").splitlines()
    lines[30] = '{"text": "Hà Nội", "label": [[0, 99, "GPE"]]}'
    units.write_text("\n".join(lines) + "\n", encoding="utf-8")
    previous = tmp_path / "out.jsonl"
    previous.write_text('{"text": "earlier units", "label": []}\n', encoding="utf-8")
    code, plain = run_cli("predict", model, units, "-o", previous)
    code_ray, on_ray = run_cli("predict", model, units, "-o", previous, "--ray")
    assert code == code_ray == 1
    # viner's own lines: not its "Ray: " progress, nor the runtime's "(raylet)" notices (a worker it restarted on a
    # loaded machine), which are Ray's, not viner's
    errors = [line for line in on_ray.splitlines() if not line.startswith("Ray: ") and "(raylet)" not in line]
    assert errors == plain.splitlines() and f"{units}:31: label" in plain
    assert previous.read_text("utf-8") == '{"text": "earlier units", "label": []}\n'
    code, out = run_cli("predict", model, units, "-o", tmp_path / "x.jsonl", "--actors", "2")
    assert code == 1 and "add --ray" in out
    code, out = run_cli("predict", model, units, "-o", tmp_path / "x.jsonl", "--ray", "--actors", "3")
    assert code == 1 and "--actors 3: the Ray runtime has 2 CPU(s)" in out


def test_the_command_starts_its_own_runtime_or_joins_a_cluster(tmp_path, model):
    """In fresh processes, as a user runs it: a local runtime sized to the machine, then a head started with `ray start`."""
    units = write_units(tmp_path / "units.jsonl", 40)
    viner = [sys.executable, "-m", "viner", "predict", str(model), str(units)]
    subprocess.run([*viner, "-o", str(tmp_path / "plain.jsonl")], check=True, capture_output=True)
    local = subprocess.run(
        [*viner, "-o", str(tmp_path / "local.jsonl"), "--ray"], capture_output=True, text=True, timeout=300
    )
    assert local.returncode == 0, local.stderr
    assert f"local runtime, {os.cpu_count()} CPU(s), {os.cpu_count()} actor(s)" in local.stdout
    assert rows(tmp_path / "local.jsonl") == rows(tmp_path / "plain.jsonl")

    port = free_port()
    temp = tempfile.mkdtemp(prefix="vr", dir="/tmp")  # short: Ray's socket paths live under it
    head = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ray")),
            "start",
            "--head",
            "--block",
            "--node-ip-address",
            "127.0.0.1",
            "--port",
            str(port),
            "--num-cpus",
            "1",
            "--include-dashboard",
            "false",
            "--temp-dir",
            temp,
            "--disable-usage-stats",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, head)
        joined = subprocess.run(
            [*viner, "-o", str(tmp_path / "cluster.jsonl"), "--ray", "--address", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop_group(head)  # `ray stop` would stop every Ray process of the machine: stop this head's process group only
        shutil.rmtree(temp, ignore_errors=True)
    assert joined.returncode == 0, joined.stderr
    assert f"cluster at 127.0.0.1:{port}, 1 CPU(s), 1 actor(s)" in joined.stdout
    assert rows(tmp_path / "cluster.jsonl") == rows(tmp_path / "plain.jsonl")


def map_workers() -> list[int]:
    """PIDs of Ray Data actor processes on this machine (named ray::MapWorker(...) by Ray)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(b"ray::MapWorker"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_kill_stops_the_actors_and_writes_nothing(tmp_path, model):
    """SIGTERM (kill, timeout, a scheduler) mid-run: it ends as every viner command does, Ray shut down with its
    actors, no output, no temporary file."""
    units = write_units(tmp_path / "units.jsonl", 200_000)
    before = set(map_workers())
    command = [
        sys.executable,
        "-m",
        "viner",
        "predict",
        str(model),
        str(units),
        "-o",
        str(tmp_path / "out.jsonl"),
        "--ray",
    ]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (set(map_workers()) - before):
        time.sleep(0.5)
    assert set(map_workers()) - before, "the actors never started"
    time.sleep(5)  # annotating
    run.send_signal(signal.SIGTERM)
    output = run.communicate(timeout=120)[0]
    assert run.returncode == 143 and "terminated; outputs are written atomically" in output, (
        output
    )  # as every viner command
    assert "SIGTERM received" not in output  # Ray's own handler (exit 15 and a C++ stack dump) is not the command's
    time.sleep(3)
    assert not set(map_workers()) - before, f"actors left running after the kill:\n{output}"
    assert list(tmp_path.iterdir()) == [units]  # neither the output nor a temporary file


def wait_for_port(port: int, head: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert head.poll() is None, "ray start --head exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(3)  # the GCS answers before the head's raylet has registered its CPU
                return
        time.sleep(0.5)
    raise AssertionError(f"the Ray head did not open port {port} within {seconds} s")


def stop_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            continue
        time.sleep(2)  # the group's other processes follow the `ray start` process


def test_without_the_extra_the_message_says_how_to_install_it(tmp_path, model, run_cli, monkeypatch):
    units = write_units(tmp_path / "units.jsonl", 3)
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where the extra is not installed
    code, out = run_cli("predict", model, units, "-o", tmp_path / "x.jsonl", "--ray")
    assert code == 1
    assert 'pip install "viner[ray]"' in out and len(out.strip().splitlines()) == 1
    assert not (tmp_path / "x.jsonl").exists()
