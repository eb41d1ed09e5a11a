"""The inference log of `plateshell serve --log TABLE`: exactly the plates it scored, across an alias move,
a SIGTERM and a kill -9.

1. In a fresh workspace: TOP3, scaling, two logistic regressions registered as versions 1 and 2 of m, alias
   champion on version 1.
2. `plateshell serve models:/m@champion --log fsp.inference`; 8 client threads send 4,000 requests of 1 to
   100 rows, each with its own X-Request-Id. Half-way, `alias m 2 champion` moves the alias; near the end
   the server gets SIGTERM while requests are in flight. Checked: the server exits 0; the log holds a row
   per plate of every request answered 200 and of no other (request ids, row indices 0..n-1), each naming
   the version its answer's X-PlateShell-Model header named; both versions scored; the version record
   counts the rows.
3. The server is started again on the same log (its digest goes on from the stored rows), the clients
   send for 3 s, and it gets kill -9. The workspace store keeps each commit as a chunk that a read through
   PlateShell settles into rows (a stopping server settles its own; a killed one cannot), so the log is
   read after `history fsp.inference` settled it. Checked: nothing logged was not answered, every request
   answered more than 1 s before the kill is logged, and `use fsp.inference` reads a log whose digest
   matches its rows. The rows lost to the kill and the youngest lost request's age are printed.
With SPARK_PORT the tables are on the Spark Connect server at 127.0.0.1:SPARK_PORT ($SPARK_REMOTE, for the
shell and `serve` alike), the log is read with PySpark, and it commits once a second; but a Spark write is
a Spark job, which took 2 to 5 s here with the clients and the server busy, and a write under way when the
server is killed still lands (the job runs on the server). So the clients send for 15 s, the log is read once
its row count has settled, and a request is lost to kill -9 only if answered under 10 s before it (5.6 s was
the oldest seen). The version record may lag the rows after kill -9
(it is updated after each write); `use` reads the rows Spark counts.
Usage: inference_log.py PLATESHELL_BINARY FAULTS_CSV [SPARK_PORT]
"""
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
from peers import FAULTS, exit_on_failures, free_port, run_plateshell, top3_rows, wait_for_ping  # noqa: E402

SIZES = [1, 1, 2, 5, 20, 100]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


class Clients:
    """Client threads that send requests until told to stop (or a count is reached), recording each answer."""

    def __init__(self, port, features, prefix, total=None, threads=8):
        self.port, self.features, self.prefix, self.total = port, features, prefix, total
        self.answers = {}  # request id -> (rows, status, model header, time answered)
        self.lock = threading.Lock()
        self.sent = 0
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]

    def next_id(self):
        with self.lock:
            if self.stopped.is_set() or (self.total is not None and self.sent >= self.total):
                return None
            self.sent += 1
            return f"{self.prefix}-{self.sent:05d}"

    def run(self, seed):
        generator = random.Random(seed)
        connection = None
        while (request_id := self.next_id()) is not None:
            rows = generator.choice(SIZES)
            sample = self.features.sample(rows, random_state=generator.randrange(1 << 30))
            body = sample.to_json(orient="split", index=False)
            body = '{"dataframe_split": ' + body + "}"
            try:
                connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("POST", "/invocations", body,
                                   {"Content-Type": "application/json", "X-Request-Id": request_id})
                response = connection.getresponse()
                response.read()
                answer = (rows, response.status, response.getheader("X-PlateShell-Model"), time.monotonic())
            except OSError:
                answer = (rows, None, None, time.monotonic())
                connection = None
            with self.lock:
                self.answers[request_id] = answer

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self):
        for thread in self.threads:
            thread.join()

    def answered(self):
        with self.lock:
            return {k: v for k, v in self.answers.items() if v[1] == 200}


