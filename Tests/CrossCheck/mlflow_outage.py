"""Check one run id and registrations through an outage against the real MLflow (3.17.2).

1. One run, one id: with `mlflow server` reachable, the run PlateShell prints is the server's run
   (same id). With the server stopped, a run is recorded under a workspace id and queued; once the
   server is back and the queue delivered, the model on the server names the server's run
   (`get_model_info(...).run_id`, which `MlflowClient.get_run` finds), and PlateShell resolves both
   ids: `run show` and `runs:/ID/model` with either.
2. register during an outage: with the server stopped, `fit nb; register nb as outage-model; stage
   outage-model latest Production; alias outage-model latest champion; tracking flush` runs on
   (exit 0, "Queued the registration"); the server is started while the flush waits; the version
   arrives numbered by the server, in Production, with the alias, and the MLmodel names the server's
   run. Prints the delay from the server's return to the version on the server.

Usage: mlflow_outage.py PLATESHELL_BINARY FAULTS_CSV
"""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, exit_on_failures, free_port, run_plateshell, start_tracking_server, stop_process_group  # noqa: E402

import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

PREPARE = f"label onehot={','.join(FAULTS)}; keep top=3 by=Label exclude=Other_Faults"


def expect(condition, message, failures):
    if not condition:
        failures.append(message)


def said(result):
    return result.stdout + result.stderr


def tracked(output):
    """The run ids (8 characters) the shell printed, in order."""
    return re.findall(r"Tracked as run ([0-9a-f]{8})", output)


def server_run(client, local_prefix):
    """The server's run sent from the workspace run whose id starts with LOCAL_PREFIX (its id, or its
    plateshell.run_id tag)."""
    experiments = [e.experiment_id for e in client.search_experiments()]
    for run in client.search_runs(experiments, max_results=1000):
        if run.info.run_id.startswith(local_prefix) or run.data.tags.get("plateshell.run_id", "").startswith(local_prefix):
            return run
    return None


def check_one_id(binary, data, scratch, failures):
    port = free_port()
    server, uri, _ = start_tracking_server(scratch, name="ids", port=port)
    env = {"MLFLOW_TRACKING_URI": uri}
    workspace = f"{scratch}/workspace-ids"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    mlflow.set_tracking_uri(uri)
    # A server's first requests are slow (imports, the database's first writes); PlateShell gives a run made
    # on the server at once 2 s a request, then queues it under a workspace id: warm the server up first.
    client.delete_run(client.create_run("0").info.run_id)
    try:
        up = run_plateshell(binary, workspace, f"load {data} as fsp.faults; {PREPARE}; fit nb; tracking flush timeout=120", env=env)
        printed = tracked(up.stdout)
        run = server_run(client, printed[0]) if printed else None
        expect(run is not None and run.info.run_id.startswith(printed[0]),
               f"with the server reachable, the printed run {printed} is not the server's run {run and run.info.run_id}", failures)
        if run is not None:
            info = mlflow.models.get_model_info(f"runs:/{run.info.run_id}/model")
            expect(info.run_id == run.info.run_id, f"the MLmodel names run {info.run_id}, the server's is {run.info.run_id}", failures)
            expect(info.mlflow_version == mlflow.__version__, f"get_model_info() has mlflow_version {info.mlflow_version!r}", failures)
    finally:
        stop_process_group(server)

    down = run_plateshell(binary, workspace, f"use fsp.faults; {PREPARE}; fit nb", env=env, check=False)
    expect(down.returncode == 0, f"fit with the server down failed: {said(down)[-800:]}", failures)
    local = (tracked(down.stdout) or ["none"])[0]
    server, uri, _ = start_tracking_server(scratch, name="ids", port=port)
    try:
        run_plateshell(binary, workspace, "tracking flush timeout=120", env=env)
        run = server_run(client, local)
        expect(run is not None, f"the run {local} recorded while the server was down never arrived", failures)
        if run is None:
            return
        remote = run.info.run_id
        expect(not remote.startswith(local), "the queued run kept its workspace id (expected the server's own)", failures)
        info = mlflow.models.get_model_info(f"runs:/{remote}/model")
        expect(info.run_id == remote, f"the uploaded MLmodel names run {info.run_id}, not the server's {remote}", failures)
        try:
            expect(client.get_run(info.run_id).info.run_id == remote, "MlflowClient.get_run(model run_id) names another run", failures)
        except mlflow.exceptions.MlflowException as error:
            failures.append(f"MlflowClient.get_run(the MLmodel's run_id) failed: {error}")
        logged = list(client.search_logged_models(experiment_ids=[run.info.experiment_id]))
        model = next((m for m in logged if m.source_run_id == remote), None)
        expect(model is not None and mlflow.models.get_model_info(f"models:/{model.model_id}").run_id == remote,
               "the LoggedModel's MLmodel does not name the server's run", failures)
        listed = run_plateshell(binary, workspace, f"sql select run_id from catalog.runs where run_id like '{local}%'", env=env).stdout
        full_local = (re.findall(r"\b[0-9a-f]{32}\b", listed) or [local])[0]
        shown = run_plateshell(binary, workspace, f"run show {local}; run show {remote[:8]}; use fsp.faults; {PREPARE}; "
                               f"predict with=runs:/{full_local}/model plate 3; "
                               f"predict with=runs:/{remote}/model plate 3", env=env, check=False)
        expect(shown.returncode == 0 and shown.stdout.count("fit nb") >= 2,
               f"an id PlateShell showed does not resolve: {said(shown)[-1500:]}", failures)
    finally:
        stop_process_group(server)


