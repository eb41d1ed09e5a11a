"""Check PlateShell's tracking against the real MLflow (3.17.2).

1. Replays notebook 3 into the embedded catalog, writes it with `export mlflow DIR`, and reads it
   back with the real MlflowClient (MLFLOW_ALLOW_FILE_STORE=true): experiment, runs with params,
   metric histories, tags, artifact listings, dataset inputs, registered models with descriptions,
   versions with stages and aliases (et-fsp-model: version 1 from the tuned run, then Archived when
   the retrained version 2 went to Production; the champion alias moved to version 2 with it), the
   batch-scoring run, and the Production versions' signatures through
   mlflow.models.get_model_info; then converts it with `mlflow migrate-filestore` and reads that.
2. Starts `mlflow server` on 127.0.0.1 (SQLite backend, proxied artifacts) and replays notebook 3
   with it as the registry of record (MLFLOW_TRACKING_URI): the same reads against the server. A
   Production version is scored in the Python environment its files describe, recreated by MLflow's
   virtualenv manager (`mlflow models serve --env-manager virtualenv` and spark_udf with
   env_manager="virtualenv", model_environment.py), with PlateShell's labels on every plate. A
   fresh workspace B lists the registry, scores with the Production version (downloaded into its
   model cache), follows a promotion and an alias move made with MlflowClient (a rollback to version 1), traces lineage, and
   refuses an sklearn model registered from Python (naming its flavors) and an empty stage.
3. The server down: registry reads say so, B still scores with its cached version and says so,
   and workspace A keeps every run.
4. `mlflow server --app-name basic-auth`: a wrong password gets a clear 401 and the items stay
   queued; the right one delivers them and registers.

Usage: mlflow_roundtrip.py PLATESHELL_BINARY FAULTS_CSV
"""
import contextlib
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
from peers import FAULTS, FEATURES, exit_on_failures, run_plateshell, start_tracking_server, stop_process_group, top3_rows  # noqa: E402
from model_environment import check_virtualenv_scoring  # noqa: E402

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
    expect(str(champion.version) == "2" and champion.current_stage == "Production",
           f"{label}: champion is version {champion.version!r} in {champion.current_stage}", failures)
    # MLflow 3: every logged pipeline is a LoggedModel linked to its run, its metrics and the versions made from it
    logged = {model.source_run_id: model for model in client.search_logged_models(experiment_ids=[experiment.experiment_id])}
    for version, run in [("1", tuned), ("2", retrained)]:
        model = logged.get(run.info.run_id)
        expect(model is not None, f"{label}: run {run.info.run_name} has no LoggedModel (the UI's Models column stays empty)", failures)
        registered = client.get_model_version("et-fsp-model", version)
        if model is None:
            continue
        expect("READY" in str(model.status) and model.name == "model", f"{label}: LoggedModel {model.model_id} is {model.status} {model.name}", failures)
        expect(any(metric.key == ("accuracy" if run is tuned else "training_accuracy") for metric in model.metrics),
               f"{label}: LoggedModel of {run.info.run_name} has metrics {[m.key for m in model.metrics]}", failures)
        outputs = client.get_run(run.info.run_id).outputs
        expect(outputs is not None and [o.model_id for o in outputs.model_outputs] == [model.model_id],
               f"{label}: run {run.info.run_name} outputs {outputs}", failures)
        expect({"name": "et-fsp-model", "version": int(version)} in json.loads(model.tags.get("mlflow.modelVersions", "[]")),
               f"{label}: LoggedModel tags {model.tags}", failures)
        if label == "export":  # MLflow 3.17's server and migrate-filestore leave a version's model_id empty (its Python client's own too)
            expect(registered.model_id == model.model_id, f"{label}: version {version} model_id {registered.model_id} is not {model.model_id}", failures)
        expected_source = f"models:/{model.model_id}" if expect_remote_sources else f"runs:/{run.info.run_id}/model"
        expect(registered.source == expected_source, f"{label}: version {version} source {registered.source}, expected {expected_source}", failures)
    user = tuned.info.user_id
    expect(bool(user) and tuned.data.tags.get("mlflow.user") == user, f"{label}: run user '{user}' (the UI's Created by)", failures)


def said(result):
    return result.stdout + result.stderr


