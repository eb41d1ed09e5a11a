"""Cross-check `monitor` against scipy.stats.ks_2samp and a PSI written here, on the real data set.

On a fresh workspace the built binary fits naive Bayes on the TOP3 plates (fsp.faults labelled, the
three most frequent classes but Other_Faults kept: 983 rows), registers it and promotes it. Then,
with --format json:
  - `monitor models:/m/Production on=…` for five tables: the TOP3 plates with
    Steel_Plate_Thickness * 1.5 + 20, every plate of fsp.faults (1941 rows, other classes too), a
    500-row resample (without replacement) of the TOP3 rows, and two beyond 10,000 rows, where
    ks_2samp is asymptotic (every plate seven times; 12,000 TOP3 rows drawn with replacement). For
    every feature of each, the KS
    statistic and p-value equal scipy.stats.ks_2samp(training, monitored) (default method='auto')
    to 1e-9; the bins' cut points (the run's monitor/bins.csv) equal np.quantile's deciles of the
    training rows to 1e-12, and PSI equals the reference below on those bins to 1e-12; out_of_range
    and missing are recounted here.
  - The thick copy is flagged on Steel_Plate_Thickness and on nothing else; the resample on nothing.
  - 200 resamples of 500 training rows (seeds 1..200) in one session, autolog off: each feature's
    KS against scipy and PSI against the reference again, and the share of resamples flagged on any
    feature (the thresholds' false-alarm rate) and of feature tests flagged, printed.
  - `plateshell --fail-on-drift -c 'monitor …'` exits 1 on the thick copy and 0 on the resample.
  - Bad input: a table without the model's columns, a text column: exit 1 with a message naming them.
Prints the largest differences seen. Usage: drift_vs_scipy.py PLATESHELL_BINARY FAULTS_CSV
"""
import csv
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

KS_TOLERANCE, PSI_TOLERANCE = 1e-9, 1e-12
BINS, EMPTY_SHARE = 10, 1e-4
PSI_LIMIT, P_LIMIT = 0.2, 0.01
FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
TOP3 = ["Bumps", "K_Scatch", "Z_Scratch"]
RESAMPLES, RESAMPLE_ROWS = 200, 500

failures = []
largest = {"ks": 0.0, "ks_pvalue": 0.0, "psi": 0.0, "cuts": 0.0, "asymptotic ks": 0.0, "asymptotic ks_pvalue": 0.0}


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL " + what)


def reference_cuts(training):
    """The deciles of the training values (NumPy's linear quantiles), equal ones merged."""
    cuts = np.quantile(np.asarray(training, dtype=float), [k / BINS for k in range(1, BINS)])
    merged = []
    for cut in cuts:
        if not merged or merged[-1] != cut:
            merged.append(float(cut))
    return merged


def reference_psi(training, monitored, cuts):
    """PSI on bins (cut[i-1], cut[i]]: sum of (c - b) * ln(c / b), empty shares taken as 1e-4."""
    def shares(values):
        counts = np.bincount(np.searchsorted(np.asarray(cuts), np.asarray(values, dtype=float), side="left"),
                             minlength=len(cuts) + 1)
        return counts / len(values)
    total = 0.0
    for b, c in zip(shares(training), shares(monitored)):
        b, c = max(b, EMPTY_SHARE), max(c, EMPTY_SHARE)
        total += (c - b) * math.log(c / b)
    return total


def run(binary, workspace, arguments, cwd=None):
    return subprocess.run([binary, "--workspace", workspace, "--format", "json"] + arguments,
                          capture_output=True, text=True, check=False, cwd=cwd)


