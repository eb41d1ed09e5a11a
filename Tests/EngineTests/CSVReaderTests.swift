import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("CSV reader")
struct CSVReaderTests {
    let directory = TemporaryDirectory()

    @Test("reads quotes, embedded separators and newlines, CRLF, a BOM, and empty cells as missing")
    func rfc4180() throws {
        let path = directory.file(
            "a.csv",
            bytes: [0xEF, 0xBB, 0xBF]
                + Array(
                    "id,name,score\r\n1,\"Smith, J\",2.5\r\n2,\"two\nlines\",\r\n3,\"say \"\"hi\"\"\",-1e3\r\n".utf8))
        let table = try CSVReader.readTable(path: path)
        #expect(table.columnNames == ["id", "name", "score"])
        #expect(table.rowCount == 3)
        #expect(try table.column(named: "id").type == .integer)
        #expect(try table.column(named: "score").type == .real)
        #expect(table.row(0) == [.integer(1), .text("Smith, J"), .real(2.5)])
        #expect(table.row(1) == [.integer(2), .text("two\nlines"), .missing])
        #expect(table.row(2) == [.integer(3), .text("say \"hi\""), .real(-1000)])
    }

    @Test("a file reached through a symbolic link reads whole (its size is the file's, not the link's)")
    func symbolicLink() throws {
        let target = directory.file("target.csv", "a,b\n" + (0..<500).map { "\($0),\($0 * 2)\n" }.joined())
        let link = directory.path + "/link.csv"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let table = try CSVReader.readTable(path: link)
        #expect(table.rowCount == 500 && table.row(499) == [.integer(499), .integer(998)])
    }

    @Test("infers integer, real and text columns; a column of all missing cells is real")
    func typeInference() throws {
        let path = directory.file("t.csv", "a,b,c,d\n1,1.5,x,\n2,2,007,\n")
        let table = try CSVReader.readTable(path: path)
        #expect(table.columns.map(\.type) == [.integer, .real, .text, .real])
        #expect(table.row(1)[2] == .text("007"), "text keeps the original characters")
        #expect(table.columns[3].missingCount == 2)
    }

    @Test("records cut across read chunks parse the same as in one chunk")
    func chunkBoundaries() throws {
        var text = "k,text,v\n"
        for i in 0..<500 { text += "\(i),\"quoted, \(i)\nline\",\(Double(i) / 7)\n" }
        let path = directory.file("chunks.csv", text)
        let whole = try CSVReader.readTable(path: path)
        for chunk in [7, 16, 63, 100] {
            let tokenizer = try CSVTokenizer(path: path, separator: UInt8(ascii: ","), chunkSize: chunk)
            var rows: [[String]] = []
            try tokenizer.forEachRecord { record in rows.append((0..<record.count).map { record.string($0)! }) }
            #expect(rows.count == 501)
            #expect(rows[500] == ["499", "quoted, 499\nline", "\(Double(499) / 7)"])
        }
        #expect(whole.rowCount == 500)
        #expect(whole.row(499)[2] == .real(Double(499) / 7))
    }

    @Test("large files read in parallel parts give the same table and the same line numbers as one part")
    func parallelParts() throws {
        var plain = "id,x,name\n"
        var quoted = "id,x,name\n"
        for i in 0..<20_000 {
            plain += "\(i),\(Double(i) * 0.25),n\(i % 13)\n"
            quoted += "\(i),\(Double(i) * 0.25),\"line one\nline, two \(i % 13)\"\n"
        }
        for text in [plain, quoted] {
            let path = directory.file("parallel.csv", text)
            let sequential = try CSVReader.readTable(path: path, options: CSVOptions(), parts: 1, splitAbove: 1024)
            for parts in [2, 3, 4, 7] {
                let parallel = try CSVReader.readTable(
                    path: path, options: CSVOptions(), parts: parts, splitAbove: 1024)
                #expect(parallel == sequential, "\(parts) parts")
            }
            #expect(sequential.rowCount == 20_000)
        }
        let ragged = directory.file("ragged-late.csv", plain + "1,2\n")
        let error = engineError {
            _ = try CSVReader.scan(path: ragged, options: CSVOptions(), cancellation: nil, parts: 4, splitAbove: 1024)
        }
        #expect(error?.message == "\(ragged):20002: this row has 2 fields; the header has 3")
        let quotedRagged = directory.file("quoted-late.csv", quoted + "1,2\n")
        let quotedError = engineError {
            _ = try CSVReader.scan(
                path: quotedRagged, options: CSVOptions(), cancellation: nil, parts: 4, splitAbove: 1024)
        }
        #expect(quotedError?.message == "\(quotedRagged):40002: this row has 2 fields; the header has 3")
    }

    @Test("reports line numbers that count embedded newlines")
    func lineNumbersAfterEmbeddedNewlines() {
        let path = directory.file("lines.csv", "a,b\n1,\"x\ny\"\n2\n")
        let error = engineError { _ = try CSVReader.scan(path: path) }
        #expect(error?.message == "\(path):4: this row has 1 fields; the header has 2")
    }

    @Test("a missing file names the path and the system's reason")
    func missingFile() {
        let error = engineError { _ = try CSVReader.scan(path: directory.path + "/nope.csv") }
        #expect(error?.kind == .io)
        #expect(error?.message == "cannot open '\(directory.path)/nope.csv': No such file or directory")
    }

