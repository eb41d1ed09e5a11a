"""Helpers shared by the cross-checks and the benchmarks: the TOP3 rows as pandas, free ports, running
plateshell, starting and stopping `mlflow models serve` and `plateshell serve` (one at a time, or both
side by side), waiting for /ping, and the FAIL lines a failing script ends with.

Import it from a script with (N the script's depth below the project root):

    sys.path.insert(0, str(Path(__file__).resolve().parents[N] / "scripts" / "lib"))
    from peers import ...  # noqa: E402

Importing it turns MLflow's artifact progress bars off (MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false),
which must happen before mlflow is imported.
"""
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import types

os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"

import pandas as pd  # noqa: E402

FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
TOP3 = ["Bumps", "K_Scatch", "Z_Scratch"]
FEATURES = 27
STARTUP_TIMEOUT = 180


def top3_rows(data):
    """The features (first 27 columns, ints kept as ints) and fault label of the rows of the 3 most frequent faults."""
    frame = pd.read_csv(data)
    onehot = frame[FAULTS]
    label = onehot.idxmax(axis=1)
    rows = (onehot.sum(axis=1) == 1) & label.isin(TOP3)
    return frame.loc[rows, frame.columns[:FEATURES]].reset_index(drop=True), label[rows].reset_index(drop=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path, size=3000):
    with open(path, errors="replace") as f:
        return f.read()[-size:]


def exit_on_failures(failures):
    """Prints a `FAIL ...` line per failure and exits 1, when there are any."""
    if failures:
        print("\n".join("FAIL " + failure for failure in failures))
        sys.exit(1)


# PlateShell

