import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("CSV tokenizer")
struct CSVTokenizerTests {
    let directory = TemporaryDirectory()

    /// A random field: plain (a quote inside is content), empty, or quoted with separators, line
    /// breaks and doubled quotes inside.
    private func randomField(separator: Character, using generator: inout some RandomNumberGenerator) -> (
        text: String, value: String
    ) {
        let plain = Array("ab1.-9x")
        let length = Int.random(in: 0...11, using: &generator)
        var value = String((0..<length).map { _ in plain.randomElement(using: &generator)! })
        switch Int.random(in: 0..<8, using: &generator) {
        case 0:
            value += "\"\(value)"
            return ("x" + value, "x" + value)
        case 1:
            value += "\(separator)\r\n\"y"
            return ("\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"", value)
        default:
            return (value, value)
        }
    }

    private struct Record: Equatable {
        let line: Int
        let fields: [String]
    }

    @Test("records read a word at a time and byte by byte give the same fields and lines, for any read chunk size")
    func plainAndGeneralRecords() throws {
        var generator = SystemRandomNumberGenerator()
        for separator in [",", ";"] as [Character] {
            var text = ""
            var expected: [Record] = []
            var line = 1
            for _ in 0..<3000 {
                let fields = (0..<Int.random(in: 2...9, using: &generator)).map { _ in
                    randomField(separator: separator, using: &generator)
                }
                expected.append(Record(line: line, fields: fields.map(\.value)))
                let record = fields.map(\.text).joined(separator: String(separator))
                let end = ["\n", "\r\n", "\n\n", "\r\n\r\n"].randomElement(using: &generator)!
                text += record + end
                line += (record + end).utf8.filter { $0 == 10 }.count
            }
            let path = directory.file("words.csv", String(text.dropLast(Int.random(in: 0...1, using: &generator))))
            for chunk in [16, 61, 4096, 1 << 20] {
                let tokenizer = try CSVTokenizer(
                    path: path, separator: separator.asciiValue!, chunkSize: chunk)
                var records: [Record] = []
                try tokenizer.forEachRecord { record in
                    records.append(Record(line: record.line, fields: (0..<record.count).map { record.string($0)! }))
                }
                #expect(records == expected, "separator \(separator), chunk \(chunk)")
            }
        }
    }
}
