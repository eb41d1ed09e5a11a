"""Parse and store a large CSV: plateshell vs pandas.read_csv vs sqlite3 .import, in one run.

- parse: plateshell `data inspect` (two streaming passes into an in-memory table) vs pandas.read_csv
  (into a DataFrame), each in its own process;
- parse and store: plateshell `load FILE as bench.big` (a new table version, typed columns,
  digest, one transaction) vs sqlite3's `.import --csv` into a fresh database (text columns).
Wall time is the median of N runs; peak memory (max RSS) comes from /usr/bin/time.

Usage: csv_load.py PLATESHELL_BINARY CSV_FILE [RUNS]
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def measure(argv, cwd=None, stdin=None):
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, cwd=cwd, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{argv} failed: {result.stderr[-500:]}")
    peak_kb = int(re.findall(r"^(\d+)$", result.stderr, re.M)[-1])
    return elapsed, peak_kb / 1024


def median_of(runs, make):
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak = make()
        times.append(seconds)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def main():
    binary, csv = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    python = sys.executable
    rows = sum(1 for _ in open(csv)) - 1
    size = os.path.getsize(csv) / 2**20
    results = {}
    inner = {"plateshell parse": [], "pandas read_csv": []}

    def plateshell_parse():
        result = subprocess.run([binary, "data", "inspect", csv], capture_output=True, text=True, check=True)
        inner["plateshell parse"].append(float(re.search(r"parsed in ([0-9.]+) s", result.stdout).group(1)))
        return measure([binary, "data", "inspect", csv])

    def pandas_parse():
        code = (f"import time, pandas; t = time.perf_counter(); pandas.read_csv({csv!r}); "
                "print(time.perf_counter() - t)")
        result = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
        inner["pandas read_csv"].append(float(result.stdout))
        return measure([python, "-c", f"import pandas; pandas.read_csv({csv!r})"])

    results["plateshell parse"] = median_of(runs, plateshell_parse)
    results["pandas read_csv"] = median_of(runs, pandas_parse)

    def plateshell_store():
        workspace = tempfile.mkdtemp()
        try:
            return measure([binary, "--workspace", workspace, "-c", f"load {csv} as bench.big"])
        finally:
            shutil.rmtree(workspace)

    def sqlite_import():
        directory = tempfile.mkdtemp()
        try:
            return measure(["sqlite3", os.path.join(directory, "b.sqlite")], stdin=f".import --csv {csv} big\n")
        finally:
            shutil.rmtree(directory)

    results["plateshell load (store)"] = median_of(runs, plateshell_store)
    results["sqlite3 .import"] = median_of(runs, sqlite_import)
    print(f"CSV: {rows:,} rows, {size:.0f} MiB; median of {runs} runs")
    for name, (seconds, peak) in results.items():
        parse_only = f"   (parse alone {statistics.median(inner[name]):.2f} s)" if name in inner else ""
        print(f"  {name:<26} {seconds:7.2f} s   peak {peak:7.0f} MiB{parse_only}")
    parse = statistics.median(inner["pandas read_csv"]) / statistics.median(inner["plateshell parse"])
    process = results["pandas read_csv"][0] / results["plateshell parse"][0]
    print(f"  parse alone: plateshell is {parse:.2f}x pandas' speed ({process:.2f}x counting process start and imports)")
    store = results["sqlite3 .import"][0] / results["plateshell load (store)"][0]
    print(f"  store: plateshell load is {store:.2f}x sqlite3 .import's speed")


if __name__ == "__main__":
    main()
