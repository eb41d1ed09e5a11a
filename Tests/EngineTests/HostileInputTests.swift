import Foundation
import ScoringHTTP
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

#if canImport(Glibc)
    import Glibc
#endif

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

extension HostileInputTests {
    @Test("damaged schema files are set aside, named with their repair; the healthy schemas still list and load")
    func damagedSchemas() throws {
        let tables = directory.path + "/tables"
        do {
            let store = try store()
            for name in ["t", "fsp.faults", "ok.t", "qa.t"] {
                try store.load(csv: directory.file("p.csv", "a,b\n1,x\n2,y\n"), as: try TableName(parsing: name))
            }
        }
        // fsp: its first page (the schema) intact, the pages holding the tables garbled; qa: no database at all.
        let fsp = tables + "/fsp.sqlite"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: fsp))
        for offset in 4096..<bytes.count { bytes[offset] = UInt8(truncatingIfNeeded: offset * 31 + 7) }
        try bytes.write(to: URL(fileURLWithPath: fsp))
        let qa = tables + "/qa.sqlite"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: qa))
        let damagedBytes = [
            try Data(contentsOf: URL(fileURLWithPath: fsp)), try Data(contentsOf: URL(fileURLWithPath: qa)),
        ]

        let store = try store()
        #expect(try store.tables().map(\.name.description) == ["main.t", "ok.t"])
        #expect(store.damagedSchemas.map(\.schema) == ["fsp", "qa"])
        #expect(store.damagedSchemas.map(\.reason) == ["database disk image is malformed", "file is not a database"])
        #expect(store.schemas == ["main", "ok"])
        let error = try #require(engineError { _ = try store.versions(of: name) })
        #expect(error.kind == .io)
        #expect(
            error.message
                == "schema 'fsp' cannot be read: its file '\(fsp)' is damaged (database disk image is malformed)")
        #expect(
            error.hint?.hasPrefix(
                "restore '\(fsp)' from a backup; or keep what SQLite can still read: sqlite3 '\(fsp)' .recover") == true
        )
        let write = try #require(
            engineError { try store.load(csv: directory.file("q.csv", "a\n1\n"), as: try TableName(parsing: "qa.new")) }
        )
        #expect(write.message.hasPrefix("schema 'qa' cannot be read: its file '\(qa)' is damaged"))
        try store.load(csv: directory.file("r.csv", "a\n1\n"), as: try TableName(parsing: "ok.t"))
        #expect(try store.version(try TableName(parsing: "ok.t")).version == 2)
        #expect(
            [try Data(contentsOf: URL(fileURLWithPath: fsp)), try Data(contentsOf: URL(fileURLWithPath: qa))]
                == damagedBytes, "the damaged files are left as they were")
        let note = try #require(store.damagedSchemas.first).note(healthy: store.schemas)
        #expect(
            note.hasPrefix("Schema 'fsp' is left out: its file '\(fsp)' is damaged (database disk image is malformed).")
        )
        #expect(note.contains("healthy schemas (main, ok)"))

        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: tables + "/main.sqlite"))
        let main = try #require(engineError { _ = try self.store() })
        #expect(main.message.hasPrefix("schema 'main' cannot be read: its file '\(tables)/main.sqlite' is damaged"))
    }

    @Test("a workspace or export folder that cannot be one is named with the reason, not an NSError dump")
    func unusablePlaces() throws {
        let catalog = try Catalog(workspace: directory.path + "/ws")
        let cases: [(String, () throws -> Void)] = [
            (
                "cannot open the table store in '/dev/null/tables': '/dev/null' is a character device, not a directory",
                { _ = try TableStore(directory: "/dev/null/tables") }
            ),
            (
                "cannot open the tracking catalog '/dev/null/catalog.sqlite': '/dev/null' is a character device, not a directory",
                { _ = try Catalog(workspace: "/dev/null") }
            ),
            (
                "cannot open the table store in '/proc/tables': '/proc' ",
                { _ = try TableStore(directory: "/proc/tables") }
            ),
            (
                "cannot export to '/dev/null': '/dev/null' is a character device, not a directory",
                { _ = try MLflowFileStore.export(catalog, to: "/dev/null") }
            ),
            (
                "cannot write '/dev/null/x.csv': '/dev/null' is a character device, not a directory",
                { try AtomicFile.write(Data(), to: "/dev/null/x.csv") }
            ),
        ]
        for (expected, body) in cases {
            let error = try #require(engineError(body), "\(expected)")
            #expect(error.message.hasPrefix(expected), "\(error.message)")
            #expect(!error.message.contains("Domain") && !error.message.contains("error 512"), "\(error.message)")
            #expect(error.hint != nil, "\(expected)")
        }
    }
}

