"""Model speed against the Python peers, measured in one run; prints ratios.

1. compare: every model, 10 folds, TOP3, with scaling and PCA 0.999 — PlateShell's `compare`
   (on all 983 rows) against PyCaret 3.3.2's setup(normalize, pca) + compare_models() (which
   cross-validates on its 70% training split), and against the sum of the scikit-learn / LightGBM
   fits of the same models on the same folds.
   (PyCaret runs with n_jobs=1: with its default n_jobs=-1 it hung here, its joblib workers idle.)
2. gbm, 100 iterations on TOP3 (983 rows): PlateShell `fit gbm on=all` against LightGBM and
   scikit-learn's HistGradientBoosting, same trees, 1 thread each (and PlateShell on every core).
   Autolog is off for the fit (the peers' fit() logs nothing; logging the model adds ~0.2 s).
3. gbm on the large synthetic file (ROWS of scripts/bench/run): PlateShell against LightGBM, single-threaded, fit time
   and the process's peak memory (autolog off, as in 2).

Usage: ml.py PLATESHELL_BINARY FAULTS_CSV BIG_CSV PYCARET_PYTHON [--skip-big]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
PREPARE = f"label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults"


def plateshell(binary, workspace, commands, threads=None, timed=False):
    argv = [binary, "--workspace", workspace, "--format", "json"] + (["--threads", str(threads)] if threads else []) + ["-c", commands]
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"plateshell failed: {result.stderr[-2000:]}")
    peak = int(re.findall(r"^(\d+)$", result.stderr, re.M)[-1]) / 1024
    documents = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return documents, wall, peak


def run_time(documents):
    """The `timer on` figure of the last command."""
    text = [b["text"] for b in documents[-1]["blocks"] if b["type"] == "text" and b["text"].startswith("Run Time")][-1]
    return float(re.search(r"real ([0-9.]+)", text).group(1))


def python_timed(python, code):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", python, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"python peer failed: {result.stderr[-2000:]}")
    peak = int(re.findall(r"^(\d+)$", result.stderr, re.M)[-1]) / 1024
    return float(result.stdout.strip().splitlines()[-1]), peak


def main():
    binary, data, big, pycaret_python = [os.path.abspath(a) for a in sys.argv[1:5]]
    skip_big = "--skip-big" in sys.argv
    lines = []
    with tempfile.TemporaryDirectory() as workspace:
        subprocess.run([binary, "--workspace", workspace, "-c", f"load {data} as fsp.faults"], check=True, capture_output=True)

        # 1. compare
        times = []
        for _ in range(3):
            documents, _, _ = plateshell(binary, workspace, f"use fsp.faults; {PREPARE}; scale; pca var=0.999; timer on; compare")
            times.append(run_time(documents))
        ours = statistics.median(times)
        pycaret_code = f"""
import time, pandas as pd
from pycaret.classification import setup, compare_models
df = pd.read_csv({data!r})
faults = {FAULTS!r}
df["Label"] = df[faults].idxmax(axis=1)
df = df[df["Label"].isin(["Bumps", "K_Scatch", "Z_Scratch"])].drop(columns=faults)
t = time.perf_counter()
setup(df, target="Label", normalize=True, pca=True, session_id=42, verbose=False, html=False, n_jobs=1)
compare_models(verbose=False)
print(time.perf_counter() - t)
"""
        pycaret, _ = python_timed(pycaret_python, pycaret_code)
        sklearn_code = f"""
import json, time, numpy as np, pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier, AdaBoostClassifier
from sklearn.svm import LinearSVC
from lightgbm import LGBMClassifier
df = pd.read_csv({data!r}); faults = {FAULTS!r}
folds = json.load(open({os.path.join(os.path.dirname(data), '../anchors/folds.json')!r}))["TOP3"]
x = df.drop(columns=faults).iloc[folds["original_row_index"]].to_numpy()
y = df[faults].idxmax(axis=1).iloc[folds["original_row_index"]].to_numpy()
models = [DummyClassifier(), LogisticRegression(max_iter=1000), RidgeClassifier(), LinearDiscriminantAnalysis(),
          QuadraticDiscriminantAnalysis(reg_param=0.01), GaussianNB(), KNeighborsClassifier(), DecisionTreeClassifier(random_state=42),
          RandomForestClassifier(random_state=42), ExtraTreesClassifier(random_state=42), LGBMClassifier(verbose=-1, n_jobs=1),
          AdaBoostClassifier(random_state=42), LinearSVC()]
