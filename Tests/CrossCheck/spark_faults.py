"""Faults on Spark: what a killed PlateShell, a stopped server and Ctrl-C leave behind.

On a real Spark Connect server (started by scripts/test, which passes the commands that start and stop it):
  - PlateShell killed (SIGKILL) while a load of a large file sends its batches: the table keeps the rows
    it had (PySpark reads the earlier version), and the next load of it drops the staging table the
    killed one left and succeeds;
  - the server stopped while a load sends its batches: PlateShell fails with a clear error naming the
    server, and after the server is started again the table still holds its earlier rows;
  - Ctrl-C at the prompt (a pseudo-terminal) during a long query: the command is cancelled, Spark's job
    is interrupted (a second query answers at once, while the cancelled one would have run for minutes),
    and the same session runs the next command;
  - a server that requires a token (spark.connect.authenticate.token): the right token loads a table that
    PySpark, with the same token, reads back; a wrong token and no token are refused with a clear error that
    never shows the token. The server is then started again without one.
Usage: spark_faults.py PLATESHELL_BINARY FAULTS_CSV PORT START_COMMAND STOP_COMMAND
START_COMMAND starts the server requiring $PLATESHELL_TEST_SPARK_TOKEN when that is set.
"""
import os
import pty
import select
import signal
import subprocess
import sys
import tempfile
import time

import pandas as pd
from pyspark.sql import SparkSession

failures = []
checked = 0


def check(condition, message):
    global checked
    checked += 1
    if not condition:
        failures.append(message)


def plateshell(binary, workspace, commands, remote):
    environment = dict(os.environ, SPARK_REMOTE=remote)
    return subprocess.run([binary, "--workspace", workspace, "-c", commands], capture_output=True, text=True,
                          env=environment, check=False)


