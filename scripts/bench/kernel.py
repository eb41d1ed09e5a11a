"""The PlateShell Jupyter kernel against ipykernel, in the same run, with jupyter_client:

- start: from launching the kernel process to its kernel_info_reply (the client connects first;
  ZeroMQ holds the request until the kernel binds);
- empty cell: an execute_request of an empty cell to its execute_reply and idle status;
- per-cell overhead of a command: the round trip of `describe Pixels_Areas` minus the time the
  command itself took (`timer on` reports it), for PlateShell only.

Prints medians of N runs.

Usage: kernel.py PLATESHELL_BINARY FAULTS_CSV [RUNS]
"""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.session import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from kernel_client import run_cell  # noqa: E402


def connection_file(directory):
    ports = []
    for _ in range(5):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    info = dict(transport="tcp", ip="127.0.0.1", shell_port=ports[0], iopub_port=ports[1], stdin_port=ports[2],
                control_port=ports[3], hb_port=ports[4], key=str(uuid.uuid4()), signature_scheme="hmac-sha256")
    path = Path(directory) / f"kernel-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(info))
    return path


def start(argv, directory):
    """Launches a kernel; returns (process, connected client, seconds to its kernel_info_reply).

    The reply is awaited on a DEALER socket of our own, connected before the launch with a 2 ms
    reconnect interval: with ZeroMQ's default 100 ms, the client's retry after the first refused
    connection, not the kernel, would set the figure.
    """
    path = connection_file(directory)
    info = json.loads(path.read_text())
    context = zmq.Context.instance()
    shell = context.socket(zmq.DEALER)
    shell.setsockopt(zmq.RECONNECT_IVL, 2)
    shell.setsockopt(zmq.LINGER, 0)
    shell.connect(f"tcp://127.0.0.1:{info['shell_port']}")
    session = Session(key=info["key"].encode())
    started = time.perf_counter()
    process = subprocess.Popen([part.replace("{connection_file}", str(path)) for part in argv], cwd=directory,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    session.send(shell, "kernel_info_request", {})
    if not shell.poll(60_000):
        raise RuntimeError(f"no kernel_info_reply from {argv[0]}")
    session.recv(shell)
    seconds = time.perf_counter() - started
    shell.close()
    client = BlockingKernelClient(connection_file=str(path))
    client.load_connection_file()
    client.start_channels()
    return process, client, seconds


def stop(process, client):
    client.shutdown()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    client.stop_channels()


def round_trip(client, code):
    started = time.perf_counter()
    run_cell(client, code, timeout=60)
    return time.perf_counter() - started


def main():
    binary, data = os.path.abspath(sys.argv[1]), sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    directory = tempfile.mkdtemp(prefix="plateshell-kernel-bench-")
    os.makedirs(f"{directory}/data")
    shutil.copy(data, f"{directory}/data/faults.csv")
    kernels = {"plateshell": [binary, "kernel", "-f", "{connection_file}"],
               "ipykernel": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]}
    results = {}
    try:
        for name, argv in kernels.items():
            process, client, _ = start(argv, directory)
            stop(process, client)
            starts = []
            for _ in range(max(5, runs // 3)):
                process, client, seconds = start(argv, directory)
                starts.append(seconds)
                stop(process, client)
            process, client, _ = start(argv, directory)
            client.wait_for_ready(timeout=60)  # iopub subscribed: no cell's messages are missed
            for _ in range(10):
                round_trip(client, "")
            empty = statistics.median(round_trip(client, "") for _ in range(runs * 5))
            results[name] = {"start": statistics.median(starts), "empty": empty}
            if name == "plateshell":
                run_cell(client, "load data/faults.csv as fsp.faults\ntimer on")
                overheads = []
                for _ in range(runs * 2):
                    started = time.perf_counter()
                    _, messages = run_cell(client, "describe Pixels_Areas")
                    total = time.perf_counter() - started
                    text = "".join(m["content"]["data"].get("text/plain", "") for m in messages if m["msg_type"] == "execute_result")
                    own = float(re.search(r"Run Time: real ([0-9.]+) s", text).group(1))
                    overheads.append(total - own)
                results[name]["describe"] = statistics.median(overheads)
            stop(process, client)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"Jupyter kernels, medians ({runs} runs; starts {max(5, runs // 3)} runs)")
    base = results["plateshell"]
    for name, figures in results.items():
        print(f"  {name:<11} start to kernel_info_reply {figures['start'] * 1000:7.1f} ms ({figures['start'] / base['start']:5.2f}x)"
              f"   empty cell {figures['empty'] * 1000:6.2f} ms ({figures['empty'] / base['empty']:5.2f}x)")
    print(f"  plateshell per-cell overhead over 'describe Pixels_Areas' itself: {base['describe'] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
