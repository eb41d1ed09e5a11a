"""Cross-check PlateShell's ONNX export against onnxruntime, onnx.checker and MLflow's pyfunc.

For TOP3 (Bumps, K_Scatch, Z_Scratch) and ALL7 (the 7 classes), in a fresh workspace: scale, then
every kind fitted on all rows and registered (onnx-<setup>-<kind>), then PCA 0.999 with lr and gbm
on the components and the scaler + PCA transform itself (`register pca`). PlateShell scores all
1941 plates with each version (`predict with=models:/NAME/1 on=fsp.faults into=...`). Then:

1. every model.onnx passes onnx.checker (full_check: with type and shape inference);
2. onnxruntime on the same 1941 raw rows (each column fed as its own tensor, int64 or double as
   the signature says) gives PlateShell's labels on every row and its probabilities (or
   components) within TOLERANCE; the largest difference per kind is printed;
3. the catalog exported as an MLflow file store, `mlflow.pyfunc.load_model("models:/NAME/1")`
   predicts the same DataFrame columns (predicted, proba_<class> / pc1…) and values, and warns about
   nothing (the model names its Python version); every model directory's python_env.yaml, conda.yaml
   and requirements.txt are those MLflow writes (model_environment.check_environment_files);
4. knn has no ONNX flavor: its MLmodel lists only plateshell and says why, and `register` says
   MLflow's pyfunc cannot load it.

Usage: onnx_vs_runtime.py PLATESHELL_BINARY FAULTS_CSV
"""
import logging
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, FEATURES, exit_on_failures, run_plateshell  # noqa: E402
from model_environment import check_environment_files  # noqa: E402

import mlflow.pyfunc  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402


class Warnings(logging.Handler):
    """Collects what MLflow's pyfunc warns about while a model loads."""
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


TOLERANCE = 1e-6
KINDS = ["dummy", "lr", "ridge", "lda", "qda", "nb", "knn", "dt", "rf", "et", "gbm", "ada", "svm"]
PCA_KINDS = ["lr", "gbm"]
SETUPS = {"top3": "keep top=3 by=Label exclude=Other_Faults; ", "all7": ""}


def names(setup):
    """The registered models of a setup: kind → name."""
    return {**{kind: f"onnx-{setup}-{kind}" for kind in KINDS}, **{f"{kind}+pca": f"onnx-{setup}-{kind}-pca" for kind in PCA_KINDS},
            "pca": f"onnx-{setup}-pca"}


def script(data, setup):
    models = names(setup)
    commands = [f"load {data} as fsp.faults", "use fsp.faults", f"label onehot={','.join(FAULTS)}", SETUPS[setup] + "scale"]
    for kind in KINDS:
        commands += [f"fit {kind} on=all", f"register {kind} as {models[kind]}"]
    commands.append("pca var=0.999")
    for kind in PCA_KINDS:
        commands += [f"fit {kind} on=all as={kind}_pca", f"register {kind}_pca as {models[kind + '+pca']}"]
    commands.append(f"register pca as {models['pca']}")
    for label, name in models.items():
        commands.append(f"predict with=models:/{name}/1 on=fsp.faults into=fsp.p_{name.replace('-', '_')}")
    return "; ".join(commands)


def model_directory(workspace, name):
    with sqlite3.connect(f"{workspace}/catalog.sqlite") as db:
        (location,) = db.execute("select storage_location from model_versions where name = ? and version = 1", (name,)).fetchone()
    return urlparse(location).path


def plateshell_predictions(workspace, name):
    with sqlite3.connect(f"{workspace}/tables/fsp.sqlite") as db:
        return pd.read_sql_query(f"select * from p_{name.replace('-', '_')}", db)


def compare(label, expected, actual, failures):
    """The largest probability (or component) difference; a failure for any label difference."""
    columns = [c for c in expected.columns if c.startswith("proba_") or re.fullmatch(r"pc\d+", c)]
    missing = [c for c in columns + (["predicted"] if "predicted" in expected else []) if c not in actual]
    if missing:
        failures.append(f"{label}: no column {missing} in {list(actual.columns)}")
        return float("inf")
    if "predicted" in expected:
        wrong = np.flatnonzero(expected["predicted"].to_numpy() != np.asarray(actual["predicted"]).astype(str))
        if len(wrong):
            failures.append(f"{label}: {len(wrong)} labels differ, first at row {wrong[0]}: "
                            f"{expected['predicted'][wrong[0]]} vs {actual['predicted'][wrong[0]]}")
    difference = max(float(np.max(np.abs(expected[c].to_numpy() - np.asarray(actual[c], dtype=float)))) for c in columns)
    if not difference <= TOLERANCE:
        failures.append(f"{label}: probabilities differ by up to {difference:.3g} (tolerance {TOLERANCE:g})")
    return difference


