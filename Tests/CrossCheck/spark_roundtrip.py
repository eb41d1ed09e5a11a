"""Cross-check PlateShell's Spark table store against PySpark's own Spark Connect client, on a real
Spark Connect server (started by scripts/test on 127.0.0.1).

  - a table PlateShell loads (fsp.faults) reads back in PySpark with the same rows and types (bigint for
    integer columns, double for real ones), and `use` in PlateShell gives the digest `load` recorded;
  - a table PySpark writes from the same CSV (pyfsp.faults) reads in PlateShell with the digest of the
    CSV loaded into the workspace store (the same rows, types and order);
  - describe, counts and corr of a Spark table are pushed down to Spark and equal pandas to 1e-9
    (relative; 1e-12 absolute near zero);
  - a generated 1,000,000-row table PySpark writes reads in PlateShell with every cell equal, over result
    streams the server cuts every 8 MiB (scripts/test starts it so), which PlateShell reattaches
    (ReattachExecute; `tables status` counts them);
  - a table above the memory limit: `use` says so and names sample=/limit=; `use … sample=F seed=S` reads
    the rows PySpark's df.sample(fraction=F, seed=S) gives, `use … limit=N` N rows, and a run trained on
    a sample records the part in its dataset input;
  - `predict … on=TABLE into=TABLE` on Spark streams the rows through the model: over 1,941,000 rows it
    predicts exactly 1000 times the classes it predicts over the 1941 plates (each plate 1000 times), and
    its peak memory stays within twice that of scoring 194,100 rows (10 times the rows);
  - Spark's other types read as the Arrow reader says (int, float, boolean as 0/1, date and timestamp as
    ISO text, decimal as double with a note that `use` and `sql` show, nulls missing);
  - sql stays read-only (DDL refused before it reaches Spark; the table still there), history lists
    PlateShell's versions, and an earlier version of a plain Spark table is a clear error;
  - the token in an address never shows in the output (the histories: SparkTablesSessionTests), and a
    token, which turns TLS on, against this plaintext server says to add use_ssl=false.
Usage: spark_roundtrip.py PLATESHELL_BINARY FAULTS_CSV PORT
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from pyspark.sql import SparkSession

RELATIVE, ABSOLUTE = 1e-9, 1e-12
FAULTS = ["Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults"]
failures = []
checked = 0


def check(condition, message):
    global checked
    checked += 1
    if not condition:
        failures.append(message)


def close(a, b):
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return a is None or (isinstance(a, float) and math.isnan(a))
    return a is not None and abs(a - b) <= max(ABSOLUTE, RELATIVE * abs(b))


def run(binary, workspace, commands, remote=None, expect_failure=False):
    environment = dict(os.environ)
    environment.pop("SPARK_REMOTE", None)
    if remote:
        environment["SPARK_REMOTE"] = remote
    result = subprocess.run([binary, "--workspace", workspace, "--format", "json", "-c", commands],
                            capture_output=True, text=True, check=False, env=environment)
    if expect_failure:
        return result
    if result.returncode != 0:
        sys.exit(f"FAIL plateshell failed ({result.returncode}) on {commands!r}:\n{result.stdout[-2000:]}\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def block(document, kind, name):
    return next(b for b in document["blocks"] if b["type"] == kind and b["name"] == name)


def fields(document, name):
    return block(document, "fields", name)["fields"]


def spark_types(binary, workspace, remote, spark):
    """A table of Spark's other types reads with the documented conversions and a note for decimals."""
    spark.sql("SELECT CAST(1 AS INT) AS i, CAST(2.5 AS FLOAT) AS f, true AS b, DATE'2026-12-07' AS d, "
              "TIMESTAMP'2026-12-07 10:30:00' AS t, CAST(12.34 AS DECIMAL(10,2)) AS price, "
              "CAST(NULL AS STRING) AS s UNION ALL SELECT 2, -1.25, false, DATE'1999-01-31', "
              "TIMESTAMP'1999-01-31 00:00:01', CAST(-0.5 AS DECIMAL(10,2)), 'x'") \
        .write.mode("overwrite").saveAsTable("default.typed")
    documents = run(binary, workspace + "/spark", "use typed; head; sql select price from typed order by i", remote)
    texts = [[b.get("text", "") for b in d["blocks"]] for d in documents]
    note = "column 'price' is decimal(10,2) in Spark; read as double"
    check(any(note in text for text in texts[0]) and any(note in text for text in texts[2]),
          f"use and sql of a decimal column do not note it: {texts}")
    rows = block(documents[1], "table", "rows")
    values = [dict(zip(rows["columns"], row)) for row in rows["rows"]]
    first = next(v for v in values if v["i"] == 1)
    check(first["f"] == 2.5 and first["b"] == 1 and first["d"] == "2026-12-07" and first["price"] == 12.34
          and first["s"] is None and first["t"].startswith("2026-12-07"), f"Spark's types read as {first}")


