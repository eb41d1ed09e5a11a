"""Check PlateShell's tracking against the real MLflow (3.17.2).

1. Starts `mlflow server` on 127.0.0.1 (SQLite backend, proxied artifacts), replays notebook 3
   against it through `tracking uri=`, and reads everything back with the real MlflowClient:
   experiment, runs with params, metric histories, tags, artifact listings, dataset inputs,
   registered models with descriptions, versions with stages and aliases (et-fsp-model: version 1
   from the tuned run, then Archived when the retrained version 2 went to Production; the champion
   alias stays on version 1), the batch-scoring run, and the Production versions' signatures
   through mlflow.models.get_model_info. Stops the server.
2. Writes the same catalog with `export mlflow DIR`, reads it the same way
   (MLFLOW_ALLOW_FILE_STORE=true), and converts it with `mlflow migrate-filestore`.
3. The server down: the shell says so, keeps the session and loses nothing locally.

Usage: mlflow_roundtrip.py PLATESHELL_BINARY FAULTS_CSV
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FEATURES, exit_on_failures, free_port, run_plateshell, wait_for_ping  # noqa: E402

import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

NOTEBOOK = "scripts/notebooks/03-tracking-registry-deployment.plsh"
EXPERIMENT = "fsp-faults"
SCORING_RUN = "predict with et-fsp-model/1"
RETRAINED_RUN = "fit et_retrained"


def expect(condition, message, failures):
    if not condition:
        failures.append(message)


def check_store(uri, failures, label, expect_remote_sources):
    """Everything notebook 3 recorded, read back through the real client from `uri`."""
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    expect(experiment is not None, f"{label}: experiment {EXPERIMENT} missing", failures)
    if experiment is None:
        return
    runs = {run.info.run_name: run for run in client.search_runs([experiment.experiment_id])}
    expect(set(runs) >= {"pca", "tune et", SCORING_RUN, RETRAINED_RUN}, f"{label}: runs are {sorted(runs)}", failures)
    pca, tuned, scoring, retrained = (runs.get(name) for name in ("pca", "tune et", SCORING_RUN, RETRAINED_RUN))
    if pca is None or tuned is None or scoring is None or retrained is None:
        return
    # params and metric histories
    expect(pca.data.params.get("pca") == "var=0.999", f"{label}: pca param {pca.data.params.get('pca')}", failures)
    expect(pca.data.params.get("n_components") == "20", f"{label}: n_components {pca.data.params.get('n_components')}", failures)
    ratios = client.get_metric_history(pca.info.run_id, "explained_variance_ratio")
    expect(len(ratios) == FEATURES and sorted(m.step for m in ratios) == list(range(FEATURES)),
           f"{label}: explained_variance_ratio history has {len(ratios)} points", failures)
    expect(abs(sum(m.value for m in ratios) - 1) < 1e-9, f"{label}: variance ratios sum to {sum(m.value for m in ratios)}", failures)
    expect(tuned.data.params.get("n_estimators") == "230" and tuned.data.params.get("max_features") == "log2",
           f"{label}: tuned params {tuned.data.params}", failures)
    accuracy = tuned.data.metrics.get("accuracy")
    expect(accuracy is not None and 0.93 < accuracy < 0.96, f"{label}: tuned accuracy {accuracy}", failures)
    folds = client.get_metric_history(tuned.info.run_id, "fold_accuracy")
    expect(len(folds) == 10, f"{label}: fold_accuracy has {len(folds)} points", failures)
    if folds:
        mean = sum(m.value for m in folds) / len(folds)
        expect(abs(mean - accuracy) < 1e-12, f"{label}: mean of folds {mean} vs accuracy {accuracy}", failures)
    # tags
    tags = tuned.data.tags
    expect(tags.get("mlflow.source.name", "").endswith("03-tracking-registry-deployment.plsh"),
           f"{label}: source tag {tags.get('mlflow.source.name')}", failures)
    expect(tags.get("plateshell.source.line", "").isdigit(), f"{label}: source line tag {tags.get('plateshell.source.line')}", failures)
    expect(tags.get("mlflow.runName") == "tune et", f"{label}: runName tag {tags.get('mlflow.runName')}", failures)
    expect("plateshell.version" in tags, f"{label}: no plateshell.version tag", failures)
    # artifacts
    pca_files = {f.path for f in client.list_artifacts(pca.info.run_id, "pca")}
    expect(pca_files == {"pca/variance.png", "pca/components.csv", "pca/principal_components.csv"}, f"{label}: pca artifacts {pca_files}", failures)
    model_files = {f.path for f in client.list_artifacts(tuned.info.run_id, "model")}
    expect({"model/MLmodel", "model/pipeline.json", "model/plateshell_env.yaml", "model/input_example.json"} <= model_files,
           f"{label}: model artifacts {model_files}", failures)
    with tempfile.TemporaryDirectory() as scratch:
        png = client.download_artifacts(pca.info.run_id, "pca/variance.png", scratch)
        expect(open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{label}: variance.png is not a PNG", failures)
    # dataset inputs
    inputs = tuned.inputs.dataset_inputs
    expect(len(inputs) == 1, f"{label}: {len(inputs)} dataset inputs", failures)
    if inputs:
        dataset = inputs[0].dataset
        expect(dataset.name == "fsp.faults@v1" and len(dataset.digest) == 8, f"{label}: dataset {dataset.name} {dataset.digest}", failures)
        expect(json.loads(dataset.profile).get("num_rows") == 983, f"{label}: dataset profile {dataset.profile}", failures)
        expect(json.loads(dataset.source).get("table") == "fsp.faults", f"{label}: dataset source {dataset.source}", failures)
        context = {tag.key: tag.value for tag in inputs[0].tags}.get("mlflow.data.context")
        expect(context == "training", f"{label}: dataset context {context}", failures)
    # the batch scoring run (predict with=models:/et-fsp-model/Production) leads back to version 1 and its run
    params = scoring.data.params
    expect(params.get("model_name") == "et-fsp-model" and params.get("model_version") == "1",
           f"{label}: scoring run params {params}", failures)
    expect(params.get("model_run_id") == tuned.info.run_id,
           f"{label}: the scoring run's model_run_id {params.get('model_run_id')} is not the id of the tune et run "
           f"in this store ({tuned.info.run_id})", failures)
    contexts = [{tag.key: tag.value for tag in i.tags}.get("mlflow.data.context") for i in scoring.inputs.dataset_inputs]
    expect(contexts == ["scoring"], f"{label}: scoring run dataset contexts {contexts}", failures)
    expect(retrained.data.params.get("n_estimators") == "400" and retrained.data.params.get("max_depth") == "12",
           f"{label}: retrained params {retrained.data.params}", failures)
    # registry
    for name, kind, outputs, stages in [("pca-fsp-model", "transform", 20, {"1": "Production"}),
                                        ("et-fsp-model", "classifier", 4, {"1": "Archived", "2": "Production"})]:
        model = client.get_registered_model(name)
        expect(bool(model.description), f"{label}: {name} has no description", failures)
        versions = client.search_model_versions(f"name='{name}'")
        expect({str(v.version): v.current_stage for v in versions} == stages,
               f"{label}: {name} versions {[(v.version, v.current_stage) for v in versions]}", failures)
        for version in versions:
            expect(bool(version.description), f"{label}: {name} version {version.version} has no description", failures)
        info = mlflow.models.get_model_info(f"models:/{name}/Production")
        inputs_schema, outputs_schema = info.signature.inputs, info.signature.outputs
        expect(len(inputs_schema.input_names()) == FEATURES, f"{label}: {name} signature has {len(inputs_schema.input_names())} inputs", failures)
        expect(len(outputs_schema.input_names()) == outputs, f"{label}: {name} signature has {len(outputs_schema.input_names())} outputs", failures)
        expect(info.flavors.get("plateshell", {}).get("kind") == kind, f"{label}: {name} flavor {info.flavors}", failures)
        types = {spec.name: str(spec.type) for spec in inputs_schema.inputs}
        expect(types.get("Pixels_Areas") == "DataType.long" and types.get("Edges_Index") == "DataType.double",
               f"{label}: {name} input types {types.get('Pixels_Areas')}, {types.get('Edges_Index')}", failures)
    champion = client.get_model_version_by_alias("et-fsp-model", "champion")
    expect(str(champion.version) == "1" and champion.current_stage == "Archived",
           f"{label}: champion is version {champion.version!r} in {champion.current_stage}", failures)
    for version, run in [("1", tuned), ("2", retrained)]:
        source = client.get_model_version("et-fsp-model", version).source
        expect(source.startswith("runs:/"), f"{label}: version {version} source {source}", failures)
        if expect_remote_sources:
            expect(source == f"runs:/{run.info.run_id}/model",
                   f"{label}: version {version} source {source} is not its server run {run.info.run_name}", failures)


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        workspace = f"{scratch}/workspace"
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{scratch}/mlflow.db", "--artifacts-destination", f"{scratch}/mlartifacts"],
            stdout=open(f"{scratch}/server.log", "w"), stderr=subprocess.STDOUT)
        uri = f"http://127.0.0.1:{port}"
        try:
            wait_for_ping(uri, server, f"{scratch}/server.log", "mlflow server", path="/health")
            started = time.time()
            result = run_plateshell(binary, workspace, f"load {data} as fsp.faults; tracking uri={uri}; source {NOTEBOOK}")
            if "was not sent to the MLflow server" in result.stdout:
                failures.append("the replay could not send everything: "
                                + "; ".join(line for line in result.stdout.splitlines() if "Tracking:" in line)[:2000])
            print(f"  notebook 3 replayed against mlflow server in {time.time() - started:.1f} s")
            check_store(uri, failures, "server", expect_remote_sources=True)
        finally:
            server.terminate()
            server.wait(timeout=30)

        # The server is gone: the shell says so, keeps the session, and loses nothing locally.
        down = run_plateshell(binary, workspace, f"tracking uri={uri}; models registered", check=False)
        said = down.stdout + down.stderr
        expect(down.returncode != 0 and f"cannot reach the MLflow server at {uri}" in said,
               f"an unreachable server gave: {said[-500:]}", failures)
        kept = run_plateshell(binary, workspace, "sql select count(*) as n from catalog.model_versions").stdout
        expect(re.findall(r"\d+", kept) == ["3"], f"the catalog lost versions after the server went away: {kept}", failures)

        # Export as an MLflow file store, read it with the real client, migrate it to SQLite.
        store = f"{scratch}/mlruns"
        run_plateshell(binary, workspace, f"export mlflow {store}")
        check_store(store, failures, "export", expect_remote_sources=False)
        migrated = subprocess.run([sys.executable, "-m", "mlflow", "migrate-filestore", "--source", store,
                                   "--target", f"sqlite:///{scratch}/migrated.db"], capture_output=True, text=True, timeout=600)
        expect(migrated.returncode == 0, f"migrate-filestore failed: {migrated.stdout[-1500:]} {migrated.stderr[-1500:]}", failures)
        if migrated.returncode == 0:
            check_store(f"sqlite:///{scratch}/migrated.db", failures, "migrated", expect_remote_sources=False)

    exit_on_failures(failures)
    print("  mlflow round trip: server replay, export and migrate-filestore all read back by MlflowClient")


if __name__ == "__main__":
    main()