def check_team_registry(binary, data, scratch, uri, failures):
    """Notebook 3 replayed into workspace A with the server as the registry of record; a fresh workspace B
    on the same server lists, resolves, traces and scores what A registered, follows promotions made with
    Python's MlflowClient, and refuses a model of another tool and a stage that names nothing."""
    server_env = {"MLFLOW_TRACKING_URI": uri}
    a, b = f"{scratch}/workspace-a", f"{scratch}/workspace-b"
    started = time.time()
    replay = run_plateshell(binary, a, f"load {data} as fsp.faults; source {NOTEBOOK}", env=server_env)
    print(f"  notebook 3 replayed with the mlflow server as the registry of record in {time.time() - started:.1f} s")
    warnings = [line for line in replay.stdout.splitlines() if line.startswith("Tracking:")]
    expect(not warnings and "stay queued" not in replay.stderr, f"the replay did not reach the server: {warnings} {replay.stderr[-500:]}", failures)
    check_store(uri, failures, "server", expect_remote_sources=True)

    # Any MLflow tool loads the Production version (the ONNX pyfunc flavor, from the LoggedModel's artifacts).
    features, _ = top3_rows(data)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    predicted = mlflow.pyfunc.load_model("models:/et-fsp-model/Production").predict(features.head(3))
    expect(list(predicted.columns) == ["predicted", "proba_Bumps", "proba_K_Scatch", "proba_Z_Scratch"] and len(predicted) == 3
           and set(predicted["predicted"]) <= {"Bumps", "K_Scatch", "Z_Scratch"}, f"pyfunc of models:/et-fsp-model/Production: {predicted}", failures)
    check_virtualenv_scoring("models:/et-fsp-model/Production", uri, *plateshell_labels(binary, data, f"{scratch}/workspace-env", server_env),
                             scratch, failures)

    listed = run_plateshell(binary, b, "models registered; versions et-fsp-model", env=server_env).stdout
    expect("et-fsp-model" in listed and "pca-fsp-model" in listed and "Production" in listed,
           f"workspace B does not see the registry: {listed[-800:]}", failures)
    scored = run_plateshell(binary, b, f"load {data} as fsp.faults; predict with=models:/et-fsp-model/Production on=fsp.faults limit=2",
                            env=server_env).stdout
    expect("with et-fsp-model/2 (models:/et-fsp-model/Production)" in scored, f"workspace B scored with: {scored[-800:]}", failures)
    expect(os.path.isdir(f"{b}/model-cache/et-fsp-model/2"), "workspace B has no cached copy of et-fsp-model/2", failures)

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    with warnings_off():
        client.transition_model_version_stage("et-fsp-model", "1", "Production", archive_existing_versions=True)
    client.set_registered_model_alias("et-fsp-model", "champion", "1")
    followed = run_plateshell(binary, b, "use fsp.faults; predict with=models:/et-fsp-model/Production plate 3; "
                                         "predict with=models:/et-fsp-model@champion plate 3; lineage et-fsp-model 1", env=server_env).stdout
    expect("with et-fsp-model/1 (models:/et-fsp-model/Production)" in followed,
           f"a promotion made with MlflowClient was not followed: {followed[-1500:]}", failures)
    expect("with et-fsp-model/1 (models:/et-fsp-model@champion)" in followed, f"the alias moved with MlflowClient was not followed", failures)
    expect(re.search(r"n_estimators\W+230\b", followed) is not None, f"lineage from workspace B lacks the training params: {followed[-1500:]}", failures)

    notebook_runs = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    with mlflow.start_run(experiment_id=client.get_experiment_by_name(EXPERIMENT).experiment_id):
        mlflow.sklearn.log_model(LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1]), name="model", registered_model_name="sk-model")
    foreign = run_plateshell(binary, b, "use fsp.faults; predict with=models:/sk-model/1 plate 3", env=server_env, check=False)
    expect(foreign.returncode == 1 and "is not a PlateShell model: its MLmodel has the flavors python_function, sklearn" in said(foreign),
           f"a scikit-learn model registered from Python gave: {said(foreign)[-800:]}", failures)
    nothing = run_plateshell(binary, b, "use fsp.faults; predict with=models:/et-fsp-model/Staging plate 3", env=server_env, check=False)
    expect(nothing.returncode == 1 and f"no versions of model 'et-fsp-model' are in stage 'Staging' on the MLflow server at {uri}" in said(nothing),
           f"a stage that names nothing gave: {said(nothing)[-800:]}", failures)
    return notebook_runs


def plateshell_labels(binary, data, workspace, server_env):
    """Every plate's 27 indicators, and the label PlateShell gives it with models:/et-fsp-model/Production."""
    import pandas as pd
    import sqlite3
    run_plateshell(binary, workspace, f"load {data} as fsp.faults; predict with=models:/et-fsp-model/Production on=fsp.faults into=fsp.scored",
                   env=server_env)
    with sqlite3.connect(f"{workspace}/tables/fsp.sqlite") as db:
        labels = [label for (label,) in db.execute("select predicted from scored")]
    return pd.read_csv(data).iloc[:, :FEATURES], labels


