"""Cross-check PlateShell's exploration figures against pandas on the real data set.

Runs the built binary with --format json on a fresh workspace and compares, with a relative
tolerance of 1e-9 (absolute 1e-12 near zero):
  - describe (count, mean, std with n-1, min, 25%, 50%, 75%, max) for all 34 columns, the same
    columns in the same order, against DataFrame.describe();
  - counts of the collapsed label against value_counts() (exact, the same values in the same
    order), with percentages and cumulative percentages;
  - the full Pearson correlation matrix of the 27 indicators against DataFrame.corr();
  - the class counts after the notebook's top-3 filter (exact).
Usage: stats_vs_pandas.py PLATESHELL_BINARY FAULTS_CSV
"""
import json
import math
import subprocess
import sys
import tempfile

import pandas as pd

RELATIVE, ABSOLUTE = 1e-9, 1e-12
FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]


def close(a, b):
    if a is None or b is None or (isinstance(b, float) and math.isnan(b)):
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (b is None or math.isnan(b))
    return abs(a - b) <= max(ABSOLUTE, RELATIVE * abs(b))


def run(binary, workspace, commands):
    result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c", commands],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"plateshell failed ({result.returncode}):\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def block(document, kind, name):
    return next(b for b in document["blocks"] if b["type"] == kind and b["name"] == name)


def main():
    binary, data = sys.argv[1], sys.argv[2]
    frame = pd.read_csv(data)
    failures = []
    checked = 0
    with tempfile.TemporaryDirectory() as workspace:
        documents = run(binary, workspace, f"load {data} as fsp.faults; describe; "
                        f"label onehot={','.join(FAULTS)}; counts Label; corr; "
                        "keep top=3 by=Label exclude=Other_Faults; counts Label")
    by_command = {}
    for document in documents:
        by_command.setdefault(document["command"], []).append(document)

    summary = block(by_command["describe"][0], "table", "summary")
    expected = frame.describe()
    statistics = {"count": "count", "mean": "mean", "std": "std", "min": "min", "25%": "25%", "50%": "50%",
                  "75%": "75%", "max": "max"}
    for row in summary["rows"]:
        values = dict(zip(summary["columns"], row))
        for ours, theirs in statistics.items():
            checked += 1
            if not close(values[ours], float(expected.loc[theirs, values["column"]])):
                failures.append(f"describe {values['column']} {ours}: {values[ours]} vs pandas {expected.loc[theirs, values['column']]}")
    described = [dict(zip(summary["columns"], row))["column"] for row in summary["rows"]]
    checked += 1
    if described != list(expected.columns):
        failures.append(f"describe summarized {described}; pandas {list(expected.columns)}")

    labels = frame[FAULTS].idxmax(axis=1)
    counts = block(by_command["counts"][0], "table", "counts")
    pandas_counts = labels.value_counts()
    checked += 1
    if [row[0] for row in counts["rows"]] != list(pandas_counts.index):
        failures.append(f"counts lists {[row[0] for row in counts['rows']]}; pandas {list(pandas_counts.index)} (most frequent first)")
    running = 0
    for value, count, percent, cumulative in counts["rows"]:
        checked += 3
        if value not in pandas_counts:
            failures.append(f"counts {value}: pandas has no such value")
            continue
        running += int(pandas_counts[value])
        if count != int(pandas_counts[value]):
            failures.append(f"counts {value}: {count} vs pandas {pandas_counts[value]}")
        if not close(percent, 100 * pandas_counts[value] / len(labels)):
            failures.append(f"counts {value} percent: {percent}")
        if not close(cumulative, 100 * running / len(labels)):
            failures.append(f"counts {value} cumulative percent: {cumulative} vs {100 * running / len(labels)}")

    heatmap = block(by_command["corr"][0], "heatmap", "matrix")
    indicators = [c for c in frame.columns if c not in FAULTS]
    pandas_corr = frame[indicators].corr()
    if heatmap["labels"] != indicators:
        failures.append(f"corr columns differ: {heatmap['labels']}")
    for i, a in enumerate(heatmap["labels"]):
        for j, b in enumerate(heatmap["labels"]):
            checked += 1
            if not close(heatmap["values"][i][j], float(pandas_corr.loc[a, b])):
                failures.append(f"corr {a} × {b}: {heatmap['values'][i][j]} vs pandas {pandas_corr.loc[a, b]}")

    top3 = block(by_command["counts"][1], "table", "counts")
    top = labels[labels != "Other_Faults"].value_counts().head(3)
    ours = {row[0]: row[1] for row in top3["rows"]}
    checked += 1
    if ours != {k: int(v) for k, v in top.items()}:
        failures.append(f"top-3 counts {ours} vs pandas {dict(top)}")

    if failures:
        print(f"FAILED: {len(failures)} of {checked} figures differ from pandas {pd.__version__}:")
        for failure in failures[:40]:
            print("  " + failure)
        sys.exit(1)
    print(f"ok: {checked} figures match pandas {pd.__version__} (relative tolerance {RELATIVE})")


if __name__ == "__main__":
    main()