def feeds(rows, session):
    return {i.name: rows[i.name].to_numpy().astype(np.int64 if i.type == "tensor(int64)" else np.float64) for i in session.get_inputs()}


def check_setup(binary, data, rows, setup, scratch, failures):
    workspace = f"{scratch}/{setup}"
    result = run_plateshell(binary, workspace, script(data, setup), timeout=1800)
    store = f"{scratch}/{setup}-mlruns"
    run_plateshell(binary, workspace, f"export mlflow {store}")
    mlflow.set_tracking_uri(store)
    mlflow.set_registry_uri(store)
    report = []
    for kind, name in names(setup).items():
        directory = model_directory(workspace, name)
        mlmodel = yaml.safe_load(open(f"{directory}/MLmodel"))
        if kind == "knn":
            if set(mlmodel["flavors"]) != {"plateshell"} or "onnx_unavailable" not in mlmodel["flavors"]["plateshell"]:
                failures.append(f"{setup} knn: flavors {mlmodel['flavors']}")
            if f"MLflow's pyfunc cannot load this version: the model has no ONNX flavor (knn" not in result.stdout:
                failures.append(f"{setup} knn: register did not say why MLflow's pyfunc cannot load it")
            continue
        if set(mlmodel["flavors"]) != {"onnx", "plateshell", "python_function"}:
            failures.append(f"{setup} {kind}: flavors {sorted(mlmodel['flavors'])}")
            continue
        path = f"{directory}/model.onnx"
        try:
            onnx.checker.check_model(onnx.load(path), full_check=True)
        except Exception as error:  # noqa: BLE001 - any checker failure is a failure of the export
            failures.append(f"{setup} {kind}: onnx.checker: {error}")
            continue
        check_environment_files(directory, failures)
        expected = plateshell_predictions(workspace, name)
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs = session.run(None, feeds(rows, session))
        runtime = pd.DataFrame({o.name: np.asarray(v).reshape(-1) for o, v in zip(session.get_outputs(), outputs)})
        runtime_difference = compare(f"{setup} {kind} onnxruntime", expected, runtime, failures)
        warnings = Warnings()
        logging.getLogger("mlflow.pyfunc").addHandler(warnings)
        try:
            pyfunc = mlflow.pyfunc.load_model(f"models:/{name}/1").predict(rows)
        finally:
            logging.getLogger("mlflow.pyfunc").removeHandler(warnings)
        if warnings.messages:
            failures.append(f"{setup} {kind}: pyfunc warned: {warnings.messages}")
        if list(pyfunc.columns) != [c for c in expected.columns if c == "predicted" or c.startswith("proba_") or re.fullmatch(r"pc\d+", c)]:
            failures.append(f"{setup} {kind} pyfunc: columns {list(pyfunc.columns)}")
        pyfunc_difference = compare(f"{setup} {kind} pyfunc", expected, pyfunc, failures)
        report.append(f"{kind} {max(runtime_difference, pyfunc_difference):.1e} ({os.path.getsize(path) / 1024:.0f} KiB)")
    print(f"  {setup}: largest |Δ probability| (|Δ component| for pca) vs onnxruntime and pyfunc, model.onnx size: " + ", ".join(report))


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    rows = pd.read_csv(data).iloc[:, :FEATURES]
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        for setup in SETUPS:
            check_setup(binary, data, rows, setup, scratch, failures)
    exit_on_failures(failures)
    print(f"  onnx: onnx.checker passes, onnxruntime and mlflow.pyfunc give PlateShell's labels on all {len(rows)} rows "
          f"and its probabilities within {TOLERANCE:g}, for {len(KINDS) - 1} kinds + PCA on TOP3 and ALL7")


if __name__ == "__main__":
    main()