def check_server_down(binary, data, scratch, uri, server_runs, failures):
    """The server is gone: registry reads say so; a cached version still scores, and the shell says so;
    nothing recorded locally is lost."""
    server_env = {"MLFLOW_TRACKING_URI": uri}
    a, b = f"{scratch}/workspace-a", f"{scratch}/workspace-b"
    down = run_plateshell(binary, b, "models registered", env=server_env, check=False)
    expect(down.returncode == 1 and f"cannot reach the MLflow server at {uri}" in said(down), f"an unreachable server gave: {said(down)[-500:]}", failures)
    cached = run_plateshell(binary, b, "use fsp.faults; predict with=models:/et-fsp-model@champion plate 3", env=server_env, check=False)
    expect(cached.returncode == 0 and "serving et-fsp-model/1 from the model cache" in cached.stdout,
           f"the cached version did not serve while the server was down: {said(cached)[-800:]}", failures)
    kept = run_plateshell(binary, a, "sql select count(*) as n from catalog.runs").stdout
    counted = [n for n in re.findall(r"\d+", kept)]
    expect(counted == [str(len(server_runs))], f"the workspace keeps {counted} runs, the server had {len(server_runs)}", failures)


def check_basic_auth(binary, data, scratch, failures):
    """Against `mlflow server --app-name basic-auth`: a wrong password gets a clear 401 and loses nothing
    (the run is in the workspace, its items stay queued); the right one delivers them and registers."""
    password = "Plate-Shell-2026"
    server, uri, _ = start_tracking_server(scratch, name="auth", auth_password=password)
    workspace = f"{scratch}/workspace-auth"
    try:
        wrong = {"MLFLOW_TRACKING_URI": uri, "MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "wrong"}
        refused = run_plateshell(binary, workspace, f"load {data} as fsp.faults; label onehot={','.join(FAULTS)}; "
                                 "keep top=3 by=Label exclude=Other_Faults; fit nb; register nb as auth-model", env=wrong, check=False)
        expect(refused.returncode == 1 and "Tracked as run" in refused.stdout, f"with a wrong password: {said(refused)[-800:]}", failures)
        expect(f"the MLflow server at {uri} refused" in refused.stderr and "HTTP 401" in refused.stderr
               and "MLFLOW_TRACKING_USERNAME" in refused.stderr, f"the 401 is not explained: {refused.stderr[-800:]}", failures)
        queued = run_plateshell(binary, workspace, "sql select count(*) as n from catalog.outbox").stdout
        expect(any(int(n) > 0 for n in re.findall(r"\d+", queued)), f"the outbox lost the refused items: {queued}", failures)
        right = dict(wrong, MLFLOW_TRACKING_PASSWORD=password)
        delivered = run_plateshell(binary, workspace, "tracking flush; register run=latest as auth-model", env=right, check=False)
        expect(delivered.returncode == 0 and "Registered auth-model version 1" in delivered.stdout,
               f"with the right password: {said(delivered)[-800:]}", failures)
        os.environ.update(MLFLOW_TRACKING_USERNAME="admin", MLFLOW_TRACKING_PASSWORD=password)
        try:
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            version = client.get_model_version("auth-model", "1")
            expect(client.get_run(version.run_id).data.params.get("model") == "nb", "the registered run lacks its params", failures)
        finally:
            os.environ.pop("MLFLOW_TRACKING_USERNAME")
            os.environ.pop("MLFLOW_TRACKING_PASSWORD")
    finally:
        stop_process_group(server)


@contextlib.contextmanager
def warnings_off():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        # The embedded catalog, exported as an MLflow file store, read with the real client, migrated to SQLite.
        embedded, store = f"{scratch}/workspace-embedded", f"{scratch}/mlruns"
        run_plateshell(binary, embedded, f"load {data} as fsp.faults; source {NOTEBOOK}; export mlflow {store}")
        check_store(store, failures, "export", expect_remote_sources=False)
        migrated = subprocess.run([sys.executable, "-m", "mlflow", "migrate-filestore", "--source", store,
                                   "--target", f"sqlite:///{scratch}/migrated.db"], capture_output=True, text=True, timeout=600)
        expect(migrated.returncode == 0, f"migrate-filestore failed: {migrated.stdout[-1500:]} {migrated.stderr[-1500:]}", failures)
        if migrated.returncode == 0:
            check_store(f"sqlite:///{scratch}/migrated.db", failures, "migrated", expect_remote_sources=False)

        # A tracking server as the registry of record, then gone.
        server, uri, _ = start_tracking_server(scratch)
        try:
            server_runs = check_team_registry(binary, data, scratch, uri, failures)
        finally:
            stop_process_group(server)
        check_server_down(binary, data, scratch, uri, server_runs, failures)
        check_basic_auth(binary, data, scratch, failures)

    exit_on_failures(failures)
    print("  mlflow round trip: export + migrate-filestore, the server as the registry of record for two workspaces, "
          "promotions from MlflowClient followed, server down, basic auth")


if __name__ == "__main__":
    main()
