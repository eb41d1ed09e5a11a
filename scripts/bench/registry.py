"""What the team registry costs (issue 10), measured in one run against a real `mlflow server` on loopback.

1. The three notebooks replayed into a fresh workspace without a server, and with the server as the
   registry of record (MLFLOW_TRACKING_URI): wall time of the process, which with the server includes
   waiting at exit until the outbox is delivered. Alternating, median of REPEATS; the ratio. Then the
   same against a server on a host of its own (a network namespace, scripts/lib/hosts.py) pinned to
   one core with taskset, the replays on another host: the server no longer shares the replay's
   cores or loopback (skipped, and said, where namespaces cannot be made).
2. `plateshell serve models:/et-fsp-model/Production` in a fresh workspace on the same server: time
   from the start of the process to the first answer to POST /invocations, with a cold model cache
   (the version is downloaded and verified) and warm (the second start).
The time from an alias move to the first answer of the new version is measured by
Tests/CrossCheck/serving_replicas.py --bench N (two replicas on their own hosts).

Usage: registry.py PLATESHELL_BINARY FAULTS_CSV [REPEATS]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from hosts import Hosts, on_host, wait  # noqa: E402
from peers import free_port, start_tracking_server, stop_process_group, top3_rows  # noqa: E402

# The first three (data, models, tracking and registry): the measure stays comparable with earlier runs;
# 04-monitoring adds one registration and its monitoring, not the registry's cost.
NOTEBOOKS = sorted(str(p) for p in (Path(__file__).resolve().parents[2] / "scripts" / "notebooks").glob("0[1-3]*.plsh"))


def replay(binary, scratch, workspace, env, prefix=()):
    """Replays the notebooks in SCRATCH (notebook 1 loads data/faults.csv from there) into a fresh workspace;
    PREFIX runs it on another host (`ip netns exec NS`)."""
    started = time.perf_counter()
    result = subprocess.run([*prefix, binary, "--workspace", workspace, "run", *NOTEBOOKS], capture_output=True, text=True,
                            env=env, cwd=scratch)
    if result.returncode != 0:
        sys.exit(f"the replay failed: {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return time.perf_counter() - started


def first_answer(binary, workspace, env, body):
    """Seconds from starting `plateshell serve` to its first 200 from /invocations."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([binary, "--workspace", workspace, "serve", "models:/et-fsp-model/Production", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        while time.perf_counter() - started < 120:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.01)
        sys.exit("plateshell serve did not answer within 120 s")
    finally:
        stop_process_group(process)


def server_on_its_own_host(binary, scratch, local, repeats):
    """The replays against an mlflow server on a network-namespace host pinned to core 1, the replays on
    a client host: median of REPEATS, alternating with replays without a server on the client host."""
    hosts = Hosts(["server", "client"])
    if not hosts.isolated:
        print(f"  server on its own host: skipped, network namespaces cannot be made here ({hosts.reason})")
        return
    try:
        port = free_port()
        server, uri, log = start_tracking_server(scratch, name="mlflow-netns", host=hosts.address["server"], port=port,
                                                 prefix=("taskset", "-c", "1", *hosts.prefix("server")))
        try:
            wait(lambda: on_host(hosts, "client", [sys.executable, "-c",
                                                   f"import urllib.request; urllib.request.urlopen('{uri}/health', timeout=2)"]).returncode == 0,
                 "mlflow server on its own host", log, server)
            remote = dict(local, MLFLOW_TRACKING_URI=uri)
            walls = {"catalog": [], "server": []}
            for index in range(repeats):
                for mode, env in (("catalog", local), ("server", remote)):
                    walls[mode].append(replay(binary, scratch, f"{scratch}/netns-{mode}-{index}", env, hosts.prefix("client")))
            alone, shared = statistics.median(walls["catalog"]), statistics.median(walls["server"])
            print(f"  three notebooks, the server on its own host pinned to one core: workspace catalog {alone:.2f} s, "
                  f"mlflow server {shared:.2f} s (median of {repeats}) -> {shared / alone:.2f}x")
        finally:
            stop_process_group(server)
    finally:
        hosts.delete()


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with tempfile.TemporaryDirectory() as scratch:
        os.makedirs(f"{scratch}/data")
        os.symlink(data, f"{scratch}/data/faults.csv")
        server, uri, _ = start_tracking_server(scratch)
        try:
            local = dict(os.environ)
            local.pop("MLFLOW_TRACKING_URI", None)
            remote = dict(local, MLFLOW_TRACKING_URI=uri)
            walls = {"catalog": [], "server": []}
            for index in range(repeats):
                for mode, env in (("catalog", local), ("server", remote)):
                    walls[mode].append(replay(binary, scratch, f"{scratch}/{mode}-{index}", env))
            alone, shared = statistics.median(walls["catalog"]), statistics.median(walls["server"])
            print(f"  three notebooks: workspace catalog {alone:.2f} s, mlflow server as the registry of record {shared:.2f} s "
                  f"(median of {repeats}, delivery included) -> {shared / alone:.2f}x")
            features, _ = top3_rows(data)
            body = json.dumps({"dataframe_split": {"columns": list(features.columns), "data": features.head(1).values.tolist()}}).encode()
            cold = first_answer(binary, f"{scratch}/replica", remote, body)
            warm = first_answer(binary, f"{scratch}/replica", remote, body)
            print(f"  serve models:/et-fsp-model/Production from the server to the first answer: cold cache {cold:.2f} s, warm {warm:.2f} s")
        finally:
            stop_process_group(server)
        server_on_its_own_host(binary, scratch, local, repeats)


if __name__ == "__main__":
    main()