def peak_memory_kib(binary, workspace, commands, remote):
    """Runs PlateShell and returns its peak resident memory (KiB), from the kernel's accounting."""
    environment = dict(os.environ, SPARK_REMOTE=remote)
    process = subprocess.Popen([binary, "--workspace", workspace, "--format", "json", "-c", commands],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    error = process.stderr.read().decode()
    process.stderr.close()
    if status != 0:
        sys.exit(f"FAIL plateshell failed on {commands!r}: {error[-1500:]}")
    return usage.ru_maxrss


def streamed_predictions(binary, workspace, remote, spark):
    """predict on=TABLE into=TABLE streams batches through the model: labels and bounded memory."""
    faults = spark.table("fsp.faults")
    copies = faults.crossJoin(spark.range(100).withColumnRenamed("id", "copy")).drop("copy")
    copies.write.mode("overwrite").saveAsTable("fsp.faults_x100")
    copies.crossJoin(spark.range(10).withColumnRenamed("id", "copy")).drop("copy") \
        .write.mode("overwrite").saveAsTable("fsp.faults_x1000")
    train = ("use fsp.faults; label onehot=" + ",".join(FAULTS) + "; keep top=3 by=Label exclude=Other_Faults; "
             "scale; fit lr; ")
    documents = run(binary, workspace + "/spark", train + "predict lr on=fsp.faults", remote)
    single = {row[0]: row[1] for row in block(documents[-1], "table", "predicted_counts")["rows"]}
    memory = {}
    for copies in (100, 1000):
        memory[copies] = peak_memory_kib(
            binary, workspace + "/spark", train + f"predict lr on=fsp.faults_x{copies} into=fsp.predicted_x{copies}",
            remote)
        counted = {row.predicted: row["count"]
                   for row in spark.table(f"fsp.predicted_x{copies}").groupBy("predicted").count().collect()}
        check(counted == {label: count * copies for label, count in single.items()},
              f"predict on {copies} copies of the plates on Spark: {counted}, one copy: {single}")
    check(memory[1000] < 2 * memory[100],
          f"streamed predict: {memory[1000]} KiB peak over 1,941,000 rows vs {memory[100]} KiB over 194,100")
    for table in ["faults_x100", "faults_x1000", "predicted_x100", "predicted_x1000"]:
        spark.sql(f"DROP TABLE IF EXISTS fsp.{table}")
    print(f"streamed predict peak memory: {memory[100] / 1024:.0f} MiB over 194,100 rows, "
          f"{memory[1000] / 1024:.0f} MiB over 1,941,000 rows")


def streamed_load(binary, workspace, remote, spark, data):
    """load streams a CSV to Spark in chunks: 1,941,000 rows in memory bounded like 194,100, the rows PySpark
    reads, and the same digest as the workspace store's load of the same file."""
    header, *rows = open(data).read().splitlines(keepends=True)
    body = "".join(rows)
    faults = pd.read_csv(data)
    memory = {}
    for copies in (100, 1000):
        path = f"{workspace}/faults_x{copies}.csv"
        with open(path, "w") as file:
            file.write(header)
            for _ in range(copies):
                file.write(body)
        memory[copies] = peak_memory_kib(binary, workspace + "/spark", f"load {path} as fsp.loaded_x{copies}", remote)
        table = spark.table(f"fsp.loaded_x{copies}")
        sums = table.selectExpr("count(*) AS n", "sum(Bumps) AS bumps", "sum(Pixels_Areas) AS areas").collect()[0]
        check(sums.n == len(faults) * copies and sums.bumps == faults.Bumps.sum() * copies
              and sums.areas == faults.Pixels_Areas.sum() * copies,
              f"load of {copies} copies of the plates on Spark: {sums}")
        if copies == 100:
            local = run(binary, workspace + "/local", f"load {path} as fsp.loaded_x{copies}")
            history = run(binary, workspace + "/spark", f"history fsp.loaded_x{copies}", remote)
            recorded = block(history[0], "table", "versions")
            digest_at = recorded["columns"].index("digest")
            shown = recorded["rows"][-1][digest_at]   # history shows the digest's first 12 hex digits
            check(len(shown) >= 19 and fields(local[0], "version")["digest"].startswith(shown),
                  f"the streamed load's digest {shown} is not the workspace store's "
                  f"{fields(local[0], 'version')['digest']}")
        os.remove(path)
        spark.sql(f"DROP TABLE IF EXISTS fsp.loaded_x{copies}")
    # Measured: 263 and 499 MiB streamed (a chunk of ~96 MiB of Arrow, held as a table, its Arrow bytes and
    # the request); 260 and 1099 MiB when the file was read whole.
    check(memory[1000] < 2.5 * memory[100],
          f"streamed load: {memory[1000]} KiB peak over 1,941,000 rows vs {memory[100]} KiB over 194,100")
    print(f"streamed load peak memory: {memory[100] / 1024:.0f} MiB over 194,100 rows, "
          f"{memory[1000] / 1024:.0f} MiB over 1,941,000 rows")


def main():
    binary, data, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    remote = f"sc://127.0.0.1:{port}"
    frame = pd.read_csv(data)
    spark = SparkSession.builder.remote(remote).getOrCreate()
    with tempfile.TemporaryDirectory() as workspace:
        local = run(binary, workspace + "/local", f"load {data} as fsp.faults")
        local_digest = fields(local[0], "version")["digest"]

        # PlateShell writes, PySpark reads.
        loaded = run(binary, workspace + "/spark", f"load {data} as fsp.faults; use fsp.faults", remote)
        load_fields = fields(loaded[0], "version")
        check(load_fields["digest"] == local_digest,
              f"load on Spark recorded {load_fields['digest']}, the workspace store {local_digest}")
        check(fields(loaded[1], "version")["digest"] == local_digest, "use fsp.faults on Spark gave another digest")
        back = spark.table("fsp.faults").toPandas()
        check(list(back.columns) == list(frame.columns), f"PySpark reads columns {list(back.columns)}")
        check(back.shape == frame.shape, f"PySpark reads {back.shape}, the CSV has {frame.shape}")
        types = {field.name: field.dataType.simpleString() for field in spark.table("fsp.faults").schema.fields}
        for column in frame.columns:
            expected = "bigint" if frame[column].dtype.kind == "i" else "double"
            check(types[column] == expected, f"fsp.faults.{column} is {types[column]} on Spark, expected {expected}")
        check(back.equals(frame.astype(back.dtypes.to_dict())), "PySpark reads other cells than the CSV holds")

        # PySpark writes, PlateShell reads (and explores by pushdown).
        spark.sql("CREATE DATABASE IF NOT EXISTS pyfsp")
        spark.createDataFrame(frame).write.mode("overwrite").saveAsTable("pyfsp.faults")
        documents = run(binary, workspace + "/spark",
                        "use pyfsp.faults; describe; counts Pastry; counts Steel_Plate_Thickness; corr", remote)
        check(fields(documents[0], "version")["digest"] == local_digest,
              "the table PySpark wrote reads in PlateShell with another digest than the CSV's")
        summary = block(documents[1], "table", "summary")
        expected = frame.describe()
        check(len(summary["rows"]) == frame.shape[1], f"describe summarized {len(summary['rows'])} columns")
        for row in summary["rows"]:
            values = dict(zip(summary["columns"], row))
            for statistic in ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]:
                theirs = float(expected.loc[statistic, values["column"]])
                check(close(values[statistic], theirs),
                      f"pushed-down describe {values['column']} {statistic}: {values[statistic]} vs pandas {theirs}")
        for document, column in [(documents[2], "Pastry"), (documents[3], "Steel_Plate_Thickness")]:
            counts = block(document, "table", "counts")
            ours = {row[0]: row[1] for row in counts["rows"]}
            theirs = {int(k): int(v) for k, v in frame[column].value_counts().items()}
            check(ours == theirs, f"pushed-down counts {column}: {ours} vs pandas {theirs}")
        matrix = block(documents[4], "heatmap", "matrix")
        check(matrix["labels"] == list(frame.columns), f"corr correlated {matrix['labels']}")
        correlations = frame[matrix["labels"]].corr()
        for i, first in enumerate(matrix["labels"]):
            for j, second in enumerate(matrix["labels"]):
                check(close(matrix["values"][i][j], float(correlations.loc[first, second])),
                      f"pushed-down corr {first}/{second}: {matrix['values'][i][j]} vs {correlations.loc[first, second]}")

        # Streamed scoring first, on a server not yet loaded by the large tables below.
        streamed_load(binary, workspace, remote, spark, data)
        streamed_predictions(binary, workspace, remote, spark)
        spark_types(binary, workspace, remote, spark)

        # A million generated rows, 34 columns, written by PySpark.
        spark.range(1_000_000).selectExpr(
            "id", *[f"CAST(id * {k} % 1000 AS BIGINT) AS i{k}" for k in range(1, 17)],
            *[f"sin(id + {k}) * 1e3 AS d{k}" for k in range(1, 17)],
            "CASE WHEN id % 7 = 0 THEN NULL ELSE id / 3.0 END AS nullable").write.mode("overwrite") \
            .saveAsTable("default.generated")
        exported = os.path.join(workspace, "generated.csv")
        documents = run(binary, workspace + "/spark", f"use generated; export {exported}; tables status", remote)
        status = fields(documents[2], "tables")
        check(int(status.get("reattached_streams", 0)) > 0,
              f"a 1M-row pull over streams cut every 8 MiB was not reattached: {status}")
        ours = pd.read_csv(exported)
        theirs = spark.table("default.generated").toPandas()
        check(ours.shape == theirs.shape, f"1M rows: PlateShell reads {ours.shape}, PySpark {theirs.shape}")
        ours = ours.sort_values("id").reset_index(drop=True)
        theirs = theirs.sort_values("id").reset_index(drop=True)
        for column in theirs.columns:
            same = np.allclose(ours[column].to_numpy(dtype=float), theirs[column].to_numpy(dtype=float),
                               rtol=0, atol=0, equal_nan=True)
            check(same, f"1M rows: column {column} differs between PlateShell and PySpark")

        # A table too large to read (3M rows x 34 columns > 100M cells): explored on Spark only.
        spark.range(3_000_000).selectExpr("id", *[f"id % {k + 2} AS c{k}" for k in range(33)]) \
            .write.mode("overwrite").saveAsTable("default.huge")
        documents = run(binary, workspace + "/spark", "use huge; describe c0,c5; counts c5", remote)
        check(any("too large to read into memory" in b.get("text", "") for b in documents[0]["blocks"]),
              "use of a table above the memory limit did not say it is too large")
        ids = np.arange(3_000_000)
        expected = pd.DataFrame({"c0": ids % 2, "c5": ids % 7}).describe()
        for row in block(documents[1], "table", "summary")["rows"]:
            values = dict(zip(block(documents[1], "table", "summary")["columns"], row))
            for statistic in ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]:
                check(close(values[statistic], float(expected.loc[statistic, values["column"]])),
                      f"describe of a 3M-row table on Spark {values['column']} {statistic}")
        check({row[0]: row[1] for row in block(documents[2], "table", "counts")["rows"]}
              == {k: len(range(k, 3_000_000, 7)) for k in range(7)}, "counts of a 3M-row table on Spark")
        check(any("sample=" in b.get("text", "") and "limit=N" in b.get("text", "")
                  for b in documents[0]["blocks"]), "use of a table above the memory limit did not name sample=/limit=")
        pulled = run(binary, workspace + "/spark", "use huge; head 1", remote, expect_failure=True)
        check(pulled.returncode != 0 and "more than PlateShell reads into memory" in pulled.stderr,
              f"head of a table above the memory limit: {pulled.stderr[-300:]}")
        sampled = os.path.join(workspace, "sampled.csv")
        documents = run(binary, workspace + "/spark",
                        f"use huge sample=0.002 seed=11; export {sampled}; state", remote)
        ours = pd.read_csv(sampled)
        theirs = spark.table("default.huge").sample(fraction=0.002, seed=11).toPandas()
        check(len(ours) > 0 and ours.shape == theirs.shape and (ours["id"].to_numpy() == theirs["id"].to_numpy()).all(),
              f"use huge sample=0.002 seed=11 read {ours.shape}, PySpark's df.sample {theirs.shape}")
        state = fields(documents[2], "state")
        check("sample (seed 11)" in str(state.get("part")), f"state does not name the sample: {state}")
        documents = run(binary, workspace + "/spark", "use huge limit=1000; state", remote)
        check(fields(documents[1], "state").get("rows") == 1000, "use huge limit=1000")
        too_many = run(binary, workspace + "/spark", "use huge sample=1", remote, expect_failure=True)
        check(too_many.returncode != 0 and "take a smaller sample" in too_many.stderr,
              f"a sample above the memory limit: {too_many.stderr[-300:]}")
        documents = run(binary, workspace + "/spark",
                        "use huge sample=0.001 seed=3; label c0; fit lr; sql select source from catalog.datasets", remote)
        sources = [json.loads(row[0]) for row in block(documents[-1], "table", "result")["rows"]]
        check(any(s.get("table_name") == "default.huge" and s.get("sample") == 0.001 and s.get("seed") == 3
                  for s in sources), f"the run's dataset input does not record the sample: {sources}")


        # Read-only sql, history and versions, the token.
        refused = run(binary, workspace + "/spark", "sql drop table fsp.faults", remote, expect_failure=True)
        check(refused.returncode != 0 and "read-only" in refused.stderr, f"DDL not refused: {refused.stderr}")
        check(spark.catalog.tableExists("fsp.faults"), "fsp.faults is gone after a refused DROP")
        twice = f"fsp.twice_{os.getpid()}"
        documents = run(binary, workspace + "/spark",
                        f"load {data} as {twice}; load {data} as {twice}; history {twice}; "
                        f"sql select count(*) as n from {twice}", remote)
        documents = documents[1:]
        versions = block(documents[1], "table", "versions")["rows"]
        check([row[0] for row in versions] == [1, 2], f"history lists versions {[row[0] for row in versions]}")
        check(block(documents[2], "table", "result")["rows"] == [[1941]], "sql count(*) on Spark")
        earlier = run(binary, workspace + "/spark", f"use {twice} version=1", remote, expect_failure=True)
        check(earlier.returncode != 0 and "cannot be read back" in earlier.stderr,
              f"an earlier version of a plain table: {earlier.stderr}")
        secret = run(binary, workspace + "/spark", f'tables status uri="{remote}/;token=s3cr3t;use_ssl=false"',
                     expect_failure=True)
        check("s3cr3t" not in secret.stdout + secret.stderr, "the token showed in the output")
        tls = run(binary, workspace + "/spark", f'tables status uri="{remote}/;token=s3cr3t"', expect_failure=True)
        check(tls.returncode != 0 and "use_ssl=false" in tls.stderr and "s3cr3t" not in tls.stderr,
              f"a token (TLS on) against a plaintext server: {tls.stderr}")

    spark.stop()
    print(f"spark round trips: {checked} checks, {len(failures)} failures")
    for failure in failures[:40]:
        print("FAIL", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
