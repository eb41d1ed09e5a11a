import Foundation
import TestSupport
import Testing

@testable import Engine

/// Issue 24, "hostile input": streams where a file was expected, endless queries, pragmas that
/// change the connection, names outside ASCII, unknown text= columns.
@Suite("Hostile input: engine")
struct HostileInputTests {
    let directory = TemporaryDirectory()
    let name = try! TableName(parsing: "fsp.plates")

    private func store() throws -> TableStore { try TableStore(directory: directory.path + "/tables") }

    @Test("a pipe named as /dev/fd/N loads (its size reads as 0) instead of crashing")
    func loadsPipe() throws {
        let store = try store()
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data("a,b\n1,x\n2,y\n".utf8))
        try pipe.fileHandleForWriting.close()
        let version = try store.load(csv: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)", as: name)
        #expect(version.rowCount == 2 && version.schema.map(\.type) == [.integer, .text])
        #expect(try store.read(version).row(1) == [.integer(2), .text("y")])
    }

    @Test("a FIFO loads what its writer writes; a FIFO with no writer is refused within seconds")
    func loadsFIFO() throws {
        let store = try store()
        let fifo = directory.path + "/plates.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Thread {
            let handle = FileHandle(forWritingAtPath: fifo)!
            handle.write(Data("a,b\n1,2\n3,4\n5,6\n".utf8))
            try? handle.close()
        }
        writer.start()
        let version = try store.load(csv: fifo, as: name)
        #expect(version.rowCount == 3)
        let started = Date()
        let error = try #require(engineError { _ = try store.load(csv: fifo, as: name) })
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(error.kind == .io && error.message.contains("nothing is writing to the FIFO '\(fifo)'"))
        #expect(error.hint?.contains("cat faults.csv > \(fifo) &") == true)
        #expect(try store.versions(of: name).count == 1)
    }

    @Test("errors in a copied stream name the stream, not the temporary copy; /dev/zero is refused as binary")
    func streamErrorsNameTheStream() throws {
        let store = try store()
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data("a,b\n1,2\n3\n".utf8))
        try pipe.fileHandleForWriting.close()
        let path = "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        let ragged = try #require(engineError { _ = try store.load(csv: path, as: name) })
        #expect(ragged.message == "\(path):3: this row has 1 fields; the header has 2")
        let zero = try #require(engineError { _ = try store.load(csv: "/dev/zero", as: name) })
        #expect(zero.kind == .csv && zero.message.contains("/dev/zero looks like a binary stream"))
        #expect(CSVSource.displayName("-") == "standard input" && CSVSource.recordedSource("-") == "standard input")
    }

    @Test("an endless recursive query stops at the row limit with a clear error")
    func endlessQuery() throws {
        let store = try store()
        let error = try #require(
            engineError {
                _ = try store.query(
                    "with recursive c(x) as (select 1 union all select x+1 from c) select x, 'abc' from c")
            })
        #expect(error.kind == .invalidArgument)
        #expect(error.message.hasPrefix("the result has more than 1,000,000 rows"))
        #expect(error.hint?.contains("add LIMIT") == true)
        let limited = try store.query(
            "with recursive c(x) as (select 1 union all select x+1 from c) select x from c limit 5")
        #expect(limited.rowCount == 5)
    }

    @Test("pragmas that change the connection are refused; those that read the schema run")
    func pragmas() throws {
        let store = try store()
        try store.load(csv: directory.file("p.csv", "a,b\n1,x\n2,y\n"), as: name)
        for pragma in [
            "pragma reverse_unordered_selects=1", "pragma reverse_unordered_selects(1)", "pragma query_only=1",
            "pragma synchronous=off", "pragma main.synchronous", "pragma max_page_count=1", "pragma writable_schema=1",
            "pragma mmap_size=0", "pragma busy_timeout=1", "pragma hard_heap_limit=1", "PRAGMA Cache_Size=5",
        ] {
            let error = try #require(engineError { _ = try store.query(pragma) }, "\(pragma)")
            #expect(error.kind == .invalidArgument && error.message.contains("it refuses PRAGMA"), "\(pragma)")
            #expect(error.hint?.contains("table_info") == true)
        }
        #expect(try store.query("pragma fsp.table_info(_v1_plates)").rowCount == 2)
        #expect(try store.query("select name from pragma_table_info('_v1_plates', 'fsp')").rowCount == 2)
        #expect(try store.query("pragma database_list").rowCount >= 1)
        // The refused pragma did not change the connection: a plain scan still reads in stored order.
        #expect(try store.query("select a from fsp.plates").row(0) == [.integer(1)])
    }

    @Test("a non-ASCII table name's hint says ASCII letter and names the culprit")
    func asciiNames() throws {
        let error = try #require(engineError { _ = try TableName(parsing: "fsp.plätze") })
        #expect(error.message == "'plätze' is not a valid table name: 'ä' is not an ASCII letter, digit or _")
        #expect(error.hint?.contains("an ASCII letter (a–z)") == true)
        let first = try #require(engineError { _ = try TableName(parsing: "éfsp.plates") })
        #expect(first.message == "'éfsp' is not a valid schema name: it starts with 'é'")
    }

    @Test("'did you mean' for a 10 MB name skips the names it cannot be close to, instead of taking minutes")
    func suggestionsForHugeName() {
        let started = Date()
        let huge = String(repeating: "x", count: 10_000_000)
        #expect(Suggestions.closest(to: huge, among: ["describe", "load", "history"]).isEmpty)
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(Suggestions.closest(to: "descibe", among: ["describe", "load"]) == ["describe"])
    }

    @Test("text= naming columns the file does not have is refused with suggestions")
    func unknownTextColumns() throws {
        let store = try store()
        let path = directory.file("t.csv", "Plate_Id,Bumps\n1,2\n")
        var options = CSVOptions()
        options.textColumns = ["Nope", "bumps"]
        let error = try #require(engineError { _ = try store.load(csv: path, as: name, options: options) })
        #expect(error.kind == .unknownColumn)
        #expect(error.message == "text= names columns that '\(path)' does not have: 'Nope', 'bumps'")
        #expect(error.hint == "text= takes the file's column names (exact case): Plate_Id, Bumps")
        options.textColumns = ["Plate_ld"]
        let typo = try #require(engineError { _ = try CSVReader.readTable(path: path, options: options) })
        #expect(typo.suggestions == ["Plate_Id"])
        #expect(try store.tables().isEmpty)
    }
}
