import Foundation
import GRDB
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Inference log: a table that a scoring server appends to")
struct InferenceLogTests {
    typealias F = ScoringFixture
    let name = try! TableName(parsing: "fsp.inference")

    static func rows(_ values: [(String, Double)]) -> MLCore.Table {
        try! Table(columns: [
            Column(name: "request_id", storage: .text(values.map(\.0))),
            Column(name: "x", storage: .real(values.map(\.1))),
        ])
    }

    /// A model of one input `x` and the outputs `predicted` and `proba_b`.
    static let model = ServedModel.Identity(
        model: "m", version: 1, digest: "sha256:m1", inputs: ["x"], outputs: ["predicted", "proba_b"])

    static let schema: [ColumnSchema] = [
        ColumnSchema(name: "time", type: .text), ColumnSchema(name: "request_id", type: .text),
        ColumnSchema(name: "row", type: .integer), ColumnSchema(name: "model", type: .text),
        ColumnSchema(name: "model_version", type: .integer), ColumnSchema(name: "model_digest", type: .text),
        ColumnSchema(name: "x", type: .real), ColumnSchema(name: "predicted", type: .text),
        ColumnSchema(name: "proba_b", type: .real), ColumnSchema(name: "latency_ms", type: .real),
    ]

    /// One request per (id, x) pair, each of one row scored by `model`.
    static func batch(_ values: [(String, Double)], model: ServedModel.Identity = model) -> LogBatch {
        var records = LogRecords()
        for (id, x) in values {
            records.append(
                ScoredRequest(
                    time: Date(timeIntervalSince1970: 1_765_000_000.25), requestID: id, model: model,
                    inputs: Matrix(rows: 1, columns: 1, values: [x]),
                    outputs: [
                        Column(name: "predicted", storage: .text([x > 0 ? "b" : "a"])),
                        Column(name: "proba_b", storage: .real([x > 0 ? 0.75 : 0.25])),
                    ].prefix(model.outputs.count).map { $0 },
                    latencyMilliseconds: 0.5),
                model: 0)
        }
        return LogBatch(records: records, models: [LogModel(model)])
    }

    /// The rows of the log's table itself, settled or not (what a SQLite client sees).
    static func tableRows(_ store: TableStore, _ name: TableName) throws -> Int {
        try store.run { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(name.schema).\(TableVersion.physicalName(of: name, version: 1))")
                ?? -1
        }
    }

