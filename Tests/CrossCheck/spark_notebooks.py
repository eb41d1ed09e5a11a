"""The notebook scripts (01 to 04) replayed with $SPARK_REMOTE set (fsp.faults and fsp.top3 on a real Spark
Connect server) give the same results as replayed on the embedded store.

Both replays run in one project folder (data/faults.csv), each with a workspace of its own, with
--format json. Every replay must succeed; then, command by command, the tables, heatmaps and
histograms of the commands that compute from the data (describe, counts, corr, hist, sql over the
tables, keep, pca, compare, tune, evaluate, predict, shap, advise, actionable) must be equal: the
same columns and rows, text equal, numbers within 1e-9 relative (Spark's aggregates add in
another order), timings left out. The stored tables' digests (load, save) must be equal too.
Then distributed batch scoring by Spark itself: the Production model of the Spark replay, scored with
`mlflow.pyfunc.spark_udf` on the Spark table fsp.faults (Python workers on the server), gives PlateShell's
own labels (`predict with=… on=fsp.faults into=fsp.scored`) on every row.
Usage: spark_notebooks.py PLATESHELL_BINARY FAULTS_CSV PORT
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RELATIVE, ABSOLUTE = 1e-9, 1e-12
TIMINGS = {"fit_ms", "time_ms", "seconds", "elapsed"}  # how long a fit took: not a result
COMPARED = {"describe", "counts", "corr", "hist", "keep", "pca", "compare", "tune", "evaluate", "predict", "shap",
            "advise", "actionable"}
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "scripts" / "notebooks").glob("[0-9]*.plsh"))


def replay(binary, project, workspace, remote):
    environment = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "MLFLOW_TRACKING_URI")}
    if remote:
        environment["SPARK_REMOTE"] = remote
    documents = []
    for notebook in NOTEBOOKS:
        result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "run", str(notebook)],
                                cwd=project, capture_output=True, text=True, check=False, env=environment)
        if result.returncode != 0:
            sys.exit(f"FAIL replaying {notebook.name} {'on Spark' if remote else 'on the embedded store'} "
                     f"failed ({result.returncode}):\n{result.stderr[-3000:]}")
        documents += [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return documents


def drop_inference_log(port):
    """Notebook 4's inference log starts empty on Spark, as in the new embedded workspace (a rerun against the
    same server would otherwise append to an earlier run's log)."""
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.remote(f"sc://127.0.0.1:{port}").getOrCreate()
    try:
        spark.sql("DROP TABLE IF EXISTS fsp.inference")
    finally:
        spark.stop()


def score_with_spark_udf(binary, project, port):
    """PlateShell's labels for fsp.faults against mlflow.pyfunc.spark_udf's, row by row."""
    import mlflow.pyfunc
    from pyspark.sql import SparkSession
    remote = f"sc://127.0.0.1:{port}"
    environment = dict(os.environ, SPARK_REMOTE=remote)
    commands = ("predict with=models:/et-fsp-model/Production on=fsp.faults into=fsp.scored; "
                "versions et-fsp-model")
    result = subprocess.run([binary, "--workspace", "spark", "--format", "json", "-c", commands], cwd=project,
                            capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        return 1, [f"predict on Spark failed: {result.stderr[-800:]}"]
    versions = json.loads(result.stdout.splitlines()[-1])["blocks"][0]
    production = next(dict(zip(versions["columns"], row)) for row in versions["rows"]
                      if dict(zip(versions["columns"], row))["stage"] == "Production")
    run_id = production["source"].split("/")[1]
    model = os.path.join(project, "spark", "artifacts", "runs", run_id, "model")
    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        predict = mlflow.pyfunc.spark_udf(spark, model, result_type="string", env_manager="local")
        plates = spark.table("fsp.faults")
        theirs = plates.select(predict(*[plates[c] for c in plates.columns[:27]]).alias("label")).toPandas()["label"]
        ours = spark.table("fsp.scored").toPandas()["predicted"]
    finally:
        spark.stop()
    if len(ours) != 1941 or list(ours) != list(theirs):
        differing = sum(a != b for a, b in zip(ours, theirs))
        return 1, [f"spark_udf labels differ from PlateShell's on {differing} of {len(ours)} rows"]
    return 1, []


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= max(ABSOLUTE, RELATIVE * abs(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def main():
    binary, data, port = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as project:
        os.makedirs(os.path.join(project, "data"))
        shutil.copy(data, os.path.join(project, "data", "faults.csv"))
        drop_inference_log(port)
        embedded = replay(binary, project, "embedded", None)
        spark = replay(binary, project, "spark", f"sc://127.0.0.1:{port}")
        udf_checks, udf_failures = score_with_spark_udf(binary, project, port)
    if [d["command"] for d in embedded] != [d["command"] for d in spark]:
        sys.exit("FAIL the replays ran other commands:\n"
                 f"{[d['command'] for d in embedded]}\n{[d['command'] for d in spark]}")
    for ours, theirs in zip(spark, embedded):
        command = ours["command"]
        if command in ("load", "save"):
            checked += 1
            digest = next(b for b in ours["blocks"] if b["type"] == "fields")["fields"]["digest"]
            expected = next(b for b in theirs["blocks"] if b["type"] == "fields")["fields"]["digest"]
            if digest != expected:
                failures.append(f"{command} at {ours.get('source')}: digest {digest} on Spark, {expected} embedded")
        if command not in COMPARED and not (command == "sql" and "catalog." not in json.dumps(ours)):
            continue
        blocks = [b for b in ours["blocks"] if b["type"] in ("table", "heatmap", "histogram")]
        expected_blocks = [b for b in theirs["blocks"] if b["type"] in ("table", "heatmap", "histogram")]
        checked += 1
        if len(blocks) != len(expected_blocks):
            failures.append(f"{command} at {ours.get('source')}: {len(blocks)} blocks on Spark, {len(expected_blocks)}")
            continue
        for block, expected in zip(blocks, expected_blocks):
            timed = [i for i, name in enumerate(block.get("columns") or []) if name in TIMINGS]
            for table in (block, expected):
                if timed and "rows" in table:
                    table["rows"] = [[cell for i, cell in enumerate(row) if i not in timed] for row in table["rows"]]
            for key in ("columns", "rows", "labels", "values", "counts", "edges"):
                if key in block or key in expected:
                    checked += 1
                    if not same(block.get(key), expected.get(key)):
                        failures.append(f"{command} at {ours.get('source')}: {block.get('name')}.{key} differs")
    checked += udf_checks
    failures += udf_failures
    print(f"notebooks on Spark vs embedded: {len(spark)} commands, {checked} checks, {len(failures)} failures")
    for failure in failures[:40]:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