def documents(result, what):
    if result.returncode != 0:
        sys.exit(f"FAIL {what}: plateshell failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def drift_rows(document):
    table = next(b for b in document["blocks"] if b["type"] == "table" and b["name"] == "drift")
    return {row[0]: dict(zip(table["columns"], row)) for row in table["rows"]}


def compare(name, rows, training, monitored, features, cuts):
    """Checks one monitor result against scipy and the reference; returns the flagged features."""
    check(sorted(rows) == sorted(features), f"{name}: one row per feature ({len(rows)} rows)")
    flagged = []
    for feature in features:
        ours = rows[feature]
        base = training[feature].to_numpy(dtype=float)
        values = monitored[feature].dropna().to_numpy(dtype=float)
        theirs = ks_2samp(base, values)
        asymptotic = max(len(base), len(values)) > 10000
        for key, value in (("ks", float(theirs.statistic)), ("ks_pvalue", float(theirs.pvalue))):
            difference = abs(ours[key] - value)
            slot = ("asymptotic " if asymptotic else "") + key
            largest[slot] = max(largest[slot], difference)
            check(difference <= KS_TOLERANCE, f"{name} {feature}: {key} {ours[key]!r} vs scipy {value!r}")
        psi = reference_psi(base, values, cuts[feature])
        difference = abs(ours["psi"] - psi)
        largest["psi"] = max(largest["psi"], difference)
        check(difference <= PSI_TOLERANCE, f"{name} {feature}: psi {ours['psi']!r} vs reference {psi!r}")
        outside = np.mean((values < base.min()) | (values > base.max()))
        check(abs(ours["out_of_range"] - outside) <= 1e-12, f"{name} {feature}: out_of_range {ours['out_of_range']}")
        missing = monitored[feature].isna().mean()
        check(abs(ours["missing"] - missing) <= 1e-12, f"{name} {feature}: missing {ours['missing']}")
        drifted = psi > PSI_LIMIT or theirs.pvalue < P_LIMIT
        check((ours["drifted"] == "yes") == drifted, f"{name} {feature}: drifted {ours['drifted']} vs {drifted}")
        if ours["drifted"] == "yes":
            flagged.append(feature)
    return flagged


def latest_bins(workspace):
    """The cut points of the last monitor run, from its monitor/bins.csv, by feature."""
    path = max(glob.glob(os.path.join(workspace, "artifacts", "runs", "*", "monitor", "bins.csv")),
               key=os.path.getmtime)
    cuts = {}
    with open(path, newline="") as file:
        for row in csv.DictReader(file):
            cuts.setdefault(row["feature"], [])
            if row["upper"] != "":
                cuts[row["feature"]].append(float(row["upper"]))
    return cuts


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    frame = pd.read_csv(data)
    features = [c for c in frame.columns if c not in FAULTS]
    training = frame[frame[TOP3].sum(axis=1) == 1].reset_index(drop=True)
    check(len(training) == 983 and len(features) == 27, f"TOP3 rows {len(training)}, features {len(features)}")
    with tempfile.TemporaryDirectory() as work:
        workspace = os.path.join(work, "ws")
        documents(run(binary, workspace, ["-c", (
            f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; "
            "fit nb on=all; register nb as m; stage m 1 Production")]), "training and registering")
        cuts = {f: reference_cuts(training[f].to_numpy(dtype=float)) for f in features}

        thick = training.copy()
        thick["Steel_Plate_Thickness"] = thick["Steel_Plate_Thickness"] * 1.5 + 20
        resample = training.sample(n=RESAMPLE_ROWS, replace=False, random_state=0)
        # Beyond 10,000 rows ks_2samp is asymptotic: every plate seven times, and 12,000 training rows
        # drawn with replacement.
        tables = {"thick copy": (thick, os.path.join(work, "thick.csv")),
                  "every plate": (frame, os.path.join(work, "all.csv")),
                  "resample": (resample, os.path.join(work, "resample.csv")),
                  "every plate x7": (pd.concat([frame] * 7, ignore_index=True), os.path.join(work, "all7.csv")),
                  "12,000 drawn": (training.sample(n=12000, replace=True, random_state=0),
                                   os.path.join(work, "drawn.csv"))}
        flagged = {}
        for name, (table, path) in tables.items():
            table.to_csv(path, index=False)
            result = documents(run(binary, workspace, ["-c", f"monitor models:/m/Production on={path}"]), name)
            ours = latest_bins(workspace)
            for feature in features:
                difference = max((abs(a - b) for a, b in zip(ours.get(feature, []), cuts[feature])), default=0.0)
                largest["cuts"] = max(largest["cuts"], difference)
                check(len(ours.get(feature, [])) == len(cuts[feature]) and difference <= 1e-12 * max(1, abs(max(cuts[feature]))),
                      f"{name} {feature}: cut points {ours.get(feature)} vs np.quantile {cuts[feature]}")
            flagged[name] = compare(name, drift_rows(result[-1]), training, table, features, cuts)
        check(flagged["thick copy"] == ["Steel_Plate_Thickness"],
              f"the thick copy is flagged on Steel_Plate_Thickness only: {flagged['thick copy']}")
        check(flagged["resample"] == [], f"the 500-row resample is flagged on nothing: {flagged['resample']}")
        check(len(flagged["every plate"]) > 0, "every plate (seven classes) drifts from the TOP3 rows")

        # The false-alarm rate: 200 resamples of the training rows, one session.
        script = ["autolog off"]
        samples = []
        for seed in range(1, RESAMPLES + 1):
            sample = training.sample(n=RESAMPLE_ROWS, replace=False, random_state=seed)
            path = os.path.join(work, f"resample-{seed}.csv")
            sample.to_csv(path, index=False)
            samples.append(sample)
            script.append(f"monitor models:/m/Production on={path}")
        script_path = os.path.join(work, "resamples.plsh")
        with open(script_path, "w") as file:
            file.write("\n".join(script) + "\n")
        outputs = [d for d in documents(run(binary, workspace, ["run", script_path]), "resamples")
                   if d["command"] == "monitor"]
        check(len(outputs) == RESAMPLES, f"{len(outputs)} monitor outputs for {RESAMPLES} resamples")
        alarms = tests = 0
        for seed, (sample, output) in enumerate(zip(samples, outputs), start=1):
            found = compare(f"resample {seed}", drift_rows(output), training, sample, features, cuts)
            alarms += bool(found)
            tests += len(found)
        print(f"false alarms: {alarms} of {RESAMPLES} resamples of {RESAMPLE_ROWS} training rows flagged a feature "
              f"({alarms / RESAMPLES:.1%}); {tests} of {RESAMPLES * len(features)} feature tests "
              f"({tests / (RESAMPLES * len(features)):.3%}); thresholds PSI > {PSI_LIMIT} or KS p < {P_LIMIT}")

        # --fail-on-drift: the exit code a scheduler reads.
        for name, expected in (("thick copy", 1), ("resample", 0)):
            result = run(binary, workspace, ["--fail-on-drift", "-c",
                                             f"monitor models:/m/Production on={tables[name][1]}"])
            check(result.returncode == expected, f"--fail-on-drift on the {name}: exit {result.returncode}")
            if expected:
                check("drift: 1 feature of" in result.stderr and "Steel_Plate_Thickness" in result.stderr,
                      f"--fail-on-drift names the drifted feature: {result.stderr[-400:]}")

        # Bad input: clear errors.
        narrow = os.path.join(work, "narrow.csv")
        training[["Pixels_Areas", "Steel_Plate_Thickness"]].to_csv(narrow, index=False)
        texty = os.path.join(work, "texty.csv")
        training.assign(Steel_Plate_Thickness="thin").to_csv(texty, index=False)
        for path, message in ((narrow, "lack 25 of the model's 27 features: X_Minimum"),
                              (texty, "column 'Steel_Plate_Thickness' of the monitored rows is text")):
            result = run(binary, workspace, ["-c", f"monitor models:/m/Production on={path}"])
            check(result.returncode == 1 and message in result.stderr,
                  f"bad input {os.path.basename(path)}: exit {result.returncode}, {result.stderr.strip()[:300]}")

    print(f"largest differences: ks {largest['ks']:.3g}, ks_pvalue {largest['ks_pvalue']:.3g} (exact; scipy, "
          f"tolerance {KS_TOLERANCE}); asymptotic ks {largest['asymptotic ks']:.3g}, ks_pvalue "
          f"{largest['asymptotic ks_pvalue']:.3g}; psi {largest['psi']:.3g} (reference, tolerance {PSI_TOLERANCE}); "
          f"cut points {largest['cuts']:.3g} (np.quantile)")
    if failures:
        sys.exit(f"drift: {len(failures)} failures")
    print("drift: all checks passed")


if __name__ == "__main__":
    main()
