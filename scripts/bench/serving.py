"""Model serving under load: `plateshell serve` against `mlflow models serve` on the same registered
PlateShell model (MLflow's pyfunc runs its model.onnx with onnxruntime), and onnxruntime itself.

1. PlateShell: in a fresh workspace, TOP3 with scaling and PCA 0.999, the tuned extra trees
   (notebook 3's parameters) fitted on all rows, registered as bench-model and staged to
   Production; then `plateshell serve models:/bench-model/Production` in the foreground.
2. MLflow: the catalog exported as an MLflow file store (`export mlflow`), and
   `mlflow models serve -m models:/bench-model/Production --env-manager local` (uvicorn, its
   default single worker) on it: the same version, loaded through its python_function flavor.
3. Both servers answer a 1-row and a 100-row dataframe_split body once (checked with urllib: the
   same labels, probabilities within 1e-6), then wrk drives each server × body for SECONDS:
   1 thread, 8 connections, on a 2-core machine shared by wrk and the server. Reported:
   requests/s, p50 and p99 latency, errors (non-2xx responses and socket errors), the throughput
   ratio, and each server's resident memory (VmRSS summed over its process tree) before the first
   measurement and after the last.
4. onnxruntime alone: the version's model.onnx in an InferenceSession in this process, the same
   1 and 100 rows fed as column tensors, run back to back for SECONDS: runs/s, p50 and p99 (no
   HTTP, no JSON: the floor under what the pyfunc server can do).

Exits non-zero when a server fails to start, answers a check with an error or other predictions,
returns errors under load, or (PlateShell) does not exit 0 on SIGTERM.

Usage: serving.py PLATESHELL_BINARY FAULTS_CSV [SECONDS]   (needs wrk, mlflow, onnxruntime, pandas)
"""
import glob
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, exit_on_failures, run_plateshell, serving_side_by_side, top3_rows  # noqa: E402
from wrk import WRK_CONNECTIONS, WRK_THREADS, run_wrk, wrk_script  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402

MODEL = "bench-model"
ET_PARAMS = dict(n_estimators=230, max_depth=8, min_impurity_decrease=0.0002, max_features="log2", bootstrap=True,
                 min_samples_split=10, min_samples_leaf=2, class_weight="balanced")
PLATESHELL_SETUP = (f"use fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; scale; "
                    f"pca var=0.999; fit et on=all {' '.join(f'{k}={str(v).lower()}' for k, v in ET_PARAMS.items())}; "
                    f"register et as {MODEL}; stage {MODEL} 1 Production")
BATCHES = [(1, "1 row"), (100, "100 rows")]


# Models

def prepare_plateshell(binary, data, workspace, store):
    """Fits and registers the model in a fresh workspace and exports the catalog to STORE; returns the
    number of rows it was fitted on and the version's model directory."""
    result = run_plateshell(binary, workspace, f"load {data} as fsp.faults; {PLATESHELL_SETUP}; export mlflow {store}", timeout=1800)
    fitted = re.search(r"Fitted et .* on all (\d+) rows", result.stdout)
    with sqlite3.connect(f"{workspace}/catalog.sqlite") as db:
        (location,) = db.execute("select storage_location from model_versions where name = ? and version = 1", (MODEL,)).fetchone()
    return (int(fitted.group(1)) if fitted else None), urlparse(location).path


# Memory

def process_tree(pid):
    """The pid and its descendants' pids (from /proc/PID/task/*/children, else `ps --ppid`)."""
    children = []
    files = glob.glob(f"/proc/{pid}/task/*/children")
    if files:
        for path in files:
            try:
                children += [int(child) for child in open(path).read().split()]
            except OSError:
                pass
    else:
        listed = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
        children = [int(child) for child in listed.split()]
    return [pid] + [descendant for child in children for descendant in process_tree(child)]


def resident_mib(pid):
    """VmRSS summed over the process tree, in MiB, and the number of processes."""
    pids, total_kib = process_tree(pid), 0
    for each in pids:
        try:
            status = open(f"/proc/{each}/status").read()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total_kib += int(found.group(1)) if found else 0
    return total_kib / 1024, len(pids)


# Requests and load

def body(X, rows):
    return json.dumps({"dataframe_split": {"columns": list(X.columns), "data": X.head(rows).astype(object).values.tolist()}})


def answer(url, payload):
    """One POST /invocations: (predictions, None) when it answers 200, else (None, the problem)."""
    request = urllib.request.Request(f"{url}/invocations", data=payload.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            predictions = json.loads(response.read()).get("predictions")
    except urllib.error.HTTPError as error:
        return None, f"HTTP {error.code}: {error.read()[:500]!r}"
    except (OSError, ValueError, AttributeError) as error:
        return None, f"{type(error).__name__}: {error}"
    return predictions, None


def disagreement(first, second, rows):
    """None when both servers gave `rows` records with the same labels and probabilities within 1e-6."""
    if not isinstance(first, list) or not isinstance(second, list) or len(first) != rows or len(second) != rows:
        return f"expected {rows} predictions from each, got {json.dumps(first)[:200]} and {json.dumps(second)[:200]}"
    for r, (a, b) in enumerate(zip(first, second)):
        if a.get("predicted") != b.get("predicted") or set(a) != set(b) \
                or any(abs(a[k] - b[k]) > 1e-6 for k in a if k.startswith("proba_")):
            return f"row {r}: {a} vs {b}"
    return None


# Report

def format_ms(ms):
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.0f} ms"


