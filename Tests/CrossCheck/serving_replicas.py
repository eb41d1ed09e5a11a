"""Serving replicas on several hosts follow the team's registry (issue 10).

The test makes its own hosts: network namespaces joined by veth pairs to a bridge in a namespace of
its own (10.77.0.0/24; no address outside the namespaces it made). One host runs `mlflow server`, two
hosts each run `plateshell serve models:/fsp@champion` with a workspace of their own, and a client
host registers three versions (PlateShell, through the server), then sends requests to both replicas
from several threads while a Python MlflowClient moves the `champion` alias 1 → 2 → 3. Both replicas
switch, no request fails, and each client thread's answers never go back to an older version. Where
namespaces cannot be made (not root, no CAP_NET_ADMIN), the same runs on loopback ports and says so.

With --bench N it also moves the alias N times (cycling through the versions) and prints the time from
each move to the first answer of the new version on each replica: median and worst.

Usage: serving_replicas.py PLATESHELL_BINARY FAULTS_CSV [--bench N]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from hosts import Hosts, on_host, wait  # noqa: E402
from peers import FAULTS, exit_on_failures, free_port, start_tracking_server, stop_process_group, top3_rows  # noqa: E402

MODEL = "fsp"
POLL = "0.5"


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    bench = int(sys.argv[sys.argv.index("--bench") + 1]) if "--bench" in sys.argv else 0
    failures = []
    hosts = Hosts(["mlflow", "r1", "r2", "client"])
    print("  hosts: network namespaces 10.77.0.1-4 on a bridge" if hosts.isolated
          else f"  hosts: loopback ports (network namespaces could not be made: {hosts.reason})")
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o755)
        port = 5000 if hosts.isolated else free_port()
        server, _, server_log = start_tracking_server(scratch, host=hosts.address["mlflow"], port=port, prefix=hosts.prefix("mlflow"))
        uri = f"http://{hosts.address['mlflow']}:{port}"
        replicas = []
        try:
            wait(lambda: on_host(hosts, "client", [sys.executable, "-c", f"import urllib.request; urllib.request.urlopen('{uri}/health', timeout=2)"]).returncode == 0,
                 "mlflow server on its host", server_log)
            env = dict(os.environ, MLFLOW_TRACKING_URI=uri)
            registered = on_host(hosts, "client", [binary, "--workspace", f"{scratch}/trainer", "-c",
                                                   f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; "
                                                   f"fit nb; register nb as {MODEL}; fit dt max_depth=3; register dt as {MODEL}; "
                                                   f"fit dt max_depth=6; register dt as {MODEL}; alias {MODEL} 1 champion"], env=env)
            if registered.returncode != 0:
                sys.exit(f"registering on {uri} failed:\n{registered.stdout[-2000:]}\n{registered.stderr[-2000:]}")
            for name in ("r1", "r2"):
                serve_port = 5001 if hosts.isolated else free_port()
                log = f"{scratch}/{name}.log"
                process = subprocess.Popen(hosts.prefix(name) + [binary, "--workspace", f"{scratch}/{name}", "serve", f"models:/{MODEL}@champion",
                                                                 "--host", hosts.address[name], "--port", str(serve_port), "--poll", POLL],
                                           stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
                replicas.append((name, process, f"http://{hosts.address[name]}:{serve_port}", log))
            for name, process, url, log in replicas:
                wait(lambda: on_host(hosts, "client", [sys.executable, "-c", f"import urllib.request; urllib.request.urlopen('{url}/ping', timeout=2)"]).returncode == 0,
                     f"plateshell serve on {name}", log, process)
            result = on_host(hosts, "client", [sys.executable, __file__, "--client", uri, data, str(bench)] + [url for _, _, url, _ in replicas])
            if result.returncode != 0:
                sys.exit(f"the client failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            report = json.loads(result.stdout.strip().splitlines()[-1])
            failures += report["failures"]
            print(f"  {report['requests']} requests to 2 replicas while champion moved 1 → 2 → 3: {report['failed']} failed, "
                  f"switch seen after {report['switch']} s")
            if bench:
                lags = report["lags"]
                print(f"  alias move → first answer of the new version ({len(lags)} switches over {bench} moves, poll {POLL} s): "
                      f"median {statistics.median(lags):.2f} s, worst {max(lags):.2f} s")
        finally:
            for _, process, _, _ in replicas:
                stop_process_group(process)
            stop_process_group(server)
            hosts.delete()
    exit_on_failures(failures)
    print("  serving replicas: both followed every alias move on the server; no request failed; no answer went back")


def client(uri, data, bench, urls):
    """On the client host: request threads per replica while the alias moves; prints a JSON report."""
    from mlflow.tracking import MlflowClient
    features, _ = top3_rows(data)
    body = json.dumps({"dataframe_split": {"columns": list(features.columns), "data": features.head(1).values.tolist()}}).encode()
    registry = MlflowClient(tracking_uri=uri, registry_uri=uri)
    stop = threading.Event()
    answers = {}   # (url, thread) → [(time, version or None)]
    failures = []

    def send(url, thread):
        seen = answers.setdefault((url, thread), [])
        while not stop.is_set():
            request = urllib.request.Request(f"{url}/invocations", data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    version = int(response.headers["X-PlateShell-Model"].split("/")[-1]) if response.status == 200 else None
            except Exception:  # noqa: BLE001 - any failure counts
                version = None
            seen.append((time.time(), version))

    threads = [threading.Thread(target=send, args=(url, t)) for url in urls for t in range(2)]
    for thread in threads:
        thread.start()

    def first_answer(url, version, since, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for (answered_url, _), seen in list(answers.items()):
                if answered_url == url and any(t >= since and v == version for t, v in seen[-200:]):
                    return min(t for t, v in seen if t >= since and v == version) - since
            time.sleep(0.02)
        return None

    switch = []
    time.sleep(1)
    for version in (2, 3):
        moved = time.time()
        registry.set_registered_model_alias(MODEL, "champion", str(version))
        for url in urls:
            lag = first_answer(url, version, moved)
            if lag is None:
                failures.append(f"{url} never answered with version {version} after the alias moved")
            else:
                switch.append(lag)
        time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    total = sum(len(seen) for seen in answers.values())
    failed = sum(1 for seen in answers.values() for _, v in seen if v is None)
    if failed:
        failures.append(f"{failed} of {total} requests failed during the switches")
    for (url, thread), seen in answers.items():
        versions = [v for _, v in seen if v is not None]
        if any(later < earlier for earlier, later in zip(versions, versions[1:])):
            failures.append(f"{url} thread {thread} went back to an older version: {versions}")
        if not versions or versions[-1] != 3:
            failures.append(f"{url} thread {thread} did not end on version 3: {versions[-5:]}")

    lags = []
    if bench:
        answers.clear()
        stop.clear()
        threads = [threading.Thread(target=send, args=(url, 0)) for url in urls]
        for thread in threads:
            thread.start()
        for move in range(bench):
            version = move % 3 + 1
            moved = time.time()
            registry.set_registered_model_alias(MODEL, "champion", str(version))
            for url in urls:
                lag = first_answer(url, version, moved)
                if lag is not None:
                    lags.append(lag)
        stop.set()
        for thread in threads:
            thread.join()
    print(json.dumps({"failures": failures, "requests": total, "failed": failed,
                      "switch": " / ".join(f"{lag:.2f}" for lag in switch), "lags": lags}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    else:
        main()