def start_load(binary, workspace, path, table, remote):
    environment = dict(os.environ, SPARK_REMOTE=remote)
    return subprocess.Popen([binary, "--workspace", workspace, "-c", f"load {path} as {table}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)


def rows_on_spark(remote, table):
    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        return spark.table(table).count()
    finally:
        spark.stop()


def staging_tables(remote, database):
    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        return [row.tableName for row in spark.sql(f"SHOW TABLES IN {database}").collect()
                if row.tableName.startswith("__plateshell_staging")]
    finally:
        spark.stop()


def database_directory(remote, database):
    """The directory of `database` in the server's warehouse (the server runs on this machine)."""
    spark = SparkSession.builder.remote(remote).getOrCreate()
    try:
        rows = spark.sql(f"DESCRIBE DATABASE {database}").collect()
    finally:
        spark.stop()
    location = next(row[1] for row in rows if row[0] == "Location")
    return location.removeprefix("file:")


def staging_writes_running(directory):
    """The staging tables being written now: a Spark write keeps its files under `_temporary` until its job
    commits (or aborts, which removes it). A new table is in the catalog only after its first write commits."""
    if not os.path.isdir(directory):
        return []
    return sorted(entry for entry in os.listdir(directory) if entry.startswith("__plateshell_staging")
                  and os.path.isdir(os.path.join(directory, entry, "_temporary")))


def settle_staging(remote, quiet=5.0, limit=180.0):
    """Waits until the server ends what the killed client sent: no staging write runs, and the staging tables
    stay the same for `quiet` seconds (at most `limit`). The server goes on with a write whose client was
    killed, and the staging table of a first write appears only when it commits, so the catalog alone can
    look settled while a write still runs."""
    directory = database_directory(remote, "fsp")
    started = time.time()
    seen, since = None, time.time()
    while time.time() - started < limit:
        now = (staging_tables(remote, "fsp"), staging_writes_running(directory))
        if now != seen or now[1]:
            seen, since = now, time.time()
        elif time.time() - since >= quiet:
            return
        time.sleep(1)
    check(False, f"the killed load's writes on the server did not end in {limit:.0f} s: {seen}")


def wait_for_batches(process, seconds):
    """Waits until the load has been sending for `seconds` (it reads the file first), or it ended."""
    deadline = time.time() + seconds
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.1)


def interrupt_at_the_prompt(binary, workspace, remote):
    pid, terminal = pty.fork()
    if pid == 0:
        os.environ["SPARK_REMOTE"] = remote
        os.execv(binary, [binary, "--workspace", workspace])
    transcript = b""

    def read_for(seconds, until=None):
        nonlocal transcript
        deadline = time.time() + seconds
        while time.time() < deadline:
            ready, _, _ = select.select([terminal], [], [], 0.2)
            if ready:
                try:
                    transcript += os.read(terminal, 65536)
                except OSError:
                    return
            if until and until in transcript:
                return

    read_for(30, b"plate> ")
    os.write(terminal, b"sql select sum(hash(id)) as n from range(0, 20000000000) a\r")
    read_for(30, b"range(0, 20000000000) a")
    read_for(6)
    started = time.time()
    os.write(terminal, b"\x03")
    read_for(20, b"cancelled")
    cancelled_after = time.time() - started
    # A query that needs the executors' cores, which the cancelled job would hold for minutes: 42 rows.
    os.write(terminal, b"sql select count(*) as answer from range(0, 1000) where id % 7 = 6 and id < 300\r")
    read_for(30, b" 42 ")
    answered_after = time.time() - started
    os.write(terminal, b"quit\r")
    read_for(5)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    text = transcript.decode("utf-8", "replace")
    check("cancelled" in text, f"Ctrl-C did not cancel the query: {text[-1200:]!r}")
    check(cancelled_after < 15, f"the cancellation took {cancelled_after:.1f} s")
    check(" 42 " in text.split("cancelled", 1)[-1], f"the session did not run the next command: {text[-600:]}")
    check(answered_after < 25, f"the next query answered {answered_after:.1f} s after Ctrl-C (the job kept running?)")


def tokens_are_checked(binary, data, workspace, port, token):
    """The right token works for PlateShell and PySpark; a wrong one and none are clear errors."""
    local = f"sc://localhost:{port}"  # a token for localhost keeps plain gRPC (PySpark's local channel)
    loaded = plateshell(binary, workspace, f"load {data} as fsp.faults_token; tables status", f"{local}/;token={token}")
    check(loaded.returncode == 0, f"the right token was refused: {loaded.stderr[-600:]}")
    check(token not in loaded.stdout + loaded.stderr, "the token showed in the output")
    check(rows_on_spark(f"{local}/;token={token}", "fsp.faults_token") == 1941,
          "PySpark with the token does not read the table PlateShell loaded with it")
    wrong = plateshell(binary, workspace, "tables", f"{local}/;token=wrong-{token}")
    check(wrong.returncode != 0 and "UNAUTHENTICATED" in wrong.stderr.upper() and "token" in wrong.stderr
          and token not in wrong.stderr, f"a wrong token: status {wrong.returncode}, {wrong.stderr[-600:]}")
    missing = plateshell(binary, workspace, "tables", local)
    check(missing.returncode != 0 and "add ;token=" in missing.stderr,
          f"no token for a server that wants one: status {missing.returncode}, {missing.stderr[-600:]}")


def main():
    binary, data, port, start_command, stop_command = sys.argv[1:6]
    remote = f"sc://127.0.0.1:{port}"
    frame = pd.read_csv(data)
    with tempfile.TemporaryDirectory() as scratch:
        large = os.path.join(scratch, "large.csv")
        pd.concat([frame] * 400, ignore_index=True).to_csv(large, index=False)  # 776,400 rows
        workspace = os.path.join(scratch, "ws")
        result = plateshell(binary, workspace, f"load {data} as fsp.faults_kept", remote)
        check(result.returncode == 0, f"the first load failed: {result.stderr}")

        # PlateShell killed mid-load.
        load = start_load(binary, workspace, large, "fsp.faults_kept", remote)
        wait_for_batches(load, 4.0)
        load.kill()
        load.wait()
        # The server goes on with the batch the killed client sent: wait until it ends, then the next load
        # must clear what it left.
        settle_staging(remote)
        check(rows_on_spark(remote, "fsp.faults_kept") == len(frame),
              "after a killed load, fsp.faults_kept does not hold its earlier rows")
        result = plateshell(binary, workspace, f"load {data} as fsp.faults_kept; history fsp.faults_kept", remote)
        check(result.returncode == 0, f"the load after a killed one failed: {result.stderr}")
        check(staging_tables(remote, "fsp") == [], "a killed load's staging table was left after the next load")

        # The server stopped mid-load.
        load = start_load(binary, workspace, large, "fsp.faults_kept", remote)
        wait_for_batches(load, 4.0)
        subprocess.run(stop_command, shell=True, check=False)
        _, error = load.communicate(timeout=120)
        check(load.returncode != 0 and "Spark Connect server" in error,
              f"a load whose server stopped: status {load.returncode}, {error[:600]}")
        subprocess.run(start_command, shell=True, check=True)
        check(rows_on_spark(remote, "fsp.faults_kept") == len(frame),
              "after the server stopped mid-load, fsp.faults_kept does not hold its earlier rows")

        # Ctrl-C at the prompt.
        interrupt_at_the_prompt(binary, workspace, remote)

        # A server that requires a token.
        subprocess.run(stop_command, shell=True, check=False)
        token = "t0ken-" + os.urandom(8).hex()
        subprocess.run(start_command, shell=True, check=True, env=dict(os.environ, PLATESHELL_TEST_SPARK_TOKEN=token))
        try:
            tokens_are_checked(binary, data, workspace, port, token)
        finally:
            subprocess.run(stop_command, shell=True, check=False)
            subprocess.run(start_command, shell=True, check=True)

    print(f"spark faults: {checked} checks, {len(failures)} failures")
    for failure in failures:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
