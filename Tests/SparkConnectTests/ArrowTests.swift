import Engine
import Foundation
import Testing

@testable import SparkConnect

/// A stream written by Fixtures/make_fixtures.py.
private func fixture(_ name: String) throws -> Data {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return try Data(contentsOf: directory.appendingPathComponent("\(name).arrows"))
}

/// Reads a stream (or several) into a table.
private func read(_ streams: Data...) throws -> Table {
    var builder = ArrowTableBuilder()
    for stream in streams { try builder.append(stream: stream) }
    return try builder.build()
}

/// Every cell of a column, missing cells as `.missing`.
private func cells(_ table: Table, _ name: String) throws -> [Value] {
    let column = try table.column(named: name)
    return (0..<column.count).map(column.value(at:))
}

/// The message of the EngineError that `body` throws, or nil when it throws none.
private func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as EngineError {
        return error.message
    } catch {
        return "not an EngineError: \(error)"
    }
}

private func sampleTable(rows: Int) throws -> Table {
    let indices = 0..<rows
    return try Table(columns: [
        Column(
            name: "count", storage: .integer(indices.map { Int64($0) * 3 - 7 }),
            missing: indices.map { $0 % 7 == 1 }),
        Column(
            name: "score", storage: .real(indices.map { $0 % 11 == 2 ? .nan : Double($0) * 0.25 - 1e-3 }),
            missing: indices.map { $0 % 5 == 3 }),
        Column(
            name: "label", storage: .text(indices.map { $0 % 4 == 0 ? "" : "row \($0) ✓" }),
            missing: indices.map { $0 % 3 == 2 }),
    ])
}

/// Expects two tables to hold the same columns and cells (NaN and missing both reading as missing).
private func expectSameCells(_ read: Table, _ written: Table) throws {
    #expect(read.columnNames == written.columnNames)
    #expect(read.columns.map(\.type) == written.columns.map(\.type))
    #expect(read.rowCount == written.rowCount)
    for name in written.columnNames {
        #expect(try cells(read, name) == cells(written, name), "column \(name)")
    }
}

@Suite("Arrow stream writer → reader")
struct ArrowRoundTripTests {
    @Test("integer, real and text columns with missing cells read back cell for cell")
    func allColumnTypes() throws {
        let table = try sampleTable(rows: 50)
        var builder = ArrowTableBuilder()
        try builder.append(stream: ArrowStreamWriter.stream(table))
        #expect(builder.fields == ArrowStreamWriter.fields(of: table))
        #expect(builder.fields.map(\.type) == [.int64, .float64, .utf8])
        #expect(builder.notes.isEmpty)
        try expectSameCells(try builder.build(), table)
    }

    @Test("NaN in a real column is written as null and reads back as missing")
    func nanIsMissing() throws {
        let table = try Table(columns: [Column(name: "x", storage: .real([.nan, 1, .infinity]))])
        let read = try read(ArrowStreamWriter.stream(table))
        #expect(try cells(read, "x") == [.missing, .real(1), .real(.infinity)])
        #expect(try read.column(named: "x").missing == [true, false, false])
    }

    @Test("a table without columns, and columns without rows, keep their shape")
    func emptyTables() throws {
        let none = try read(ArrowStreamWriter.stream(Table.empty))
        #expect(none.columns.isEmpty && none.rowCount == 0)

        let table = try sampleTable(rows: 0)
        let empty = try read(ArrowStreamWriter.stream(table))
        #expect(empty.columnNames == table.columnNames)
        #expect(empty.columns.map(\.type) == table.columns.map(\.type))
        #expect(empty.rowCount == 0)

        let emptyRange = try read(ArrowStreamWriter.stream(try sampleTable(rows: 9), rows: 4..<4))
        #expect(emptyRange.rowCount == 0 && emptyRange.columnNames == table.columnNames)
    }

    @Test("small batches and a row range read back as the same rows")
    func batchesAndRanges() throws {
        let table = try sampleTable(rows: 23)
        try expectSameCells(try read(ArrowStreamWriter.stream(table, batchRows: 3)), table)
        let part = try read(ArrowStreamWriter.stream(table, rows: 5..<17, batchRows: 4))
        try expectSameCells(part, table.selecting(rows: Array(5..<17)))
    }

    @Test("100,000 rows in the default batch size read back")
    func largeTable() throws {
        let table = try sampleTable(rows: 100_000)
        try expectSameCells(try read(ArrowStreamWriter.stream(table)), table)
    }

    @Test("several streams append their rows; missing flags start in a later stream")
    func severalStreams() throws {
        let clean = try Table(columns: [Column(name: "n", storage: .integer([1, 2]))])
        let gappy = try Table(columns: [Column(name: "n", storage: .integer([0, 4]), missing: [true, false])])
        var builder = ArrowTableBuilder()
        try builder.append(stream: ArrowStreamWriter.stream(clean))
        try builder.append(stream: ArrowStreamWriter.stream(gappy))
        try builder.append(stream: ArrowStreamWriter.stream(clean, rows: 0..<0))
        #expect(builder.rowCount == 4)
        #expect(try cells(builder.build(), "n") == [.integer(1), .integer(2), .missing, .integer(4)])
    }

