"""Spark Connect: PlateShell against PySpark's own client, on one Spark Connect server, in one run.

  - pull 1,000,000 rows x 34 columns (the generated faults CSV, written by PySpark) into memory:
    plateshell `use` (Arrow batches into typed columns, and the digest of the rows) vs PySpark's
    `spark.table(...).toPandas()` (Arrow on);
  - write the same 1,000,000 rows: plateshell `load FILE as bench.written` (parse, send as Arrow,
    staging table renamed in) vs `pd.read_csv` + `spark.createDataFrame(pandas).write.saveAsTable`;
  - describe a 20,000,000-row table (8 numeric columns) by pushdown (plateshell, aggregate queries on
    Spark) vs pulling it (PySpark `toPandas().describe()`).
Each side runs in its own process; wall time of the operation alone (PlateShell's `timer on`; PySpark
timed around the call) is the median of N runs, and peak memory is the process's max RSS
(/usr/bin/time). Prints each row's ratio, PySpark's time over PlateShell's.

Usage: spark.py PLATESHELL_BINARY LARGE_CSV PORT [RUNS]
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

PEER = r'''
import sys, time, resource
import pandas as pd
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
task = sys.argv[2]
started = time.perf_counter()
if task == "pull":
    frame = spark.table("bench.pulled").toPandas()
elif task == "write":
    spark.createDataFrame(pd.read_csv(sys.argv[3])).write.mode("overwrite").saveAsTable("bench.peer_written")
elif task == "describe":
    spark.table("bench.wide20m").toPandas().describe()
print(f"SECONDS {time.perf_counter() - started}")
'''


def timed_plateshell(binary, workspace, commands, remote):
    environment = dict(os.environ, SPARK_REMOTE=remote)
    result = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "--workspace", workspace, "-c",
                             "timer on; " + commands], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"plateshell {commands!r} failed: {result.stderr[-800:]}")
    seconds = [float(x) for x in re.findall(r"Run Time: real ([0-9.]+) s", result.stdout)]
    return seconds[-1], int(re.findall(r"^(\d+)$", result.stderr, re.M)[-1]) / 1024


def timed_peer(python, script, remote, task, *extra):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", python, script, remote, task, *extra],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"PySpark {task} failed: {result.stderr[-800:]}")
    seconds = float(re.findall(r"SECONDS ([0-9.]+)", result.stdout)[-1])
    return seconds, int(re.findall(r"^(\d+)$", result.stderr, re.M)[-1]) / 1024


def row(name, ours, theirs):
    (our_time, our_memory), (their_time, their_memory) = ours, theirs
    print(f"{name:<34} plateshell {our_time:7.2f} s {our_memory:7.0f} MiB | PySpark {their_time:7.2f} s "
          f"{their_memory:7.0f} MiB | speed {their_time / our_time:5.2f}x, memory {their_memory / our_memory:5.2f}x")


def median_of(runs, measure):
    results = [measure() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    binary, large, port = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    remote = f"sc://127.0.0.1:{port}"
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        peer = os.path.join(scratch, "peer.py")
        with open(peer, "w") as file:
            file.write(PEER)
        from pyspark.sql import SparkSession
        import pandas as pd
        spark = SparkSession.builder.remote(remote).getOrCreate()
        spark.sql("CREATE DATABASE IF NOT EXISTS bench")
        started = time.perf_counter()
        spark.createDataFrame(pd.read_csv(large)).write.mode("overwrite").saveAsTable("bench.pulled")
        spark.range(20_000_000).selectExpr("id", *[f"sin(id * {k}) * 100 AS c{k}" for k in range(1, 8)]) \
            .write.mode("overwrite").saveAsTable("bench.wide20m")
        print(f"(set-up: tables written in {time.perf_counter() - started:.1f} s)")
        workspace = os.path.join(scratch, "ws")
        row("pull 1M rows x 34 columns",
            median_of(runs, lambda: timed_plateshell(binary, workspace, "use bench.pulled", remote)),
            median_of(runs, lambda: timed_peer(python, peer, remote, "pull")))
        row("write 1M rows (load vs saveAsTable)",
            median_of(runs, lambda: timed_plateshell(binary, workspace, f"load {large} as bench.written", remote)),
            median_of(runs, lambda: timed_peer(python, peer, remote, "write", large)))
        row("describe 20M rows (pushdown vs pull)",
            median_of(runs, lambda: timed_plateshell(binary, workspace, "use bench.wide20m; describe", remote)),
            median_of(1, lambda: timed_peer(python, peer, remote, "describe")))
        spark.stop()


if __name__ == "__main__":
    main()
