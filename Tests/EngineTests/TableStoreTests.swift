import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("Table store")
struct TableStoreTests {
    let directory = TemporaryDirectory()
    let name = try! TableName(parsing: "fsp.plates")

    private func store() throws -> TableStore { try TableStore(directory: directory.path + "/tables") }

    @Test("every write is a new version; old versions stay readable with their digests")
    func versions() throws {
        let store = try store()
        let first = try store.load(csv: directory.file("v1.csv", "a,b\n1,x\n2,y\n"), as: name)
        let second = try store.load(csv: directory.file("v2.csv", "a,b\n3,z\n"), as: name)
        let third = try store.load(csv: directory.file("v3.csv", "a,b\n4,w\n"), as: name, mode: .append)
        #expect([first.version, second.version, third.version] == [Int](arrayLiteral: 1, 2, 3))
        #expect(third.rowCount == 2 && third.operation == "append")
        #expect(try store.versions(of: name).map(\.rowCount) == [2, 1, 2])
        #expect(try store.read(try store.version(name, 1)).row(1) == [.integer(2), .text("y")])
        #expect(try store.read(try store.version(name)).row(1) == [.integer(4), .text("w")])
        #expect(try store.query("select count(*) as n from fsp.plates").row(0) == [.integer(2)])
        #expect(try store.query("select count(*) from fsp._v1_plates").row(0) == [.integer(2)])
        let reopened = try TableStore(directory: directory.path + "/tables")
        #expect(try reopened.tables().map(\.name.description) == ["fsp.plates"])
    }

    @Test("the digest depends on the content only: same rows, same digest; any change, another")
    func digests() throws {
        let store = try store()
        let loaded = try store.load(csv: directory.file("d.csv", "a,b,c\n1,2.5,x\n2,,y\n"), as: name)
        let table = try store.read(loaded)
        let saved = try store.write(table, as: try TableName(parsing: "other.copy"), source: "test", operation: "save")
        #expect(saved.digest == loaded.digest)
        #expect(loaded.digest.hasPrefix("sha256:") && loaded.digest.count == 71)
        let changed = try store.load(csv: directory.file("e.csv", "a,b,c\n1,2.5,x\n2,,z\n"), as: name)
        #expect(changed.digest != loaded.digest)
        let typed = try store.load(csv: directory.file("f.csv", "a,b,c\n1,2.5,x\n2,0,y\n"), as: name)
        #expect(typed.digest != loaded.digest, "a missing cell and a zero differ")
    }