    @Test("a stream with other columns than the first is refused and changes nothing")
    func mismatchedStreams() throws {
        let first = try Table(columns: [Column(name: "n", storage: .integer([1]))])
        let other = try Table(columns: [Column(name: "n", storage: .text(["a"]))])
        var builder = ArrowTableBuilder()
        try builder.append(stream: ArrowStreamWriter.stream(first))
        let message = errorMessage { try builder.append(stream: ArrowStreamWriter.stream(other)) }
        #expect(message == "an Arrow stream has columns (n string); the first had (n int64)")
        #expect(builder.rowCount == 1)
        #expect(try cells(builder.build(), "n") == [.integer(1)])
    }
}

@Suite("Arrow fixtures written by pyarrow")
struct ArrowFixtureTests {
    private func builder(_ name: String) throws -> ArrowTableBuilder {
        var builder = ArrowTableBuilder()
        try builder.append(stream: fixture(name))
        return builder
    }

    @Test("signed and unsigned integers of every width, over two batches, become integers")
    func integers() throws {
        let table = try read(fixture("integers"))
        #expect(table.columns.allSatisfy { $0.type == .integer })
        let extremes: [String: (Int64, Int64)] = [
            "i8": (-128, 127), "i16": (-32768, 32767), "i32": (-2_147_483_648, 2_147_483_647),
            "i64": (.min, .max), "u8": (0, 255), "u16": (0, 65535), "u32": (0, 4_294_967_295), "u64": (0, .max),
        ]
        for (name, (low, high)) in extremes {
            #expect(
                try cells(table, name) == [
                    .integer(low), .integer(high), .missing, .missing, .integer(1), .integer(0),
                ],
                "column \(name)")
        }
    }

    @Test("float32 and float64 become reals; null and NaN become missing")
    func floats() throws {
        let table = try read(fixture("floats"))
        #expect(try cells(table, "f32") == [.real(1.5), .real(-0.25), .missing, .real(.infinity)])
        #expect(try cells(table, "f64") == [.real(1e-300), .real(-2.5), .missing, .missing])
    }

    @Test("utf8, large_utf8, binary and bool columns, with nulls")
    func text() throws {
        let builder = try builder("text")
        #expect(builder.fields.map(\.type) == [.utf8, .largeUtf8, .boolean, .binary])
        #expect(builder.notes.contains("column 'b' is boolean in Spark; read as integer 0/1"))
        let table = try builder.build()
        let words: [Value] = [.text("plain"), .text(""), .missing, .text("Ünïcødé ✓")]
        #expect(try cells(table, "s") == words)
        #expect(try cells(table, "ls") == words)
        #expect(try cells(table, "b") == [.integer(1), .integer(0), .missing, .integer(1)])
        #expect(try cells(table, "bin") == [.text("00ff"), .text(""), .missing, .text("6162")])
    }

    @Test("dates become YYYY-MM-DD; timestamps ISO 8601 at their unit's precision, Z when zoned")
    func temporal() throws {
        let builder = try builder("temporal")
        #expect(
            builder.fields.first { $0.name == "ts_ms_ny" }?.type
                == .timestamp(unit: .millisecond, timezone: "America/New_York"))
        let table = try builder.build()
        let expected: [String: [String]] = [
            "d32": ["2024-01-02", "1969-12-31"],
            "d64": ["2024-01-02", "1969-12-31"],
            "ts_s": ["2024-01-02T03:04:05", "1969-12-31T23:59:59"],
            "ts_ms": ["2024-01-02T03:04:05.123", "1969-12-31T23:59:59.999"],
            "ts_us": ["2024-01-02T03:04:05.123456", "1969-12-31T23:59:59.999999"],
            "ts_ns": ["2024-01-02T03:04:05.123456789", "1969-12-31T23:59:59.999999999"],
            "ts_us_utc": ["2024-01-02T03:04:05.123456Z", "1960-02-29T00:00:00.000000Z"],
            "ts_ms_ny": ["1970-01-01T00:00:00.000Z", "1970-01-02T00:00:00.001Z"],
        ]
        for (name, texts) in expected {
            #expect(try cells(table, name) == texts.map(Value.text) + [.missing], "column \(name)")
        }
    }

    @Test("decimal128 becomes a real column (one note per column), negative and 128-bit values included")
    func decimals() throws {
        let builder = try builder("decimal")
        #expect(
            builder.notes == [
                "column 'price' is decimal(10,2) in Spark; read as double",
                "column 'big' is decimal(38,10) in Spark; read as double",
            ])
        let table = try builder.build()
        #expect(try cells(table, "price") == [.real(123.45), .real(-0.01), .missing, .real(-99_999_999.99)])
        let big = try cells(table, "big")
        let expected = 1_234_567_890_123_456_789_012_345_678.012_345_678_9
        #expect(abs((big[0].double ?? 0) - expected) <= expected * 1e-15)
        #expect(abs((big[1].double ?? 0) + expected) <= expected * 1e-15)
        #expect(big[2] == .missing && big[3] == .real(0))
    }

    @Test("the null type becomes an all-missing text column")
    func nullType() throws {
        let table = try read(fixture("null_type"))
        #expect(try table.column(named: "nothing").type == .text)
        #expect(try cells(table, "nothing") == [.missing, .missing, .missing])
        #expect(try cells(table, "n") == [.integer(1), .integer(2), .integer(3)])
    }

    @Test("a schema without batches gives the columns and no rows")
    func schemaOnly() throws {
        let table = try read(fixture("schema_only"))
        #expect(table.columnNames == ["a", "b"] && table.columns.map(\.type) == [.integer, .text])
        #expect(table.rowCount == 0)
    }

    @Test("zero-row batches, the legacy format, a missing EOS marker and a sliced table all read")
    func streamShapes() throws {
        for name in ["zero_row_batches", "legacy", "no_eos"] {
            let table = try read(fixture(name))
            #expect(try cells(table, "a") == [.integer(1), .missing], "fixture \(name)")
            #expect(try cells(table, "b") == [.missing, .text("x")], "fixture \(name)")
        }
        let sliced = try read(fixture("sliced"))
        #expect(try cells(sliced, "k") == (3...7).map { .integer($0) })
        #expect(try cells(sliced, "w") == [.missing, .text("4"), .text("5"), .missing, .text("7")])
    }

    @Test("fixtures appended one after another concatenate")
    func concatenated() throws {
        let table = try read(fixture("integers"), fixture("integers"))
        #expect(table.rowCount == 12)
    }

    @Test("unreadable types, dictionaries, compression and oversized uint64 give clear errors")
    func refusals() throws {
        let expected = [
            "list": "column 'tags' has Arrow type List, which PlateShell cannot read",
            "dictionary": "column 'kind' is dictionary-encoded, which PlateShell cannot read",
            "compressed": "compressed Arrow batches are not supported; PlateShell reads only uncompressed Arrow data",
            "uint64_overflow":
                "column 'big' holds 18446744073709551615 in row 2, which is too large for a PlateShell integer",
        ]
        for (name, message) in expected {
            #expect(errorMessage { _ = try read(fixture(name)) } == message, "fixture \(name)")
        }
        var builder = ArrowTableBuilder()
        #expect(throws: EngineError.self) { try builder.append(stream: fixture("uint64_overflow")) }
        #expect(builder.fields.isEmpty && builder.rowCount == 0)
    }
}

