"""What the inference log costs: `plateshell serve` of the same registered model with and without `--log`.

In a fresh workspace: TOP3 with scaling and PCA 0.999, the tuned extra trees (notebook 3's parameters, as
serving.py) fitted on all rows, registered as bench-model. Then, ROUNDS times in turn, a server without a
log and one with `--log fsp.inference` (a fresh log each round) are driven by wrk (1 thread, 8 connections)
for SECONDS with a 1-row and a 100-row dataframe_split body. Reported per body: the median over rounds of
requests answered 200 per second, p50 and p99 for each, the requests the server refused with 503 because
the log fell behind, the throughput ratio (with / without), and the rows the logs hold (each server's own
"Logged N scored rows" line, checked against the table).

Goals (issue 26): throughput with the log at least 95% of without, p99 under 2 ms.
Usage: inference_log.py PLATESHELL_BINARY FAULTS_CSV [SECONDS] [ROUNDS]   (needs wrk, pandas)
"""
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, free_port, run_plateshell, top3_rows, wait_for_ping  # noqa: E402
from wrk import WRK_CONNECTIONS, WRK_THREADS, run_wrk, wrk_script  # noqa: E402

ET = ("n_estimators=230 max_depth=8 min_impurity_decrease=0.0002 max_features=log2 bootstrap=true "
      "min_samples_split=10 min_samples_leaf=2 class_weight=balanced")
BODIES = [(1, "1 row"), (100, "100 rows")]


def serve(binary, workspace, scratch, name, log_table):
    port = free_port()
    log = f"{scratch}/{name}.log"
    command = [binary, "--workspace", workspace, "serve", "models:/bench-model/1", "--port", str(port)]
    if log_table:
        command += ["--log", log_table]
    process = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for_ping(url, process, log, "plateshell serve")
    return process, url, log


def main():
    binary, data = sys.argv[1:3]
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    features, _ = top3_rows(data)
    with tempfile.TemporaryDirectory() as scratch:
        workspace = f"{scratch}/ws"
        run_plateshell(binary, workspace,
                       f"load {data} as fsp.faults; use fsp.faults; label onehot={','.join(FAULTS)}; "
                       f"keep top=3 by=Label exclude=Other_Faults; scale; pca var=0.999; fit et on=all {ET}; "
                       "register et as bench-model")
        scripts = {}
        for rows, name in BODIES:
            body = '{"dataframe_split": ' + features.head(rows).to_json(orient="split", index=False) + "}"
            scripts[name] = wrk_script(body, f"{scratch}/body{rows}.lua")
        results = {(name, logged): [] for _, name in BODIES for logged in (False, True)}
        logged_rows = []
        for round_number in range(rounds):
            for logged in (False, True):
                table = f"fsp.inference{round_number}" if logged else None
                process, url, log = serve(binary, workspace, scratch, f"serve{round_number}{logged}", table)
                for _, name in BODIES:
                    results[(name, logged)].append(run_wrk(url, scripts[name], seconds))
                process.send_signal(signal.SIGTERM)
                if process.wait(timeout=120) != 0:
                    sys.exit(f"serve exited {process.returncode}:\n{open(log).read()[-2000:]}")
                if logged:
                    said = re.search(r"Logged (\d+) scored rows", open(log).read())
                    with sqlite3.connect(f"{workspace}/tables/fsp.sqlite") as db:
                        stored = db.execute(f"SELECT count(*) FROM inference{round_number}").fetchone()[0]
                    if not said or int(said.group(1)) != stored:
                        sys.exit(f"the log holds {stored} rows; serve said {said and said.group(0)}")
                    logged_rows.append(stored)
        print(f"inference log cost: plateshell serve of the tuned extra trees, wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} "
              f"-d{seconds}s, {rounds} rounds (medians)")
        for _, name in BODIES:
            without, with_log = results[(name, False)], results[(name, True)]

            def median(measures, key):
                return statistics.median(m[key] for m in measures)
            # Throughput counts the answers with status 200: a log that falls behind makes the server answer
            # 503 (INFERENCE_LOG_BEHIND) quickly, which is not throughput.
            for m in without + with_log:
                failed = m["non_2xx"] + m["socket_errors"]
                m["answered"] = m["rps"] * (m["requests"] - failed) / max(m["requests"], 1)
            refused = sum(m["non_2xx"] + m["socket_errors"] for m in with_log)
            requests = sum(m["requests"] for m in with_log)
            errors = sum(m["non_2xx"] + m["socket_errors"] for m in without)
            print(f"  {name:>8}: without log {median(without, 'answered'):.0f} req/s p50 {median(without, 'p50'):.2f} ms "
                  f"p99 {median(without, 'p99'):.2f} ms | with log {median(with_log, 'answered'):.0f} req/s answered 200 "
                  f"p50 {median(with_log, 'p50'):.2f} ms p99 {median(with_log, 'p99'):.2f} ms, "
                  f"{refused} of {requests} refused (503: the log behind) | "
                  f"throughput ratio {median(with_log, 'answered') / median(without, 'answered'):.3f} | "
                  f"errors without log {errors}")
        print(f"  rows logged per round: {', '.join(str(n) for n in logged_rows)}")


if __name__ == "__main__":
    main()
