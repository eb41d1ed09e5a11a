"""A PlateShell model in the Python environment its files describe (imported by onnx_vs_runtime.py and
mlflow_roundtrip.py).

- check_environment_files: python_env.yaml, conda.yaml and requirements.txt are the files MLflow 3.17.2
  writes in this venv for the same requirements (mlflow.onnx.save_model of the same model.onnx), the
  requirements pinned to the versions installed here, without onnx (mlflow.onnx's pyfunc loader imports
  only onnxruntime); the python_function flavor names them (env) and the Python version, as MLflow's does.
- check_virtualenv_scoring: MLflow's virtualenv manager recreates that environment and scores a
  registered model in it, twice: `mlflow models serve -m models:/… --env-manager virtualenv` and
  `mlflow.pyfunc.spark_udf(…, env_manager="virtualenv")` on a local Spark (MLflow refuses that manager
  on a Spark Connect client outside Databricks), both with PlateShell's labels on every plate.

The virtualenv manager installs the model's Python with `pyenv install --skip-existing VERSION`:
`mlflow models serve` into pyenv's own root, which holds it already, while spark_udf always uses a fresh
root. This machine reaches PyPI but not www.python.org, where pyenv downloads Python's sources, so the
fresh root gets a pyenv build definition (PYTHON_BUILD_DEFINITIONS) that links the interpreter this venv
was made from — the same version the model names, checked — in place of building it. Every package
still comes from pip. The served environment is kept in .build/mlflow-envs (MLFLOW_ENV_ROOT), so later
runs reuse it; spark_udf builds its environment anew every time (MLflow gives it a temporary root).
"""
import filecmp
import http.client
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import free_port, get, log_tail  # noqa: E402

ENVIRONMENT_FILES = ["python_env.yaml", "conda.yaml", "requirements.txt"]
ENV_ROOT = Path(__file__).resolve().parents[2] / ".build" / "mlflow-envs"
# Creating an environment downloads and installs MLflow and onnxruntime with pip: minutes.
ENVIRONMENT_TIMEOUT = 1800


def check_environment_files(model_dir, failures):
    """PlateShell's environment files against MLflow's for the same model.onnx and requirements."""
    import mlflow.onnx
    import onnx
    with open(f"{model_dir}/requirements.txt") as f:
        requirements = f.read().split("\n")
    installed = [f"{name}=={importlib.metadata.version(name)}" for name in ("mlflow", "onnxruntime")]
    if requirements != installed:
        failures.append(f"{model_dir}: requirements.txt lists {requirements}; mlflow.onnx's pyfunc needs {installed}")
    with tempfile.TemporaryDirectory() as scratch:
        theirs = f"{scratch}/model"
        mlflow.onnx.save_model(onnx.load(f"{model_dir}/model.onnx"), theirs, pip_requirements=requirements)
        for name in ENVIRONMENT_FILES:
            if not os.path.exists(f"{model_dir}/{name}"):
                failures.append(f"{model_dir}: no {name}, which MLflow's environment managers read")
            elif not filecmp.cmp(f"{model_dir}/{name}", f"{theirs}/{name}", shallow=False):
                failures.append(f"{model_dir}: {name} differs from MLflow's:\n{Path(model_dir, name).read_text()}\n"
                                f"MLflow's:\n{Path(theirs, name).read_text()}")
        ours, mlflows = (yaml.safe_load(Path(d, "MLmodel").read_text())["flavors"]["python_function"] for d in (model_dir, theirs))
        for key in ("env", "python_version", "loader_module"):
            if ours.get(key) != mlflows.get(key):
                failures.append(f"{model_dir}: python_function's {key} is {ours.get(key)!r}, MLflow writes {mlflows.get(key)!r}")


def pyenv_definitions(scratch, python_version):
    """A directory with a pyenv build definition of PYTHON_VERSION that links this venv's base interpreter."""
    here = ".".join(map(str, sys.version_info[:3]))
    if here != python_version:
        sys.exit(f"FAIL the model names Python {python_version}, the cross-check venv runs {here}: "
                 "recreate .venv-crosscheck with that Python, or update PyfuncEnvironment")
    definitions = Path(scratch, "pyenv-definitions")
    definitions.mkdir(exist_ok=True)
    (definitions / python_version).write_text(
        f'# Python {python_version} already built by pyenv: linked, not built again from python.org\n'
        f'mkdir -p "$PREFIX_PATH/bin"\nln -sf "{os.path.realpath(sys._base_executable)}" "$PREFIX_PATH/bin/python"\n')
    return str(definitions)