    @Test("an empty file and a header-only file are refused")
    func emptyAndHeaderOnly() {
        let empty = directory.file("empty.csv", "")
        #expect(engineError { _ = try CSVReader.scan(path: empty) }?.message == "'\(empty)' is empty")
        let header = directory.file("header.csv", "a,b\n")
        #expect(
            engineError { _ = try CSVReader.scan(path: header) }?.message == "'\(header)' has a header but no data rows"
        )
    }

    @Test("ragged rows name the line and both field counts")
    func raggedRows() {
        let path = directory.file("ragged.csv", "a,b,c\n1,2,3\n4,5\n")
        let error = engineError { _ = try CSVReader.scan(path: path) }
        #expect(error?.message == "\(path):3: this row has 2 fields; the header has 3")
        #expect(error?.hint?.contains("quoted") == true)
    }

    @Test("duplicate (ignoring case) and empty header names are refused")
    func badHeaders() {
        let duplicate = directory.file("dup.csv", "a,B,b\n1,2,3\n")
        #expect(
            engineError { _ = try CSVReader.scan(path: duplicate) }?.message
                == "\(duplicate):1: column 3 repeats the name 'b' of column 2")
        let empty = directory.file("emptyname.csv", "a,,c\n1,2,3\n")
        #expect(
            engineError { _ = try CSVReader.scan(path: empty) }?.message == "\(empty):1: column 2 has an empty name")
    }

    @Test("text in a numeric column lists the first offending cells with their lines")
    func textInNumericColumn() {
        var text = "x,y\n"
        for i in 0..<40 { text += "\(i),\(i % 13 == 5 ? "n/a" : String(i))\n" }
        let path = directory.file("mixed.csv", text)
        let error = engineError { _ = try CSVReader.scan(path: path) }
        #expect(error?.message == "\(path): column 2 ('y') holds numbers in 37 rows but text in 3")
        #expect(error?.notes == ["line 7: 'n/a'", "line 20: 'n/a'", "line 33: 'n/a'"])
        var options = CSVOptions()
        options.missingMarkers = ["n/a"]
        #expect(throws: Never.self) { _ = try CSVReader.scan(path: path, options: options) }
        options = CSVOptions()
        options.textColumns = ["y"]
        #expect(try! CSVReader.scan(path: path, options: options).schema[1].type == .text)
    }

    @Test("bytes that are not UTF-8 name the line and column")
    func notUTF8() {
        let path = directory.file(
            "latin1.csv", bytes: Array("name,n\nok,1\n".utf8) + [0x43, 0x61, 0x66, 0xE9] + Array(",2\n".utf8))
        let error = engineError { _ = try CSVReader.scan(path: path) }
        #expect(error?.message == "\(path):3: column 1 ('name') has bytes that are not UTF-8")
        #expect(error?.hint?.contains("iconv") == true)
    }

    @Test("a binary file is recognised, not parsed")
    func binaryFile() {
        let path = directory.file(
            "blob.csv", bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0x00, 0x2C, 0x0A])
        let error = engineError { _ = try CSVReader.scan(path: path) }
        #expect(error?.message.contains("looks like a binary file") == true)
    }

    @Test("an unclosed quote and text after a closing quote are errors with lines")
    func quoteErrors() {
        let unclosed = directory.file("open.csv", "a,b\n1,\"never closed\n2,3\n")
        #expect(
            engineError { _ = try CSVReader.scan(path: unclosed) }?.message
                == "\(unclosed):2: a quoted field opened here is never closed")
        let trailing = directory.file("after.csv", "a,b\n1,\"x\"y\n")
        #expect(
            engineError { _ = try CSVReader.scan(path: trailing) }?.message
                == "\(trailing):2: field 2 has text after its closing quote")
    }

    @Test("a directory is not a file")
    func directoryPath() {
        #expect(
            engineError { _ = try CSVReader.scan(path: directory.path) }?.message
                == "'\(directory.path)' is a directory, not a CSV file")
    }

    @Test("other separators, and files without a header")
    func separatorsAndHeaderless() throws {
        var options = CSVOptions()
        options.separator = 9
        options.hasHeader = false
        let table = try CSVReader.readTable(path: directory.file("t.tsv", "1\t2.5\tx\n3\t4\ty\n"), options: options)
        #expect(table.columnNames == ["column_1", "column_2", "column_3"])
        #expect(table.row(1) == [.integer(3), .real(4), .text("y")])
    }

    @Test("the real data set: 1941 rows, 34 columns, the known class counts")
    func realData() throws {
        let table = try CSVReader.readTable(path: realDataPath)
        try UCIFaults.check(table)
        #expect(try table.column(named: "Edges_Index").double(at: 0) == 0.0498)
    }

    @Test("read in chunks, a file gives the whole table's rows in order; no rows give one empty chunk")
    func chunks() throws {
        let whole = try CSVReader.readTable(path: realDataPath)
        let scan = try CSVReader.scan(path: realDataPath)
        var sizes: [Int] = []
        let digest = StreamingTableDigest()
        var sink = ChunkingRowSink(schema: scan.schema, rowsPerChunk: 500) { chunk in
            sizes.append(chunk.rowCount)
            digest.append(chunk)
        }
        try CSVReader.read(scan, into: &sink)
        try sink.finish()
        #expect(sizes == [500, 500, 500, 441])
        #expect(digest.finish() == whole.contentDigest)

        var chunks: [Table] = []
        let schema = [ColumnSchema(name: "a", type: .integer), ColumnSchema(name: "b", type: .text)]
        var emptySink = ChunkingRowSink(schema: schema, rowsPerChunk: 500) { chunks.append($0) }
        try emptySink.finish()
        #expect(chunks.count == 1 && chunks[0].rowCount == 0 && chunks[0].columnNames == ["a", "b"])
    }
}