total = 0.0
for model in models:
    for test in folds["test_index_per_fold"]:
        train = np.ones(len(y), bool); train[test] = False
        pipeline = make_pipeline(StandardScaler(), PCA(0.999), model)
        t = time.perf_counter(); pipeline.fit(x[train], y[train]); pipeline.predict(x[test]); total += time.perf_counter() - t
print(total)
"""
        sklearn_sum, _ = python_timed(sys.executable, sklearn_code)
        lines.append(f"compare, 13 models × 10 folds, TOP3 (scale → PCA 0.999): plateshell {ours:.2f} s (median of 3, all cores)")
        lines.append(f"  PyCaret setup+compare_models {pycaret:.2f} s → plateshell {pycaret / ours:.1f}x faster")
        lines.append(f"  sum of scikit-learn/LightGBM fits on the same folds {sklearn_sum:.2f} s → plateshell {sklearn_sum / ours:.1f}x faster")

        # 2. gbm on TOP3
        def ours_gbm(threads):
            values = []
            for _ in range(5):
                documents, _, _ = plateshell(binary, workspace, f"use fsp.faults; {PREPARE}; autolog off; timer on; fit gbm on=all", threads=threads)
                values.append(run_time(documents))
            return statistics.median(values)
        gbm1, gbm_all = ours_gbm(1), ours_gbm(None)
        peer_code = f"""
import time, statistics, pandas as pd
from lightgbm import LGBMClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
df = pd.read_csv({data!r}); faults = {FAULTS!r}
df["Label"] = df[faults].idxmax(axis=1)
df = df[df["Label"].isin(["Bumps", "K_Scatch", "Z_Scratch"])]
x, y = df.drop(columns=faults + ["Label"]).to_numpy(), df["Label"].to_numpy()
def timed(make):
    values = []
    for _ in range(5):
        model = make(); t = time.perf_counter(); model.fit(x, y); values.append(time.perf_counter() - t)
    return statistics.median(values)
print(timed(lambda: LGBMClassifier(n_estimators=100, n_jobs=1, verbose=-1)),
      timed(lambda: HistGradientBoostingClassifier(max_iter=100, early_stopping=False)))
"""
        out = subprocess.run([sys.executable, "-c", peer_code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1")).stdout.split()
        lightgbm, hgb = float(out[0]), float(out[1])
        lines.append(f"gbm, 100 iterations, TOP3 983 rows: plateshell {gbm1 * 1000:.0f} ms (1 thread), {gbm_all * 1000:.0f} ms (all cores)")
        lines.append(f"  LightGBM {lightgbm * 1000:.0f} ms (1 thread) → plateshell {lightgbm / gbm1:.2f}x its speed")
        lines.append(f"  scikit-learn HistGradientBoosting {hgb * 1000:.0f} ms (1 thread) → plateshell {hgb / gbm1:.2f}x its speed")

        # 3. gbm on the large file
        if not skip_big:
            subprocess.run([binary, "--workspace", workspace, "-c", f"load {big} as bench.big"], check=True, capture_output=True)
            documents, _, peak = plateshell(binary, workspace, f"use bench.big; label onehot={','.join(FAULTS)}; autolog off; timer on; fit gbm on=all", threads=1)
            ours_big = run_time(documents)
            big_code = f"""
import time, pandas as pd
from lightgbm import LGBMClassifier
df = pd.read_csv({big!r}); faults = {FAULTS!r}
y = df[faults].idxmax(axis=1).to_numpy(); x = df.drop(columns=faults).to_numpy()
t = time.perf_counter(); LGBMClassifier(n_estimators=100, n_jobs=1, verbose=-1).fit(x, y); print(time.perf_counter() - t)
"""
            lightgbm_big, lightgbm_peak = python_timed(sys.executable, big_code)
            with open(big) as file:
                big_rows = sum(1 for _ in file) - 1
            lines.append(f"gbm, 100 iterations, {big_rows:,} rows × 7 classes, 1 thread: plateshell {ours_big:.1f} s (peak {peak:.0f} MiB), "
                         f"LightGBM {lightgbm_big:.1f} s (peak {lightgbm_peak:.0f} MiB) → plateshell {lightgbm_big / ours_big:.2f}x its speed")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
