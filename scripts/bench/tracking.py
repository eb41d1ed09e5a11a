"""What autolog costs: the same work with tracking off and on, measured in one run.

1. compare: 13 models × 10 folds on TOP3 with scaling and PCA 0.999 (`timer on` figure: the
   command itself, which with autolog records a parent run, 13 child runs with per-fold metric
   histories, the leaderboard CSV and chart). Median of REPEATS, each in a fresh workspace.
2. The notebook 2 replay (model testing): wall time of the process, with `autolog off` or on
   before `source`; also the median of the paired differences (each "on" run against the "off"
   run just before it).
Both also report the process's CPU time (user + system), which other work on a shared machine
disturbs far less than wall time: on 2 busy cores the wall-time difference is mostly noise. Notebook 3 is about tracking (it sorts runs by their logged metrics), so it
   has no "off" to compare with: its replay time with autolog on is printed alone.

Usage: tracking.py PLATESHELL_BINARY FAULTS_CSV [REPEATS]
"""
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
PREPARE = f"label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults"


def cpu_seconds():
    """User + system seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plateshell(binary, workspace, commands):
    """The JSON documents, wall seconds and CPU seconds of one plateshell -c run."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c", commands], capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if result.returncode != 0:
        sys.exit(f"plateshell failed on {commands!r}: {result.stdout[-1500:]} {result.stderr[-1500:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()], wall, cpu


def paired(samples):
    """The median of the on - off differences of the runs made one after the other: steadier than
    the difference of the medians on a machine whose speed drifts between runs."""
    return statistics.median(on - off for off, on in zip(samples["off"], samples["on"]))


def last_run_time(documents):
    text = [b["text"] for d in documents for b in d.get("blocks", []) if b.get("type") == "text" and b["text"].startswith("Run Time")][-1]
    return float(re.search(r"real ([0-9.]+)", text).group(1))


def fresh_workspace(binary, data, scratch, name):
    workspace = f"{scratch}/{name}"
    plateshell(binary, workspace, f"load {data} as fsp.faults")
    return workspace


def main():
    binary, data = sys.argv[1:3]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as scratch:
        times, cpus = {"off": [], "on": []}, {"off": [], "on": []}
        for index in range(repeats):
            for mode in ("off", "on"):
                workspace = fresh_workspace(binary, data, scratch, f"compare-{mode}-{index}")
                documents, _, cpu = plateshell(binary, workspace, f"use fsp.faults; {PREPARE}; scale; pca var=0.999; autolog {mode}; timer on; compare")
                times[mode].append(last_run_time(documents))
                cpus[mode].append(cpu)
        off, on = statistics.median(times["off"]), statistics.median(times["on"])
        cpu_off, cpu_on = statistics.median(cpus["off"]), statistics.median(cpus["on"])
        print(f"  compare (13 models x 10 folds): autolog off {off:.3f} s, on {on:.3f} s -> tracking adds {100 * (on - off) / off:+.1f}% "
              f"({1000 * (on - off):.0f} ms for 14 runs); process CPU {cpu_off:.2f} s vs {cpu_on:.2f} s -> {100 * (cpu_on - cpu_off) / cpu_off:+.1f}%")
        notebook = "02-model-testing"
        walls, cpus = {"off": [], "on": []}, {"off": [], "on": []}
        for index in range(max(1, repeats // 2)):
            for mode in ("off", "on"):
                workspace = fresh_workspace(binary, data, scratch, f"{notebook}-{mode}-{index}")
                _, wall, cpu = plateshell(binary, workspace, f"autolog {mode}; source scripts/notebooks/{notebook}.plsh")
                walls[mode].append(wall)
                cpus[mode].append(cpu)
        off, on = statistics.median(walls["off"]), statistics.median(walls["on"])
        cpu_off, cpu_on = statistics.median(cpus["off"]), statistics.median(cpus["on"])
        print(f"  replay {notebook}: autolog off {off:.2f} s, on {on:.2f} s -> tracking adds {100 * (on - off) / off:+.1f}%; "
              f"process CPU {cpu_off:.2f} s vs {cpu_on:.2f} s -> {100 * (cpu_on - cpu_off) / cpu_off:+.1f}%; "
              f"paired (median of the on - off differences of runs made one after the other): "
              f"{100 * paired(walls) / off:+.1f}% wall, {100 * paired(cpus) / cpu_off:+.1f}% CPU")
        notebook = "03-tracking-registry-deployment"
        walls = [plateshell(binary, fresh_workspace(binary, data, scratch, f"{notebook}-{index}"),
                            f"source scripts/notebooks/{notebook}.plsh")[1] for index in range(max(1, repeats // 2))]
        print(f"  replay {notebook} (autolog on): {statistics.median(walls):.2f} s")


if __name__ == "__main__":
    main()
