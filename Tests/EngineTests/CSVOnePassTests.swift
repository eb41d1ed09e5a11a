import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// `readTable` converts cells in the same pass that infers the types; these tests hold it to the
/// two-pass reading (`scan`, then `read`) bit for bit, in one part and in parallel parts.
@Suite("CSV one-pass reading")
struct CSVOnePassTests {
    let directory = TemporaryDirectory()

    /// The two-pass reading, in one part.
    private func twoPass(_ path: String, _ options: CSVOptions = CSVOptions()) throws -> Table {
        let scan = try CSVReader.scan(path: path, options: options, cancellation: nil, parts: 1, splitAbove: .max)
        var builder = TableBuilder(schema: scan.schema, expectedRows: scan.rowCount)
        try CSVReader.read(scan, options: options, into: &builder)
        return try builder.build()
    }

    /// Each column's name, type, missing flags and cells, doubles as bit patterns (so -0.0 and
    /// NaN compare exactly).
    private func cells(_ table: Table) -> [String] {
        table.columns.map { column in
            let values: [String] =
                switch column.storage {
                case .integer(let v): v.map { String($0) }
                case .real(let v): v.map { String($0.bitPattern, radix: 16) }
                case .text(let v): v
                }
            return "\(column.name) \(column.type) \(column.missing) \(values)"
        }
    }

    /// Checks that `readTable` in 1, 2 and 3 parts equals the two-pass reading of `text`.
    private func expectSameAsTwoPass(
        _ text: String, options: CSVOptions = CSVOptions(), sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = directory.file("one-pass.csv", text)
        let expected = cells(try twoPass(path, options))
        for parts in [1, 2, 3] {
            let table = try CSVReader.readTable(path: path, options: options, parts: parts, splitAbove: 256)
            #expect(cells(table) == expected, "\(parts) parts", sourceLocation: sourceLocation)
        }
    }

    @Test("an integer column turns real after thousands of rows: earlier cells read as strtod reads them, -0 included")
    func promotionToReal() throws {
        let integers = [
            "0", "-0", "+0", " -0 ", "007", "-12", "9007199254740993", "-9223372036854775808",
            "9223372036854775807", "123456789012345678", "",
        ]
        var text = "a,b\n"
        for i in 0..<6000 { text += "\(integers[i % integers.count]),\(i)\n" }
        text += "2.5,1\n-0,2\n"
        try expectSameAsTwoPass(text)
        let table = try CSVReader.readTable(path: directory.file("r.csv", text))
        guard case .real(let a) = table.columns[0].storage else {
            Issue.record("column a is not real")
            return
        }
        #expect(a[1].sign == .minus && a[1] == 0, "-0 read before the promotion is a negative zero")
        #expect(a[6] == 9_007_199_254_740_992, "2^53 + 1 rounds to even, as strtod does")
        #expect(a[6001].sign == .minus, "-0 read after the promotion is a negative zero")
        #expect(table.columns[0].missingCount == (0..<6000).filter { integers[$0 % integers.count].isEmpty }.count)
    }

    @Test("columns typed differently in different parts join as the whole file's type")
    func promotionAcrossParts() throws {
        var text = "n,r,t,m\n"
        for i in 0..<3000 {
            let late = i >= 2500
            text +=
                "\(i),\(late ? "\(i).5" : "\(i)"),\(late ? "word\(i)" : "\(i % 7).50"),\(i % 9 == 0 ? "NA" : (i == 2999 ? "0.5" : "-0"))\n"
        }
        var options = CSVOptions()
        options.missingMarkers = ["NA"]
        try expectSameAsTwoPass(text, options: options)
        let table = try CSVReader.readTable(
            path: directory.file("p.csv", text), options: options, parts: 3, splitAbove: 256)
        #expect(table.columns.map(\.type) == [.integer, .real, .text, .real])
        #expect(table.row(1)[2] == .text("1.50"), "numbers read before a column turned text keep their characters")
        #expect(table.row(9)[3] == .missing)
        #expect(table.columns[3].double(at: 1)?.sign == .minus, "-0 in a part that stayed integer is a negative zero")
    }

    @Test("text columns, quoted fields with line breaks, CRLF and missing cells in every kind of column")
    func mixedShapes() throws {
        var text = "id,\"note\",x,code\r\n"
        for i in 0..<2000 {
            let note = i % 5 == 0 ? "\"two\r\nlines, \(i)\"" : (i % 7 == 0 ? "" : "n\(i)")
            text += "\(i),\(note),\(i % 11 == 0 ? "" : "\(Double(i) / 3)"),\(i % 3 == 0 ? "" : "\(i)")\r\n"
        }
        var options = CSVOptions()
        options.textColumns = ["code"]
        try expectSameAsTwoPass(text, options: options)
        try expectSameAsTwoPass(text)
    }

    @Test("decimals that need correct rounding convert as strtod does, before and after a promotion")
    func correctRounding() throws {
        let samples = [
            "0.30000000000000004", "2.2250738585072011e-308", "1e23", "9007199254740993.0", "0.1",
            "123456789012345678901", "1.7976931348623157e308", "4.9e-324", "-0.0",
        ]
        let text = "x\n1\n" + samples.joined(separator: "\n") + "\n"
        try expectSameAsTwoPass(text)
        let table = try CSVReader.readTable(path: directory.file("c.csv", text))
        guard case .real(let x) = table.columns[0].storage else {
            Issue.record("column x is not real")
            return
        }
        #expect(x.dropFirst().map(\.bitPattern) == samples.map { Double($0)!.bitPattern })
    }

    @Test("bad files give the errors the scan gives, in one part and in parallel parts")
    func sameErrors() throws {
        var rows = "a,b,c\n"
        for i in 0..<3000 { rows += "\(i),\(i % 17 == 3 ? "oops\(i)" : "\(i)"),x\(i)\n" }
        var late = "a,b,c\n"
        for i in 0..<3000 {
            late += "\(i),\(i % 97 == 0 && i > 2000 ? "late\(i)" : "\(i)"),\(i < 100 ? "\"x\ny\"" : "z")\n"
        }
        let files = [
            directory.file("mostly-numbers.csv", rows),
            directory.file("late-text.csv", late),
            directory.file("late-ragged.csv", late.replacingOccurrences(of: "late", with: "") + "1,2\n"),
            directory.file("ragged.csv", rows.replacingOccurrences(of: "oops", with: "") + "1,2\n"),
            directory.file(
                "latin1.csv",
                bytes: Array(rows.replacingOccurrences(of: "oops", with: "").utf8) + [
                    0x31, 0x2C, 0xE9, 0x2C, 0x78, 0x0A,
                ]),
            directory.file("unclosed.csv", rows.replacingOccurrences(of: "oops", with: "") + "1,\"2,x\n"),
            directory.file("header-only.csv", "a,b\n"),
            directory.file("empty.csv", ""),
        ]
        for path in files {
            let expected = engineError {
                _ = try CSVReader.scan(path: path, options: CSVOptions(), cancellation: nil, parts: 1, splitAbove: .max)
            }
            #expect(expected != nil, "\(path)")
            for parts in [1, 2, 3] {
                let error = engineError {
                    _ = try CSVReader.readTable(path: path, options: CSVOptions(), parts: parts, splitAbove: 256)
                }
                #expect(error?.message == expected?.message, "\(path), \(parts) parts")
                #expect(error?.notes == expected?.notes, "\(path), \(parts) parts")
            }
        }
    }
}