    @Test("Appends are stored as chunks that a read settles into the log's one version, also after reopening")
    func appendsSettleAndReopen() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        do {
            let log = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
            try log.append(Self.batch([("a", 1), ("b", 2.5)]))
            // Appended, not yet rows of the table: a store's read settles them first.
            #expect(try Self.tableRows(store, name) == 0)
            let early = try store.version(name)
            #expect(early.rowCount == 2)
            #expect(try store.read(early).contentDigest == early.digest)
            #expect(try Self.tableRows(store, name) == 2)
            try log.append(Self.batch([("c", -3)]))
            #expect(log.rowCount == 3)
            // A version read before the second append still reads the rows it counted.
            #expect(try store.read(early).rowCount == 2)
        }
        let reopened = try TableStore(directory: directory.path).openInferenceLog(
            name, schema: Self.schema, source: "serve m")
        #expect(reopened.rowCount == 3)
        try reopened.append(Self.batch([("d", 4)]))
        let versions = try store.versions(of: name)
        #expect(versions.count == 1 && versions[0].isLog && versions[0].rowCount == 4)
        // The version's digest describes the rows a read finds.
        let table = try store.read(versions[0])
        #expect(table.contentDigest == versions[0].digest)
        #expect(try table.column(named: "request_id").storage == .text(["a", "b", "c", "d"]))
        #expect(try table.column(named: "row").storage == .integer([0, 0, 0, 0]))
        #expect(try table.column(named: "x").storage == .real([1, 2.5, -3, 4]))
        #expect(try table.column(named: "predicted").storage == .text(["b", "b", "a", "b"]))
        #expect(try table.column(named: "time").value(at: 0) == .text("2025-12-06T05:46:40.250Z"))
        #expect(try table.column(named: "model_version").storage == .integer([1, 1, 1, 1]))
    }

    @Test("sql and tables settle a log's chunks first; a column the scoring version lacks is missing")
    func queriesSettleAndOtherVersions() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        let log = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
        let other = ServedModel.Identity(
            model: "m", version: nil, digest: "sha256:m2", inputs: ["x"], outputs: ["predicted"])
        try log.append(Self.batch([("a", 1)]))
        try log.append(Self.batch([("b", -1)], model: other))
        let counted = try store.query(
            "SELECT count(*) AS n, count(proba_b) AS p, count(model_version) AS v FROM fsp.inference")
        #expect(try counted.column(named: "n").storage == .integer([2]))
        #expect(try counted.column(named: "p").storage == .integer([1]))
        #expect(try counted.column(named: "v").storage == .integer([1]))
        try log.append(Self.batch([("c", 2)]))
        #expect(try store.tables().first { $0.name == name }?.rowCount == 3)
    }

    @Test("Packed records give back every kind of output cell, missing ones included, and refuse damage")
    func recordsRoundTrip() throws {
        let model = ServedModel.Identity(
            model: "m", version: 2, digest: "sha256:m", inputs: ["x", "y"], outputs: ["label", "count", "score"])
        var records = LogRecords()
        records.append(
            ScoredRequest(
                time: Date(timeIntervalSince1970: 0.5), requestID: "r-1", model: model,
                inputs: Matrix(rows: 2, columns: 2, values: [1, 2, .nan, 4]),
                outputs: [
                    Column(name: "label", storage: .text(["a", ""]), missing: [false, true]),
                    Column(name: "count", storage: .integer([0, 7]), missing: [true, false]),
                    Column(name: "score", storage: .real([0.5, 0]), missing: [false, true]),
                ], latencyMilliseconds: 1.5),
            model: 0)
        let schema = [
            ColumnSchema(name: "request_id", type: .text), ColumnSchema(name: "row", type: .integer),
            ColumnSchema(name: "y", type: .real), ColumnSchema(name: "x", type: .real),
            ColumnSchema(name: "label", type: .text), ColumnSchema(name: "count", type: .integer),
            ColumnSchema(name: "score", type: .real), ColumnSchema(name: "time", type: .text),
        ]
        var builder = TableBuilder(schema: schema)
        try LogBatch(records: records, models: [LogModel(model)]).write(schema: schema, into: &builder)
        let table = try builder.build()
        #expect(try table.column(named: "request_id").storage == .text(["r-1", "r-1"]))
        #expect(try table.column(named: "row").storage == .integer([0, 1]))
        #expect(try table.column(named: "x").value(at: 1) == .missing)
        #expect(try table.column(named: "y").storage == .real([2, 4]))
        #expect(try table.column(named: "label").value(at: 0) == .text("a"))
        #expect(try table.column(named: "label").value(at: 1) == .missing)
        #expect(try table.column(named: "count").value(at: 0) == .missing)
        #expect(try table.column(named: "count").value(at: 1) == .integer(7))
        #expect(try table.column(named: "score").value(at: 1) == .missing)
        #expect(try table.column(named: "time").value(at: 0) == .text("1970-01-01T00:00:00.500Z"))
        // Cut short, the records are refused with what is wrong, not read past their end.
        let cut = Data(records.bytes.dropLast(3))
        var other = TableBuilder(schema: schema)
        let refused = #expect(throws: EngineError.self) {
            try cut.withUnsafeBytes {
                try LogBatch.write(records: $0, models: [LogModel(model)], schema: schema, into: &other)
            }
        }
        #expect(refused?.message.contains("it ends early") == true)
    }

    @Test("A damaged chunk is refused when settling, with a clear error; the rows settled before it stay")
    func damagedChunk() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        let log = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
        try log.append(Self.batch([("a", 1)]))
        #expect(try store.version(name).rowCount == 1)
        try store.run { db in
            try db.execute(
                sql:
                    "INSERT INTO \(TableStore.pendingTable(of: name)) (row_count, models, records) VALUES (1, ?, x'0000')",
                arguments: [String(decoding: try JSONEncoder().encode([LogModel(Self.model)]), as: UTF8.self)])
        }
        let refused = #expect(throws: EngineError.self) { try store.version(name) }
        #expect(refused?.message.contains("stored records are damaged") == true)
        // Nothing settled is lost: the table keeps its row.
        #expect(try Self.tableRows(store, name) == 1)
    }

    @Test("A log refuses loads and saves; a stored table or other columns refuse a log")
    func refusals() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        _ = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
        let write = #expect(throws: EngineError.self) {
            try store.write(Self.rows([("a", 1)]), as: name, source: "frame", operation: "save")
        }
        #expect(write?.message.contains("is an inference log") == true)
        let other = #expect(throws: EngineError.self) {
            try store.openInferenceLog(name, schema: [ColumnSchema(name: "x", type: .real)], source: "serve m")
        }
        #expect(
            other?.notes.contains(
                "only in the log: time, request_id, row, model, model_version, model_digest, predicted, proba_b, latency_ms"
            ) == true)
        let faults = try TableName(parsing: "fsp.faults")
        try store.write(Self.rows([("a", 1)]), as: faults, source: "faults.csv", operation: "load")
        let stored = #expect(throws: EngineError.self) {
            try store.openInferenceLog(faults, schema: Self.schema, source: "serve m")
        }
        #expect(stored?.message.contains("not an inference log") == true)
    }

    @Test("Every row the scoring service answers is logged, with its request id, row index and model")
    func serviceLogsWhatItScores() throws {
        let directory = TemporaryDirectory()
        let model = F.source.model
        let log = try InferenceLog(
            directory: directory.path, table: name, model: model, source: "serve test", flushInterval: .milliseconds(20)
        )
        let service = ScoringService(source: F.source, log: log)
        let given = service.respond(
            method: "POST", path: "/invocations", contentType: "application/json",
            body: Data(F.splitBody(rows: [0, 1, 2]).utf8), requestID: "given-id")
        let made = service.respond(
            method: "POST", path: "/invocations", contentType: "application/json",
            body: Data(F.splitBody(rows: [3]).utf8))
        let refused = service.respond(
            method: "POST", path: "/invocations", contentType: "application/json", body: Data("{}".utf8),
            requestID: "bad")
        #expect(given.status == 200 && given.requestID == "given-id")
        #expect(made.status == 200 && made.requestID != nil && made.requestID != given.requestID)
        #expect(refused.status == 400)
        let status = log.stop()
        #expect(status.written == 4 && status.queued == 0)

        let store = try TableStore(directory: directory.path)
        let table = try store.read(try store.version(name))
        #expect(table.columnNames == InferenceLog.schema(for: model).map(\.name))
        #expect(try table.column(named: "request_id").storage == .text(["given-id"] * 3 + [made.requestID!]))
        #expect(try table.column(named: "row").storage == .integer([0, 1, 2, 0]))
        #expect(try table.column(named: "model").storage == .text([model.directory] * 4))
        #expect(try table.column(named: "model_version").value(at: 0) == .missing)
        // The logged inputs and outputs are the request's rows and the answer's.
        let answered = try #require(decoded(given)?["predictions"] as? [[String: Any]])
        for row in 0..<3 {
            #expect(try table.column(named: "predicted").value(at: row) == .text(answered[row]["predicted"] as! String))
            for feature in F.data.features {
                #expect(
                    try table.column(named: feature).value(at: row).double
                        == F.table.column(named: feature).value(at: row).double)
            }
        }
    }

    @Test("flush writes what is queued now, long before the next commit, and the log goes on")
    func flushWritesNow() throws {
        let directory = TemporaryDirectory()
        let log = try InferenceLog(
            directory: directory.path, table: name, model: F.source.model, source: "serve test",
            flushInterval: .seconds(60))
        let service = ScoringService(source: F.source, log: log)
        let body = Data(F.splitBody(rows: [0, 1, 2]).utf8)
        #expect(
            service.respond(method: "POST", path: "/invocations", contentType: "application/json", body: body).status
                == 200)
        let store = try TableStore(directory: directory.path)
        #expect(try store.version(name).rowCount == 0)
        let flushed = log.flush(timeout: .seconds(10))
        #expect(flushed.written == 3 && flushed.queued == 0)
        #expect(try store.read(try store.version(name)).rowCount == 3)
        #expect(
            service.respond(method: "POST", path: "/invocations", contentType: "application/json", body: body).status
                == 200)
        #expect(log.stop().written == 6)
    }

    @Test("A full log refuses requests with 503 instead of dropping rows")
    func fullLogRefuses() throws {
        let directory = TemporaryDirectory()
        let log = try InferenceLog(
            directory: directory.path, table: name, model: F.source.model, source: "serve test", capacity: 2,
            flushInterval: .seconds(60))
        let service = ScoringService(source: F.source, log: log)
        let body = Data(F.splitBody(rows: [0, 1]).utf8)
        let first = service.respond(method: "POST", path: "/invocations", contentType: "application/json", body: body)
        let second = service.respond(method: "POST", path: "/invocations", contentType: "application/json", body: body)
        #expect(first.status == 200)
        #expect(second.status == 503 && second.body.contains("INFERENCE_LOG_BEHIND"))
        #expect(log.stop().written == 2)
    }
}

extension Array {
    fileprivate static func * (values: Array, count: Int) -> Array { Array((0..<count).map { _ in values }.joined()) }
}
