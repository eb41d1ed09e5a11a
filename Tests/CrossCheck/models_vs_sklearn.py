"""Cross-check PlateShell's models against scikit-learn and LightGBM on the same folds.

Both sides use the anchors' folds (folds.json: 10 stratified folds of TOP3, 983 rows, and ALL7,
1941 rows). Each PlateShell model is run with `compare folds=FILE` (or `tune ... iters=1` for
given settings) and compared with its peer, fitted here on the same folds with the same
preprocessing (StandardScaler first for lr, knn, ridge, svm, as in the anchors; raw features for
the others). Mean accuracy must agree within each model's tolerance (in accuracy points):

  lr, lda, nb, knn, ridge, dummy  0.5   the same algorithm and optimum: results are expected equal
  qda, ada                        0.5   the same algorithm (ties broken alike on this data)
  dt                              1.0   the same CART; equal-gain splits are broken by different RNGs
  rf, et, svm                     1.5   random forests differ by their random streams; svm is
                                        LinearSVC's problem solved to a tighter tolerance
  gbm                             0.75  LightGBM's algorithm; float sums and tie-breaks differ (0.21
                                        measured on both tasks); and at least 0.80 on ALL7
  scaler → PCA 0.999 → ET (tuned) 1.5   of scikit-learn's figure for the same parameters, and of the
                                        seed notebook's 0.9451

Per fold, each model's accuracy, macro F1 and one-vs-rest macro AUC (as its tracked compare run
recorded them) are compared with the peer's on the same fold: within 3 points a fold (6 for dt, rf,
et and gbm, whose random streams or tie-breaks differ; half of that for AUC), and their means within
the model's tolerance above (twice it for gbm). AUC is skipped for ridge and svm, which have no
probabilities in scikit-learn.

Usage: models_vs_sklearn.py PLATESHELL_BINARY FAULTS_CSV FOLDS_JSON
"""
import json
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import AdaBoostClassifier, ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
SCALED = ["lr", "knn", "ridge", "svm"]
RAW = ["dummy", "lda", "qda", "nb", "dt", "rf", "et", "gbm", "ada"]
TOLERANCE = {"lr": 0.5, "lda": 0.5, "nb": 0.5, "knn": 0.5, "ridge": 0.5, "dummy": 0.5, "qda": 0.5, "ada": 0.5,
             "dt": 1.0, "rf": 1.5, "et": 1.5, "svm": 1.5, "gbm": 0.75}
TUNED_ET = dict(n_estimators=230, max_depth=8, min_impurity_decrease=0.0002, max_features="log2", bootstrap=True,
                min_samples_split=10, min_samples_leaf=2, class_weight="balanced")
SEED_NOTEBOOK_TUNED = 0.9451
# Per fold (accuracy and macro F1, in points; AUC half of it): the same algorithm may differ by a
# plate or two a fold; random forests and boosting by their random streams.
FOLD_TOLERANCE = {"default": 3.0, "rf": 6.0, "et": 6.0, "gbm": 6.0, "dt": 6.0}


def peers():
    return {
        "dummy": lambda: DummyClassifier(strategy="prior"),
        "lr": lambda: LogisticRegression(max_iter=1000),
        "ridge": lambda: RidgeClassifier(),
        "lda": lambda: LinearDiscriminantAnalysis(),
        "qda": lambda: QuadraticDiscriminantAnalysis(reg_param=0.01),
        "nb": lambda: GaussianNB(),
        "knn": lambda: KNeighborsClassifier(),
        "dt": lambda: DecisionTreeClassifier(random_state=42),
        "rf": lambda: RandomForestClassifier(random_state=42),
        "et": lambda: ExtraTreesClassifier(random_state=42),
        "gbm": lambda: LGBMClassifier(random_state=42, verbose=-1, n_jobs=1),
        "ada": lambda: AdaBoostClassifier(random_state=42),
        "svm": lambda: LinearSVC(random_state=42, max_iter=100_000),
    }


def peer_folds(make, x, y, folds, scaled):
    """Per fold: accuracy, macro F1 and one-vs-rest macro AUC (None for models without probabilities)."""
    scores = {"accuracy": [], "f1": [], "auc": []}
    for test in folds:
        train = np.ones(len(y), bool)
        train[test] = False
        model = make_pipeline(StandardScaler(), make()) if scaled else make()
        model.fit(x[train], y[train])
        predicted = model.predict(x[test])
        scores["accuracy"].append(float((predicted == y[test]).mean()))
        scores["f1"].append(float(f1_score(y[test], predicted, average="macro")))
        scores["auc"].append(float(roc_auc_score(y[test], model.predict_proba(x[test]), multi_class="ovr", average="macro",
                                                 labels=model.classes_)) if hasattr(model, "predict_proba") else None)
    return scores


def peer_accuracy(make, x, y, folds, scaled):
    return float(np.mean(peer_folds(make, x, y, folds, scaled)["accuracy"]))