@Suite("Arrow reader on damaged streams")
struct ArrowFuzzTests {
    /// A small deterministic random number generator (SplitMix64), so failures reproduce.
    private struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func streams() throws -> [Data] {
        let names = ["integers", "text", "temporal", "decimal", "null_type", "zero_row_batches", "legacy"]
        return try names.map(fixture)
            + [ArrowStreamWriter.stream(try sampleTable(rows: 40), batchRows: 16)]
    }

    /// Decoding either succeeds or throws an EngineError; anything else fails the test (a trap ends it).
    private func decodeOrThrow(_ data: Data) {
        var builder = ArrowTableBuilder()
        do {
            try builder.append(stream: data)
            _ = try builder.build()
        } catch is EngineError {
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("every truncation of valid streams throws or reads, never traps")
    func truncations() throws {
        for stream in try streams() {
            for length in 0..<stream.count { decodeOrThrow(stream.prefix(length)) }
        }
    }

    @Test("random byte flips in valid streams throw or read, never trap")
    func byteFlips() throws {
        var random = SplitMix64(state: 42)
        for stream in try streams() {
            for _ in 0..<2000 {
                var damaged = stream
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let index = Int.random(in: 0..<damaged.count, using: &random)
                    damaged[index] = UInt8.random(in: 0...255, using: &random)
                }
                decodeOrThrow(damaged)
            }
        }
    }

    @Test("a damaged decimal scale is refused, not used to loop or overflow")
    func damagedDecimalScale() throws {
        var stream = try fixture("decimal")
        stream[107] = 0x72 // the high byte of column 'big''s scale
        let message = errorMessage { _ = try read(stream) }
        #expect(message == "corrupt Arrow data: column 'big' is decimal128(38, 1912602634)")
    }

    @Test("empty and foreign bytes throw EngineError.invalidData")
    func garbage() {
        #expect(errorMessage { _ = try read(Data()) } == "the Arrow stream is empty; expected a schema first")
        let foreign = errorMessage { _ = try read(Data("PAR1 not arrow at all".utf8)) }
        #expect(foreign?.hasPrefix("corrupt Arrow data") == true)
    }
}