class Store:
    """Where the tables are: the workspace's SQLite files, or a Spark Connect server (SPARK_PORT)."""

    def __init__(self, binary, workspace, spark_port):
        self.binary = binary
        self.workspace = workspace
        self.env = {"SPARK_REMOTE": f"sc://127.0.0.1:{spark_port}"} if spark_port else {}
        self.spark = None
        if spark_port:
            from pyspark.sql import SparkSession
            self.spark = SparkSession.builder.remote(f"sc://127.0.0.1:{spark_port}").getOrCreate()
            self.spark.sql("DROP TABLE IF EXISTS fsp.inference")
        # What kill -9 may lose: requests answered this long before it; how long the clients send before it.
        self.commit_window = 10.0 if spark_port else 1.0
        self.sending = 15.0 if spark_port else 3.0

    def settled_rows(self):
        """`logged_rows` once the log is settled: in the workspace store after a read through PlateShell settled
        the chunks the killed server committed; on Spark once the row count stops changing (a write the killed
        server started lands)."""
        if self.spark is None:
            run_plateshell(self.binary, self.workspace, "history fsp.inference")
            return self.logged_rows()
        rows, recorded = self.logged_rows()
        for _ in range(30):
            time.sleep(1)
            again, recorded = self.logged_rows()
            if len(again) == len(rows):
                break
            rows = again
        return rows, recorded

    def logged_rows(self):
        """(request_id, row, model_version) of every logged plate, and the row count the version record holds."""
        if self.spark is None:
            return logged_rows(self.workspace)
        self.spark.sql("REFRESH TABLE fsp.inference")  # this session cached its files at the last read
        rows = [tuple(r) for r in self.spark.sql("SELECT request_id, `row`, model_version FROM fsp.inference").collect()]
        properties = {r["key"]: r["value"] for r in self.spark.sql("SHOW TBLPROPERTIES fsp.inference").collect()}
        record = json.loads(properties["plateshell.versions"])
        return rows, record[-1]["rows"]


def logged_rows(workspace):
    with sqlite3.connect(f"{workspace}/tables/fsp.sqlite") as db:
        rows = db.execute("SELECT request_id, row, model_version FROM _v1_inference ORDER BY rowid").fetchall()
        recorded = db.execute("SELECT row_count FROM _plateshell_versions WHERE table_name = 'inference'").fetchone()[0]
    return rows, recorded


def compare(answered, rows, phase):
    """Checks that the log holds exactly the answered requests' plates, with the versions that answered."""
    by_id = {}
    for request_id, row, version in rows:
        by_id.setdefault(request_id, []).append((row, version))
    check(set(by_id) == set(answered),
          f"{phase}: {len(set(answered) - set(by_id))} answered requests not logged, "
          f"{len(set(by_id) - set(answered))} logged requests not answered")
    for request_id, (count, _, header, _) in answered.items():
        logged = by_id.get(request_id, [])
        if sorted(row for row, _ in logged) != list(range(count)):
            failures.append(f"{phase}: request {request_id} of {count} rows logged rows {sorted(r for r, _ in logged)[:10]}")
            break
        if {f"m/{version}" for _, version in logged} != {header}:
            failures.append(f"{phase}: request {request_id} answered by {header} was logged as {logged[0][1]}")
            break


def serve(binary, store, port, scratch, name):
    log = f"{scratch}/{name}.log"
    process = subprocess.Popen([binary, "--workspace", store.workspace, "serve", "models:/m@champion", "--port", str(port),
                                "--poll", "0.2", "--log", "fsp.inference"],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT, env=dict(os.environ, **store.env))
    wait_for_ping(f"http://127.0.0.1:{port}", process, log, "plateshell serve")
    return process, log


