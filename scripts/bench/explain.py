"""SHAP speed against shap's TreeExplainer, measured in one run; prints ratios.

SHAP values for all 983 TOP3 plates: PlateShell's exact TreeSHAP (`shap summary`, the
explanation's own time) for a 100-tree `et` and a 100-iteration `gbm`, against
shap.TreeExplainer(...).shap_values on scikit-learn's ExtraTreesClassifier(100) and LightGBM(100)
fitted on the same plates; PlateShell on every core and on one.

The three are measured in turn, REPEATS times (default 5), so a machine whose speed drifts slows
them alike; each prints its median and the ratios are of the medians, with the range of the
ratios of one round to show the noise.

Usage: explain.py PLATESHELL_BINARY FAULTS_CSV [REPEATS]
"""
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd
import shap

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]


def ours(binary, data, workspace, model, threads):
    """The explanation's own time, as `shap summary` reports it, in a fresh process."""
    argv = [binary, "--workspace", workspace, "--format", "json"] + (["--threads", str(threads)] if threads else [])
    commands = (f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults; "
                f"fit {model}; shap summary")
    result = subprocess.run(argv + ["-c", commands], capture_output=True, text=True, check=True)
    last = json.loads(result.stdout.splitlines()[-1])
    text = next(b["text"] for b in last["blocks"] if b["type"] == "text")
    return float(re.search(r"explained in ([0-9.]+) s", text).group(1))


def theirs(model, x):
    started = time.perf_counter()
    shap.TreeExplainer(model).shap_values(x)
    return time.perf_counter() - started


def main():
    binary, data = sys.argv[1:3]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    from lightgbm import LGBMClassifier
    from sklearn.ensemble import ExtraTreesClassifier
    frame = pd.read_csv(data)
    labels = frame[FAULTS].idxmax(axis=1)
    keep = labels.isin(["Bumps", "K_Scatch", "Z_Scratch"])
    x, y = frame.drop(columns=FAULTS)[keep].to_numpy(), labels[keep].to_numpy()
    peers = {"et": ExtraTreesClassifier(n_estimators=100, random_state=42).fit(x, y),
             "gbm": LGBMClassifier(n_estimators=100, random_state=42, verbose=-1, n_jobs=1).fit(x, y)}
    for name, model in peers.items():
        rounds = []
        with tempfile.TemporaryDirectory() as workspace:
            for _ in range(repeats):
                rounds.append((theirs(model, x), ours(binary, data, workspace, name, None),
                               ours(binary, data, workspace, name, 1)))
        peer_time, all_cores, one = (statistics.median(r[i] for r in rounds) for i in range(3))
        spread = lambda i: f"{min(r[0] / r[i] for r in rounds):.1f}-{max(r[0] / r[i] for r in rounds):.1f}x"
        peer = "ExtraTrees(100)" if name == "et" else "LightGBM(100)"
        print(f"SHAP, 983 plates, {name}: plateshell {all_cores:.3f} s (all cores), {one:.3f} s (1 thread); "
              f"shap.TreeExplainer on {peer} {peer_time:.3f} s (medians of {repeats}) → plateshell "
              f"{peer_time / all_cores:.1f}x faster ({peer_time / one:.1f}x on 1 thread); "
              f"single rounds {spread(1)} ({spread(2)} on 1 thread)")


if __name__ == "__main__":
    main()