def plateshell(binary, data, commands):
    with tempfile.TemporaryDirectory() as workspace:
        result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c",
                                 f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; " + commands],
                                capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"plateshell failed:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def leaderboard(documents):
    table = next(b for d in documents if d["command"] == "compare" for b in d["blocks"] if b.get("name") == "leaderboard")
    index = table["columns"].index("accuracy")
    return {row[0]: row[index] for row in table["rows"]}


FOLD_QUERY = ("sql select r.name as model, substr(m.key, 6) as metric, m.step as fold, m.value from catalog.metrics m "
              "join catalog.runs r on r.run_id = m.run_id where m.key in ('fold_accuracy', 'fold_f1', 'fold_auc') order by 1, 2, 3")


def fold_scores(documents):
    """Each compared model's per-fold accuracy, macro F1 and AUC, as its tracked run recorded them."""
    table = next(b for d in documents if d["command"] == "sql" for b in d["blocks"] if b["type"] == "table")
    scores = {}
    for model, metric, fold, value in table["rows"]:
        scores.setdefault(model, {}).setdefault(metric, []).append(value)
    return scores


def main():
    binary, data, folds_path = sys.argv[1:4]
    frame = pd.read_csv(data)
    tasks = json.load(open(folds_path))
    failures, lines = [], []
    for task, keep in [("TOP3", "keep top=3 by=Label exclude=Other_Faults; "), ("ALL7", "")]:
        spec = tasks[task]
        rows = spec["original_row_index"]
        x = frame.drop(columns=FAULTS).iloc[rows].to_numpy()
        y = frame[FAULTS].idxmax(axis=1).iloc[rows].to_numpy()
        folds = spec["test_index_per_fold"]
        scaled = plateshell(binary, data, f"{keep}scale; compare folds={folds_path} models={','.join(SCALED)} pca=off; {FOLD_QUERY}")
        raw = plateshell(binary, data, f"{keep}scale method=none; compare folds={folds_path} models={','.join(RAW)} pca=off; {FOLD_QUERY}")
        ours = {**leaderboard(scaled), **leaderboard(raw)}
        per_fold = {**fold_scores(scaled), **fold_scores(raw)}
        for name, make in peers().items():
            peer = peer_folds(make, x, y, folds, name in SCALED)
            theirs = float(np.mean(peer["accuracy"]))
            difference = 100 * (ours[name] - theirs)
            for metric in ("accuracy", "f1", "auc"):
                mine = per_fold.get(name, {}).get(metric, [])
                if peer[metric][0] is None:
                    continue
                if len(mine) != len(folds):
                    failures.append(f"{task} {name}: {len(mine)} per-fold {metric} values tracked, {len(folds)} folds")
                    continue
                worst = max(abs(a - b) for a, b in zip(mine, peer[metric])) * 100
                allowed = FOLD_TOLERANCE.get(name, FOLD_TOLERANCE["default"]) * (0.5 if metric == "auc" else 1)
                mean_difference = 100 * abs(np.mean(mine) - np.mean(peer[metric]))
                fold_ok = worst <= allowed and mean_difference <= TOLERANCE.get(name, 1.0) * (2 if name == "gbm" else 1)
                lines.append(f"{task:5} {name:6} {metric:8} per fold: largest |diff| {worst:5.2f} pts (≤ {allowed:g}), "
                             f"mean diff {mean_difference:.2f} pts {'ok' if fold_ok else 'FAIL'}")
                if not fold_ok:
                    failures.append(lines[-1])
            ok = abs(difference) <= TOLERANCE[name] and (name != "gbm" or task == "TOP3" or ours[name] >= 0.80)
            rule = f"±{TOLERANCE[name]}" + (" and ≥ 0.80" if name == "gbm" and task == "ALL7" else "")
            lines.append(f"{task:5} {name:6} plateshell {ours[name]:.4f}  peer {theirs:.4f}  diff {difference:+.2f} pts  ({rule}) {'ok' if ok else 'FAIL'}")
            if not ok:
                failures.append(lines[-1])
        if task == "TOP3":
            settings = " ".join(f"{k}={v}" for k, v in TUNED_ET.items())
            documents = plateshell(binary, data, f"{keep}scale; pca var=0.999; tune et iters=1 folds={folds_path} {settings}")
            table = next(b for d in documents if d["command"] == "tune" for b in d["blocks"] if b.get("name") == "candidates")
            tuned = table["rows"][0][1]
            peer = peer_accuracy(lambda: make_pipeline(PCA(0.999), ExtraTreesClassifier(random_state=42, **TUNED_ET)),
                                 x, y, folds, scaled=True)
            ok = abs(tuned - peer) <= 0.015 and abs(tuned - SEED_NOTEBOOK_TUNED) <= 0.015
            lines.append(f"TOP3  scale→pca→et(tuned) plateshell {tuned:.4f}  peer {peer:.4f}  seed notebook {SEED_NOTEBOOK_TUNED}  "
                         f"(±1.5) {'ok' if ok else 'FAIL'}")
            if not ok:
                failures.append(lines[-1])
    print("\n".join(lines))
    if failures:
        sys.exit(f"FAILED: {len(failures)} models outside their tolerance")
    print(f"ok: {len(lines)} comparisons within tolerance")


if __name__ == "__main__":
    main()