def main():
    binary, data = sys.argv[1:3]
    spark_port = sys.argv[3] if len(sys.argv) > 3 else None
    where = "on Spark" if spark_port else "in the workspace store"
    features, _ = top3_rows(data)
    with tempfile.TemporaryDirectory() as scratch:
        workspace = f"{scratch}/ws"
        store = Store(binary, workspace, spark_port)
        run_plateshell(binary, workspace,
                       f"load {data} as fsp.faults; use fsp.faults; label onehot={','.join(FAULTS)}; "
                       "keep top=3 by=Label exclude=Other_Faults; scale; fit lr on=all; register lr as m; "
                       "fit lr C=0.05 on=all; register lr as m; alias m 1 champion", env=store.env)

        # Phase 1: 4,000 requests, an alias move half-way, SIGTERM near the end.
        port = free_port()
        server, log = serve(binary, store, port, scratch, "serve1")
        clients = Clients(port, features, "a", total=4000)
        clients.start()
        while len(clients.answers) < 2000:
            time.sleep(0.01)
        run_plateshell(binary, workspace, "alias m 2 champion", env=store.env)
        while len(clients.answers) < 3800:
            time.sleep(0.01)
        server.send_signal(signal.SIGTERM)
        clients.join()
        status = server.wait(timeout=60)
        check(status == 0, f"serve exited {status} after SIGTERM:\n{open(log).read()[-2000:]}")
        answered = clients.answered()
        rows, recorded = store.logged_rows()
        compare(answered, rows, "SIGTERM")
        versions = {header for _, _, header, _ in answered.values()}
        check(versions == {"m/1", "m/2"}, f"the alias move did not show in the answers: {versions}")
        check(recorded == len(rows), f"the log's version records {recorded} rows, it holds {len(rows)}")
        plates = sum(answer[0] for answer in answered.values())
        check(f"Logged {plates} scored rows to fsp.inference." in open(log).read(),
              f"serve did not say it logged {plates} rows:\n{open(log).read()[-600:]}")
        print(f"inference log {where}, SIGTERM: {len(answered)} of {len(clients.answers)} requests answered 200, "
              f"{len(rows)} rows logged for {plates} plates scored")

        # Phase 2: the same log again, then kill -9.
        before = len(rows)
        server, log = serve(binary, store, port, scratch, "serve2")
        clients = Clients(port, features, "b")
        clients.start()
        time.sleep(store.sending)
        killed_at = time.monotonic()
        server.kill()
        server.wait()
        clients.stopped.set()
        clients.join()
        answered = clients.answered()
        rows, recorded = store.settled_rows()
        new_rows = [row for row in rows if row[0].startswith("b-")]
        check(len(rows) - len(new_rows) == before, f"kill -9: the log held {before} rows before, now {len(rows) - len(new_rows)}")
        logged_ids = {request_id for request_id, _, _ in new_rows}
        check(logged_ids <= set(answered), f"kill -9: {len(logged_ids - set(answered))} logged requests were not answered")
        lost = {k: v for k, v in answered.items() if k not in logged_ids}
        old_lost = [k for k, v in lost.items() if v[3] < killed_at - store.commit_window]
        check(not old_lost, f"kill -9: {len(old_lost)} requests answered over {store.commit_window} s before the kill "
                            f"were lost, e.g. {old_lost[:3]}")
        if store.spark is None:
            check(recorded == len(rows), f"after kill -9 the log's version records {recorded} rows, it holds {len(rows)}")
        else:
            check(recorded <= len(rows), f"after kill -9 the log's version records {recorded} rows, it holds {len(rows)}")
        compare({k: v for k, v in answered.items() if k in logged_ids}, new_rows, "kill -9")
        oldest = max((killed_at - v[3] for v in lost.values()), default=0.0)
        print(f"inference log {where}, kill -9: {len(answered)} requests answered in {store.sending:.0f} s, {len(logged_ids)} logged; "
              f"{len(lost)} lost ({sum(v[0] for v in lost.values())} plates), the oldest answered {oldest:.2f} s before the kill")
        reopened = run_plateshell(binary, workspace, "use fsp.inference", check=False, env=store.env)
        check(reopened.returncode == 0 and f"{len(rows)} rows" in reopened.stdout.replace(",", ""),
              f"use fsp.inference after kill -9: {reopened.stdout[-400:]} {reopened.stderr[-400:]}")
        if store.spark is not None:
            store.spark.stop()
    exit_on_failures(failures)
    print(f"inference log {where}: 0 failures")


if __name__ == "__main__":
    main()
