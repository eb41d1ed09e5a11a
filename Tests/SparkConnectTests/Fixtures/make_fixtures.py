"""Writes the Arrow IPC stream fixtures that ArrowTests.swift reads (run with pyarrow installed).

    python3 Tests/SparkConnectTests/Fixtures/make_fixtures.py

Each fixture is small; ArrowTests.swift spells out the PlateShell cells it expects from each.
"""

import datetime as dt
import decimal
import pathlib

import pyarrow as pa

HERE = pathlib.Path(__file__).resolve().parent


def write(name, batches, schema=None, **options):
    """Writes `batches` (or just `schema`) as one IPC stream to NAME.arrows."""
    schema = schema or batches[0].schema
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema, options=pa.ipc.IpcWriteOptions(**options)) as writer:
        for batch in batches:
            writer.write_batch(batch)
    (HERE / f"{name}.arrows").write_bytes(sink.getvalue().to_pybytes())


def batch(**columns):
    return pa.record_batch(list(columns.values()), names=list(columns))


def integers():
    def column(kind, low, high):
        return [pa.array([low, high, None], kind), pa.array([None, 1, 0], kind)]

    kinds = {
        "i8": (pa.int8(), -(2**7), 2**7 - 1),
        "i16": (pa.int16(), -(2**15), 2**15 - 1),
        "i32": (pa.int32(), -(2**31), 2**31 - 1),
        "i64": (pa.int64(), -(2**63), 2**63 - 1),
        "u8": (pa.uint8(), 0, 2**8 - 1),
        "u16": (pa.uint16(), 0, 2**16 - 1),
        "u32": (pa.uint32(), 0, 2**32 - 1),
        "u64": (pa.uint64(), 0, 2**63 - 1),
    }
    arrays = {name: column(*spec) for name, spec in kinds.items()}
    write("integers", [batch(**{name: pair[i] for name, pair in arrays.items()}) for i in range(2)])


def floats():
    write("floats", [batch(
        f32=pa.array([1.5, -0.25, None, float("inf")], pa.float32()),
        f64=pa.array([1e-300, -2.5, None, float("nan")], pa.float64()),
    )])


def text():
    words = ["plain", "", None, "Ünïcødé ✓"]
    write("text", [batch(
        s=pa.array(words, pa.string()),
        ls=pa.array(words, pa.large_string()),
        b=pa.array([True, False, None, True], pa.bool_()),
        bin=pa.array([b"\x00\xff", b"", None, b"ab"], pa.binary()),
    )])


def temporal():
    days = [dt.date(2024, 1, 2), dt.date(1969, 12, 31), None]
    columns = {"d32": pa.array(days, pa.date32()), "d64": pa.array(days, pa.date64())}
    seconds = 1_704_164_645  # 2024-01-02T03:04:05Z
    for unit, fraction in [("s", ""), ("ms", "123"), ("us", "123456"), ("ns", "123456789")]:
        columns[f"ts_{unit}"] = pa.array([int(f"{seconds}{fraction}"), -1, None], pa.timestamp(unit))
    utc = dt.timezone.utc
    moments = [dt.datetime(2024, 1, 2, 3, 4, 5, 123456, utc), dt.datetime(1960, 2, 29, tzinfo=utc), None]
    columns["ts_us_utc"] = pa.array(moments, pa.timestamp("us", tz="UTC"))
    columns["ts_ms_ny"] = pa.array([0, 86_400_000 + 1, None], pa.timestamp("ms", tz="America/New_York"))
    write("temporal", [batch(**columns)])


def decimals():
    small = ["123.45", "-0.01", None, "-99999999.99"]
    large = ["1234567890123456789012345678.0123456789", "-1234567890123456789012345678.0123456789", None, "0"]
    write("decimal", [batch(
        price=pa.array([decimal.Decimal(v) if v else None for v in small], pa.decimal128(10, 2)),
        big=pa.array([decimal.Decimal(v) if v else None for v in large], pa.decimal128(38, 10)),
    )])


def null_type():
    write("null_type", [batch(nothing=pa.array([None, None, None], pa.null()), n=pa.array([1, 2, 3], pa.int64()))])


def shapes():
    schema = pa.schema([("a", pa.int64()), ("b", pa.string())])
    write("schema_only", [], schema=schema)
    empty = pa.record_batch([pa.array([], pa.int64()), pa.array([], pa.string())], schema=schema)
    two = pa.record_batch([pa.array([1, None], pa.int64()), pa.array([None, "x"], pa.string())], schema=schema)
    write("zero_row_batches", [empty, two, empty])
    write("legacy", [two], use_legacy_format=True)
    words = [str(i) if i % 3 else None for i in range(10)]
    table = pa.table({"k": pa.array(range(10), pa.int64()), "w": pa.array(words)})
    write("sliced", table.slice(3, 5).to_batches())
    full = pa.BufferOutputStream()
    with pa.ipc.new_stream(full, schema) as writer:
        writer.write_batch(two)
    (HERE / "no_eos.arrows").write_bytes(full.getvalue().to_pybytes()[:-8])


def unsupported():
    write("list", [batch(id=pa.array([1]), tags=pa.array([["a", "b"]], pa.list_(pa.string())))])
    write("dictionary", [batch(kind=pa.array(["a", "b", "a"]).dictionary_encode())])
    write("compressed", [batch(x=pa.array(list(range(100)), pa.int64()))], compression="zstd")
    write("uint64_overflow", [batch(big=pa.array([1, 2**64 - 1], pa.uint64()))])


if __name__ == "__main__":
    for make in [integers, floats, text, temporal, decimals, null_type, shapes, unsupported]:
        make()