/// Issue 24 at the scoring server: a JSON body sent as CSV, a body trickled a byte at a time.
@Suite("Hostile input: scoring server")
struct HostileScoringTests {
    typealias F = ScoringFixture

    @Test("a JSON body sent as text/csv is named as JSON, with the content type to use")
    func jsonSentAsCSV() throws {
        for (body, opening) in [(F.splitBody(rows: [0]), "{"), ("\u{FEFF} \n[{\"X_Minimum\": 1}]", "[")] {
            let response = F.post(body, type: "text/csv")
            #expect(response.status == 400)
            let message = try #require(decoded(response)?["message"] as? String)
            #expect(
                message.hasPrefix(
                    "the body looks like JSON (it starts with '\(opening)') but the Content-Type says text/csv"),
                "\(message)")
            #expect(message.contains("send it with Content-Type: application/json"))
        }
        let bracketed = F.post("[a],b\n1,2\n", type: "text/csv")
        #expect(decoded(bracketed)?["message"].map { "\($0)".contains("looks like JSON") } == false)
    }

    @Test("a body trickled a byte at a time gets 408 when its time is up, and the connection closes")
    func trickledBody() async throws {
        let server = ScoringServer(service: ScoringService(source: F.source), port: 0, bodyTimeout: .seconds(1))
        let port = try #require(await onOwnThread { try? server.start() })
        let fd = try #require(RawHTTP.connect(port: port))
        defer { close(fd) }
        #expect(
            RawHTTP.send(
                fd,
                Array(
                    "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
                        .utf8)))
        let trickler = Thread {
            for _ in 0..<40 {
                Thread.sleep(forTimeInterval: 0.25)
                if !RawHTTP.send(fd, [UInt8(ascii: " ")]) { return }
            }
        }
        trickler.start()
        let started = Date()
        let reply = try #require(RawHTTP.receive(fd), "no answer: the connection stayed open")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(reply.status == 408)
        #expect(
            reply.body.contains("the request body did not arrive within 1 s of the request's head"), "\(reply.body)")
        #expect(RawHTTP.exchange(port: port, RawHTTP.request("GET", "/ping", contentType: nil))?.status == 200)
        await onOwnThread { server.stop() }
    }

    @Test("a client that goes silent mid-body is closed a second after its deadline; keep-alive on one connection")
    func silentBody() async throws {
        let server = ScoringServer(service: ScoringService(source: F.source), port: 0, bodyTimeout: .seconds(1))
        let port = try #require(await onOwnThread { try? server.start() })
        let fd = try #require(RawHTTP.connect(port: port))
        defer { close(fd) }
        let ping = Array("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<3 {
            #expect(RawHTTP.send(fd, ping))
            let count = recv(fd, &buffer, buffer.count, 0)
            #expect(count > 0 && String(decoding: buffer[0..<max(0, count)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        }
        #expect(
            RawHTTP.send(
                fd, Array("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".utf8)))
        let started = Date()
        #expect(recv(fd, &buffer, buffer.count, 0) <= 0, "closed without an answer it could not send")
        #expect(Date().timeIntervalSince(started) < 3.5)
        await onOwnThread { server.stop() }
    }
}