def check_register_during_outage(binary, data, scratch, failures):
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    env = {"MLFLOW_TRACKING_URI": uri}
    workspace = f"{scratch}/workspace-outage"
    run_plateshell(binary, workspace, f"load {data} as fsp.faults")
    script = (f"use fsp.faults; {PREPARE}; fit nb; register nb as outage-model; stage outage-model latest Production; "
              "alias outage-model latest champion; tracking status; tracking flush timeout=300")
    shell = subprocess.Popen([binary, "--workspace", workspace, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=dict(os.environ, **env))
    lines, queued = [], threading.Event()

    def read():
        for line in shell.stdout:
            lines.append(line)
            if "Queued: models:/outage-model@champion" in line:
                queued.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    # The server comes back once the shell has queued the registration, its stage and alias, and waits in the flush.
    expect(queued.wait(timeout=300), f"the shell never queued the alias: {''.join(lines)[-1500:]}", failures)
    time.sleep(2)
    server, uri, _ = start_tracking_server(scratch, name="outage", port=port)
    back = time.time()
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    try:
        arrived = None
        while time.time() - back < 300 and arrived is None:
            try:
                versions = client.search_model_versions("name='outage-model'")
                arrived = time.time() - back if versions else None
            except Exception:  # noqa: BLE001 - not there yet
                pass
            time.sleep(0.1)
        shell.wait(timeout=600)
        reader.join(timeout=10)
        stdout, stderr = "".join(lines), shell.stderr.read()
        expect(shell.returncode == 0, f"the script stopped during the outage ({shell.returncode}): {stdout[-1500:]} {stderr[-1500:]}", failures)
        expect("Queued the registration of outage-model" in stdout and "'tracking status'" in stdout,
               f"the shell did not say the registration is queued: {stdout[-1500:]}", failures)
        expect(re.search(r"reachable\s+no: cannot reach", stdout) is not None,
               f"tracking status did not say the server is down: {stdout[-1500:]}", failures)
        expect("Queued: outage-model version latest moves to Production" in stdout
               and "Queued: models:/outage-model@champion" in stdout, f"stage/alias were not queued behind it: {stdout[-1500:]}", failures)
        expect(arrived is not None, "the queued version never reached the server", failures)
        if arrived is None:
            return
        print(f"  a registration queued during an outage reached the server {arrived:.1f} s after it came back")
        version = client.get_model_version("outage-model", "1")
        expect(version.current_stage == "Production", f"the queued stage change did not apply: {version.current_stage}", failures)
        expect(client.get_model_version_by_alias("outage-model", "champion").version == "1", "the queued alias did not apply", failures)
        expect(client.get_run(version.run_id) is not None, "the version's run is not on the server", failures)
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        info = mlflow.models.get_model_info("models:/outage-model/1")
        expect(info.run_id == version.run_id, f"the registered MLmodel names run {info.run_id}, the version's run is {version.run_id}", failures)
        listed = run_plateshell(binary, workspace, "versions outage-model; tracking status", env=env).stdout
        expect("Production" in listed and "champion" in listed, f"PlateShell does not see the version: {listed[-800:]}", failures)
    finally:
        if shell.poll() is None:
            shell.kill()
        stop_process_group(server)


def main():
    binary, data = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        check_one_id(binary, data, scratch, failures)
        check_register_during_outage(binary, data, scratch, failures)
    exit_on_failures(failures)
    print("  mlflow outage: one run id with the server up or down, a registration queued through an outage with its stage and alias")


if __name__ == "__main__":
    main()