def check_virtualenv_scoring(model_uri, tracking_uri, plates, labels, scratch, failures):
    """Serves MODEL_URI with `mlflow models serve --env-manager virtualenv` while spark_udf scores it with
    env_manager="virtualenv"; both must give LABELS (PlateShell's) for the PLATES DataFrame."""
    import mlflow.models
    if shutil.which("pyenv") is None:
        failures.append("MLflow's virtualenv manager installs the model's Python with pyenv, which is not on PATH: "
                        "install it (https://github.com/pyenv/pyenv#installation) to run the virtualenv checks")
        return
    info = mlflow.models.get_model_info(model_uri)
    python_version = info.flavors["python_function"]["python_version"]
    bin_dir = os.path.dirname(sys.executable)
    environment = dict(os.environ, MLFLOW_TRACKING_URI=tracking_uri, MLFLOW_ENV_ROOT=str(ENV_ROOT),
                       PYTHON_BUILD_DEFINITIONS=pyenv_definitions(scratch, python_version),
                       PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    ENV_ROOT.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), f"{scratch}/mlflow-virtualenv-serve.log"
    started = time.perf_counter()
    server = subprocess.Popen([f"{bin_dir}/mlflow", "models", "serve", "-m", model_uri, "--env-manager", "virtualenv",
                               "-h", "127.0.0.1", "-p", str(port)],
                              stdout=open(log, "w"), stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    try:
        udf_labels, udf_seconds = spark_udf_labels(model_uri, plates, environment)
        if udf_labels != labels:
            differing = sum(a != b for a, b in zip(udf_labels, labels))
            failures.append(f"spark_udf(env_manager='virtualenv') labels differ from PlateShell's on {differing} of {len(labels)} plates")
        served = served_labels(f"http://127.0.0.1:{port}", server, log, plates, started)
        if served != labels:
            differing = sum(a != b for a, b in zip(served, labels))
            failures.append(f"mlflow models serve --env-manager virtualenv: labels differ from PlateShell's on {differing} of {len(labels)} plates")
        print(f"  {model_uri} in its own virtualenv: spark_udf {udf_seconds:.0f} s (a new environment), "
              f"mlflow models serve up after {time.perf_counter() - started:.0f} s ({ENV_ROOT} reused when it holds it)")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def spark_udf_labels(model_uri, plates, environment):
    """The labels spark_udf(env_manager="virtualenv") gives on a local Spark, and how long it took."""
    import mlflow.pyfunc
    from pyspark.sql import SparkSession
    saved = dict(os.environ)
    os.environ.update({k: environment[k] for k in ("MLFLOW_TRACKING_URI", "PYTHON_BUILD_DEFINITIONS", "PATH")},
                      PYSPARK_PYTHON=sys.executable)
    started = time.perf_counter()
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    try:
        predict = mlflow.pyfunc.spark_udf(spark, model_uri, result_type="string", env_manager="virtualenv")
        frame = spark.createDataFrame(plates)
        labels = list(frame.select(predict(*[frame[c] for c in plates.columns]).alias("label")).toPandas()["label"])
    finally:
        spark.stop()
        os.environ.clear()
        os.environ.update(saved)
    return labels, time.perf_counter() - started


def served_labels(url, server, log, plates, started):
    """The labels the server answers for PLATES, once it is up (it is creating its environment first)."""
    while True:
        if server.poll() is not None:
            sys.exit(f"FAIL mlflow models serve --env-manager virtualenv exited ({server.returncode}):\n{log_tail(log)}")
        try:
            if get(url, "/ping") == 200:
                break
        except OSError:
            pass
        if time.perf_counter() - started > ENVIRONMENT_TIMEOUT:
            sys.exit(f"FAIL mlflow models serve --env-manager virtualenv did not answer in {ENVIRONMENT_TIMEOUT} s:\n{log_tail(log)}")
        time.sleep(1)
    body = json.dumps({"dataframe_split": json.loads(plates.to_json(orient="split", index=False))})
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=300)
    try:
        connection.request("POST", "/invocations", body=body, headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        if answer.status != 200:
            sys.exit(f"FAIL mlflow models serve --env-manager virtualenv answered {answer.status}: {answer.read()[:800]!r}")
        return [row["predicted"] for row in json.load(answer)["predictions"]]
    finally:
        connection.close()