def format_measure(name, m):
    return (f"{name} {m['rps']:.0f} req/s p50 {format_ms(m['p50'])} p99 {format_ms(m['p99'])} "
            f"errors {m['non_2xx'] + m['socket_errors']}")


def errors_of(name, label, m):
    problems = []
    if m["non_2xx"]:
        problems.append(f"{name} ({label}): {m['non_2xx']} non-2xx responses")
    if m["socket_errors"]:
        problems.append(f"{name} ({label}): {m['socket_errors']} socket errors")
    return problems


def measure(servers, X, seconds, scratch, runtime):
    """Every body against every server with wrk, and through onnxruntime in process; returns the
    report lines and the error descriptions."""
    lines, problems = [], []
    for rows, label in BATCHES:
        script = wrk_script(body(X, rows), f"{scratch}/body-{rows}.lua")
        results = {name: run_wrk(url, script, seconds) for name, (_, url) in servers.items()}
        ratio = results["plateshell"]["rps"] / results["mlflow"]["rps"] if results["mlflow"]["rps"] else float("inf")
        in_process = run_onnxruntime(runtime, X.head(rows), seconds)
        lines.append(f"  {label + ':':<9} " + " | ".join(format_measure(name, m) for name, m in results.items())
                     + f" | throughput {ratio:.1f}x | onnxruntime in-process {in_process['rps']:.0f} runs/s "
                     + f"p50 {format_ms(in_process['p50'])} p99 {format_ms(in_process['p99'])}")
        for name, m in results.items():
            problems += errors_of(name, label, m)
    return lines, problems


def run_onnxruntime(session, rows, seconds):
    """session.run on ROWS (each column its own tensor) back to back for SECONDS: runs/s, p50, p99 (ms)."""
    feeds = {i.name: rows[i.name].to_numpy().astype(np.int64 if i.type == "tensor(int64)" else np.float64) for i in session.get_inputs()}
    latencies, started = [], time.perf_counter()
    while time.perf_counter() - started < seconds:
        before = time.perf_counter()
        session.run(None, feeds)
        latencies.append((time.perf_counter() - before) * 1000)
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": float(np.percentile(latencies, 50)), "p99": float(np.percentile(latencies, 99))}


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    X, _ = top3_rows(data)
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        workspace, store = f"{scratch}/workspace", f"{scratch}/mlruns"
        fitted_rows, directory = prepare_plateshell(binary, data, workspace, store)
        if fitted_rows is not None and fitted_rows != len(X):
            sys.exit(f"plateshell fitted on {fitted_rows} rows, the benchmark sends {len(X)} TOP3 rows")
        runtime = onnxruntime.InferenceSession(f"{directory}/model.onnx", providers=["CPUExecutionProvider"])
        with serving_side_by_side(binary, workspace, MODEL, f"models:/{MODEL}/Production", scratch,
                                  mlflow_env={"MLFLOW_TRACKING_URI": store}) as both:
            servers = {"plateshell": (both.plateshell, both.plateshell_url), "mlflow": (both.mlflow, both.mlflow_url)}
            for rows, label in BATCHES:
                answers = {}
                for name, (_, url) in servers.items():
                    answers[name], problem = answer(url, body(X, rows))
                    if problem:
                        sys.exit(f"{name} failed the {label} check: {problem}")
                problem = disagreement(answers["plateshell"], answers["mlflow"], rows)
                if problem:
                    sys.exit(f"plateshell and mlflow answer the {label} check differently: {problem}")
            before = {name: resident_mib(process.pid) for name, (process, _) in servers.items()}
            lines, load_problems = measure(servers, X, seconds, scratch, runtime)
            problems += load_problems
            after = {name: resident_mib(process.pid) for name, (process, _) in servers.items()}
        if both.stop_problem:
            problems.append(both.stop_problem)
    print(f"  wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{seconds}s --latency, POST /invocations dataframe_split, {len(X)} TOP3 rows; "
          f"{os.cpu_count()} cores shared by wrk and the server; mlflow serves the same registered version through model.onnx")
    print(f"  started (to /ping 200): plateshell serve {both.plateshell_start:.1f} s, "
          f"mlflow models serve --env-manager local (default workers) {both.mlflow_start:.1f} s")
    print("\n".join(lines))
    for name in servers:
        (mib_before, count_before), (mib_after, count_after) = before[name], after[name]
        processes = f" ({count_after} processes)" if count_after > 1 else ""
        print(f"  memory {name}: VmRSS {mib_before:.1f} MiB before, {mib_after:.1f} MiB after{processes}")
    if both.closing:
        print(f"  plateshell serve on SIGTERM: {both.closing}")
    exit_on_failures(problems)


if __name__ == "__main__":
    main()
