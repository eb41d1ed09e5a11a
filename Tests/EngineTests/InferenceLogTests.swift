import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Inference log: a table that a scoring server appends to")
struct InferenceLogTests {
    typealias F = ScoringFixture
    let name = try! TableName(parsing: "fsp.inference")

    static func rows(_ values: [(String, Double)]) -> Table {
        try! Table(columns: [
            Column(name: "request_id", storage: .text(values.map(\.0))),
            Column(name: "x", storage: .real(values.map(\.1))),
        ])
    }

    static let schema = [ColumnSchema(name: "request_id", type: .text), ColumnSchema(name: "x", type: .real)]

    @Test("Appends grow one version whose row count and digest describe its rows, also after reopening")
    func appendsAndReopens() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        let first = Self.rows([("a", 1), ("b", 2.5)])
        let second = Self.rows([("c", -3)])
        do {
            let log = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
            try log.append { try $0.write(first) }
            let early = try store.version(name)
            try log.append { try $0.write(second) }
            #expect(log.rowCount == 3)
            // A version read before the second append still reads the rows it counted.
            #expect(try store.read(early).rowCount == 2)
            #expect(try store.read(early).contentDigest == early.digest)
        }
        let reopened = try TableStore(directory: directory.path).openInferenceLog(
            name, schema: Self.schema, source: "serve m")
        try reopened.append { try $0.write(Self.rows([("d", 4)])) }
        let versions = try store.versions(of: name)
        #expect(versions.count == 1 && versions[0].isLog && versions[0].rowCount == 4)
        let table = try store.read(versions[0])
        #expect(table.contentDigest == versions[0].digest)
        #expect(try table.column(named: "request_id").storage == .text(["a", "b", "c", "d"]))
    }

    @Test("A failed append leaves the log, its count and its digest as they were")
    func failedAppend() throws {
        let directory = TemporaryDirectory()
        let store = try TableStore(directory: directory.path)
        let log = try store.openInferenceLog(name, schema: Self.schema, source: "serve m")
        try log.append { try $0.write(Self.rows([("a", 1)])) }
        #expect(throws: EngineError.self) {
            try log.append { writer in
                try writer.write(Self.rows([("b", 2)]))
                writer.set(.text("not a number"), column: 1)
                writer.set(.text("c"), column: 0)
                try writer.endRow()
            }
        }
        try log.append { try $0.write(Self.rows([("c", 3)])) }
        let version = try store.version(name)
        #expect(version.rowCount == 2)
        #expect(try store.read(version).contentDigest == version.digest)
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
        #expect(other?.notes.contains("only in the log: request_id") == true)
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