    @Test("a failed load leaves every earlier version intact and readable")
    func failedLoadLeavesDataIntact() throws {
        let store = try store()
        let good = try store.load(csv: directory.file("good.csv", "a,b\n1,2\n3,4\n"), as: name)
        for bad in ["a,b\n1,2\n3\n", "a,b\n1,\"open\n", ""] {
            #expect(throws: EngineError.self) { try store.load(csv: directory.file("bad.csv", bad), as: name) }
        }
        #expect(throws: EngineError.self) { try store.load(csv: directory.path + "/missing.csv", as: name) }
        let failing = EngineError(.invalidData, "stop half-way")
        #expect(throws: failing) {
            try store.write(name, schema: [ColumnSchema(name: "a", type: .integer)], source: "t", operation: "t") {
                writer in
                for i in 0..<10_000 {
                    writer.setInteger(Int64(i), column: 0)
                    try writer.endRow()
                }
                throw failing
            }
        }
        let cancellation = Cancellation()
        let cancellable = try TableStore(directory: directory.path + "/tables", cancellation: cancellation)
        #expect(throws: EngineError.cancelled) {
            try cancellable.write(name, schema: [ColumnSchema(name: "a", type: .integer)], source: "t", operation: "t")
            { writer in
                for i in 0..<100_000 {
                    if i == 5000 { cancellation.request() }
                    writer.setInteger(Int64(i), column: 0)
                    try writer.endRow()
                }
            }
        }
        let versions = try store.versions(of: name)
        #expect(versions == [good])
        #expect(try store.read(good).rowCount == 2)
        #expect(try store.query("select count(*) from sqlite_master where name like '_v2%'").row(0) == [.integer(0)])
    }

    @Test("table and schema names are identifiers: hostile names cannot inject SQL or leave the workspace")
    func hostileTableNames() {
        for text in [
            "../escape", "fsp.faults; drop table x", "a.b.c", "", "fsp.", "1abc", "x\"y", "temp.x", "fsp/../../x",
            String(repeating: "a", count: 64),
        ] {
            #expect(throws: EngineError.self, "\(text)") { _ = try TableName(parsing: text) }
        }
        #expect(try! TableName(parsing: "FSP.Faults").description == "fsp.faults")
        #expect(try! TableName(parsing: "faults").description == "main.faults")
        for text in ["main.sqlite_master", "fsp.sqlite_sequence", "SQLITE_stat1", "sqlite_x.faults"] {
            #expect(
                engineError { _ = try TableName(parsing: text) }?.message.contains(
                    "names starting with sqlite_ are SQLite's own") == true, "\(text)")
        }
    }

    @Test("a CSV with more columns than SQLite allows is refused up front, naming the file, the count and the limit")
    func tooManyColumns() throws {
        let store = try store()
        let header = (1...2500).map { "c\($0)" }.joined(separator: ",")
        let path = directory.file("wide.csv", header + "\n" + (1...2500).map(String.init).joined(separator: ",") + "\n")
        let error = try #require(engineError { _ = try store.load(csv: path, as: name) })
        #expect(
            error.message == "'\(path)' has 2500 columns; the table store holds at most 2000 (SQLite's column limit)")
        #expect(error.hint?.contains("keep the columns you need") == true)
        #expect(engineError { _ = try store.versions(of: name) }?.kind == .unknownTable, "nothing was stored")
    }

    @Test("hostile column names are stored and read back verbatim")
    func hostileColumnNames() throws {
        let store = try store()
        let header = "\"a\"\"; DROP TABLE x; --\",\"b) STRICT; --\",\"  spaced  \",\"ünï\""
        let version = try store.load(csv: directory.file("h.csv", header + "\n1,2,3,4\n"), as: name)
        #expect(version.schema.map(\.name) == ["a\"; DROP TABLE x; --", "b) STRICT; --", "spaced", "ünï"])
        #expect(try store.read(version).row(0) == [.integer(1), .integer(2), .integer(3), .integer(4)])
        #expect(try store.query("select \"a\"\"; DROP TABLE x; --\" from fsp.plates").row(0) == [.integer(1)])
    }

    @Test("sql is read-only, one statement at a time, and points at errors")
    func queries() throws {
        let store = try store()
        try store.load(csv: directory.file("q.csv", "a,b\n1,x\n2,y\n"), as: name)
        let write = engineError { _ = try store.query("delete from fsp._v1_plates") }
        #expect(write?.message == "sql runs read-only queries; it refuses DELETE")
        #expect(
            engineError { _ = try store.query("drop view fsp.plates") }?.message
                == "sql runs read-only queries; it refuses DROP VIEW")
        let outside = directory.path + "/outside.sqlite"
        let attach = engineError { _ = try store.query("attach database '\(outside)' as x") }
        #expect(
            attach?.message == "sql runs read-only queries; it refuses ATTACH"
                && attach?.hint?.contains("schemas are its own") == true)
        #expect(!FileManager.default.fileExists(atPath: outside), "ATTACH created no file outside the workspace")
        #expect(
            engineError { _ = try store.query("detach database fsp") }?.message
                == "sql runs read-only queries; it refuses DETACH")
        #expect(
            engineError { _ = try store.query("begin") }?.message.hasPrefix(
                "sql runs read-only queries; it refuses a transaction") == true)
        #expect(
            engineError { _ = try store.query("create temp table t(a)") }?.message
                == "sql runs read-only queries; it refuses CREATE TABLE")
        #expect(
            try store.query("select count(*) from fsp.plates").row(0) == [.integer(2)],
            "the store works after every refusal")
        #expect(
            engineError { _ = try store.query("select 1; select 2") }?.message == "sql runs one statement at a time")
        let typo = engineError { _ = try store.query("select * from fsp.plate") }
        #expect(typo?.message == "no such table: fsp.plate")
        #expect(typo?.suggestions == ["fsp.plates"])
        let syntax = engineError { _ = try store.query("select a frm fsp.plates") }
        #expect(syntax?.message == "near \"fsp\": syntax error" && syntax?.position == 13)
        #expect(try store.versions(of: name).count == 1)
        let mixed = try store.query("select a, a * 1.5 as half, b, null as empty from fsp.plates")
        #expect(mixed.columns.map(\.type) == [.integer, .real, .text, .integer])
        #expect(mixed.row(1) == [.integer(2), .real(3), .text("y"), .missing])
    }

    @Test("appending rows of another shape is refused with both column lists")
    func appendMismatch() throws {
        let store = try store()
        try store.load(csv: directory.file("a.csv", "a,b\n1,2\n"), as: name)
        let error = engineError { try store.load(csv: directory.file("b.csv", "a,c\n1,2\n"), as: name, mode: .append) }
        #expect(error?.notes == ["stored: a, b", "new:    a, c"])
        let widened = try store.load(csv: directory.file("c.csv", "a,b\n1.5,2\n"), as: name, mode: .append)
        #expect(widened.schema.map(\.type) == [.real, .integer])
        #expect(try store.read(widened).row(0) == [.real(1), .integer(2)])
    }

    @Test("unknown tables and versions suggest what exists")
    func unknownNames() throws {
        let store = try store()
        try store.load(csv: directory.file("a.csv", "a\n1\n"), as: name)
        let table = engineError { _ = try store.versions(of: try TableName(parsing: "fsp.plate")) }
        #expect(table?.kind == .unknownTable && table?.suggestions.first == "fsp.plates")
        let version = engineError { _ = try store.version(name, 7) }
        #expect(version?.message == "fsp.plates has no version 7")
    }

    @Test("several connections creating one workspace at once all open it and write distinct versions")
    func concurrentCreation() throws {
        let csv = directory.file("one.csv", "a\n1\n")
        let connections = 6
        for round in 0..<8 {
            let root = directory.path + "/round\(round)"
            let outcomes = Mutex([String]())
            DispatchQueue.concurrentPerform(iterations: connections) { index in
                do {
                    let store = try TableStore(directory: root + "/tables")
                    let version = try store.load(csv: csv, as: name)
                    _ = try Catalog(workspace: root)
                    outcomes.withLock { $0.append("version \(version.version)") }
                } catch {
                    outcomes.withLock { $0.append("connection \(index): \(error)") }
                }
            }
            let expected = (1...connections).map { "version \($0)" }
            #expect(outcomes.withLock { $0.sorted() } == expected, "round \(round)")
        }
    }
}
