import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("CSV writer")
struct CSVWriterTests {
    let directory = TemporaryDirectory()

    @Test("quotes exactly the fields that need it, and what it writes reads back cell for cell")
    func roundTrip() throws {
        let names = [
            "plain", "with, comma", "say \"hi\"", "two\nlines", "crlf\r\nend", " leading", "trailing ", "Ünïcødé ✓",
        ]
        let table = try Table(columns: [
            Column(name: "id", storage: .integer(Array(0..<Int64(names.count)))),
            Column(name: "label, quoted", storage: .text(names)),
            Column(
                name: "score", storage: .real([0.1, -2.5, 1e-300, 12, 0, 3.25, 1e21, 7]),
                missing: [false, false, false, false, true, false, false, false]),
        ])
        let data = CSVWriter.data(of: table)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("id,\"label, quoted\",score\n0,plain,0.1\n1,\"with, comma\",-2.5\n"))
        #expect(text.contains("\n2,\"say \"\"hi\"\"\",1e-300\n"))
        #expect(text.contains("\n4,\"crlf\r\nend\",\n5,\" leading\",3.25\n6,\"trailing \",1e+21\n7,Ünïcødé ✓,7\n"))

        let path = directory.file("written.csv", bytes: Array(data))
        let read = try CSVReader.readTable(path: path)
        #expect(read.columnNames == table.columnNames)
        for row in 0..<table.rowCount { #expect(read.row(row) == table.row(row)) }
    }

    @Test("field quotes on its own the same way, with another separator")
    func singleField() {
        #expect(CSVWriter.field("a;b") == "a;b")
        #expect(CSVWriter.field("a;b", separator: UInt8(ascii: ";")) == "\"a;b\"")
        #expect(CSVWriter.field("") == "")
        #expect(CSVWriter.field("\"") == "\"\"\"\"")
    }
}