def run_plateshell(binary, workspace, commands, check=True, timeout=600, env=None):
    """`plateshell --workspace WORKSPACE -c COMMANDS` (ENV added to the environment); with `check`, exits with
    its output when it fails."""
    result = subprocess.run([binary, "--workspace", workspace, "-c", commands], capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    if check and result.returncode != 0:
        sys.exit(f"plateshell failed ({result.returncode}) on {commands!r}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


# Servers

def get(url, path, timeout=2):
    """The status of GET url+path, on a raw connection (no proxy, no header added unasked)."""
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def wait_for_ping(url, process, log, name, path="/ping"):
    """Polls GET /ping (or `path`) until 200; returns the seconds it took. Exits with the end of the
    server's log when the process dies or STARTUP_TIMEOUT passes."""
    started = time.perf_counter()
    while time.perf_counter() - started < STARTUP_TIMEOUT:
        if process.poll() is not None:
            sys.exit(f"{name} exited ({process.returncode}) before answering {path}:\n{log_tail(log)}")
        try:
            if get(url, path) == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"{name} did not answer {path} within {STARTUP_TIMEOUT} s:\n{log_tail(log)}")


def start_tracking_server(scratch, name="mlflow", host="127.0.0.1", port=None, auth_password=None, prefix=()):
    """`mlflow server` (SQLite backend in SCRATCH/NAME.db, proxied artifacts in SCRATCH/NAME-artifacts, one
    worker) in its own process group, waited for until /health answers; with AUTH_PASSWORD, the basic-auth
    app with user admin and that password. PREFIX runs it under another command (`ip netns exec NS`).
    Returns the process, its URL and its log's path; stop it with stop_process_group."""
    port = port or free_port()
    log = f"{scratch}/{name}.log"
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [*prefix, f"{bin_dir}/mlflow", "server", "--host", host, "--port", str(port), "--workers", "1",
               "--backend-store-uri", f"sqlite:///{scratch}/{name}.db", "--artifacts-destination", f"{scratch}/{name}-artifacts"]
    if auth_password:
        config = f"{scratch}/{name}-auth.ini"
        with open(config, "w") as f:
            f.write(f"[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///{scratch}/{name}-auth.db\nadmin_username = admin\n"
                    "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
        env.update(MLFLOW_AUTH_CONFIG_PATH=config, MLFLOW_AUTH_ADMIN_PASSWORD=auth_password, MLFLOW_FLASK_SERVER_SECRET_KEY="plateshell-test")
        command += ["--app-name", "basic-auth"]
    process = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://{host}:{port}"
    if not prefix:
        wait_for_ping(url, process, log, name, path="/health")
    return process, url, log


def start_plateshell(binary, workspace, model, scratch):
    """`plateshell serve models:/MODEL/Production` in the foreground on a free port, its output in
    SCRATCH/plateshell-serve.log; returns the process, its URL and the log's path."""
    port, log = free_port(), f"{scratch}/plateshell-serve.log"
    process = subprocess.Popen([binary, "--workspace", workspace, "serve", f"models:/{model}/Production", "--port", str(port)],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}", log


def start_mlflow(model_dir, scratch, extra_env=None):
    """`mlflow models serve -m MODEL_DIR --env-manager local` (MODEL_DIR: a directory, or a models:/ URI of the
    registry that EXTRA_ENV's MLFLOW_TRACKING_URI names; EXTRA_ENV is added to its environment only) on a free port, in its own process group (it runs uvicorn
    as a child), the venv's bin first on PATH, mlflow's default worker count (MLFLOW_MODELS_WORKERS
    unset), its output in SCRATCH/mlflow-serve.log; returns the process, its URL and the log's path."""
    port, log = free_port(), f"{scratch}/mlflow-serve.log"
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, **(extra_env or {}), PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("MLFLOW_MODELS_WORKERS", None)
    process = subprocess.Popen([f"{bin_dir}/mlflow", "models", "serve", "-m", model_dir, "--env-manager", "local",
                                "-h", "127.0.0.1", "-p", str(port)],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    return process, f"http://127.0.0.1:{port}", log


def stop_plateshell(process, log):
    """SIGTERM; returns a problem (or None) and PlateShell's closing line."""
    if process.poll() is not None:
        return f"plateshell serve had already exited ({process.returncode}):\n{log_tail(log)}", ""
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return "plateshell serve did not exit within 30 s of SIGTERM", ""
    closing = log_tail(log).strip().splitlines()[-1:] or [""]
    if status != 0:
        return f"plateshell serve exited {status} on SIGTERM:\n{log_tail(log)}", closing[0]
    return None, closing[0]


def stop_process_group(process):
    """SIGTERM to the process group (SIGKILL after 30 s)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def serving_side_by_side(binary, workspace, model, mlflow_model_dir, scratch, mlflow_env=None):
    """Starts `plateshell serve models:/MODEL/Production` and waits for its /ping, then `mlflow models
    serve -m MLFLOW_MODEL_DIR` (MLFLOW_ENV added to its environment) and waits for its /ping; yields them as `plateshell`, `mlflow` (the
    processes), `*_url`, `*_log` and `*_start` (seconds to /ping 200). On the way out, however the block
    ends, stops mlflow's process group and PlateShell (SIGTERM), and sets `stop_problem` (None when
    PlateShell exited 0) and `closing` (its last line), as stop_plateshell returns them."""
    servers = types.SimpleNamespace(mlflow=None, stop_problem=None, closing="")
    servers.plateshell, servers.plateshell_url, servers.plateshell_log = start_plateshell(binary, workspace, model, scratch)
    try:
        servers.plateshell_start = wait_for_ping(servers.plateshell_url, servers.plateshell, servers.plateshell_log,
                                                 "plateshell serve")
        servers.mlflow, servers.mlflow_url, servers.mlflow_log = start_mlflow(mlflow_model_dir, scratch, mlflow_env)
        servers.mlflow_start = wait_for_ping(servers.mlflow_url, servers.mlflow, servers.mlflow_log, "mlflow models serve")
        yield servers
    finally:
        if servers.mlflow is not None:
            stop_process_group(servers.mlflow)
        servers.stop_problem, servers.closing = stop_plateshell(servers.plateshell, servers.plateshell_log)
