import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("UCI archive conversion")
struct UCIFaultsTests {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    @Test("the archive's whitespace-separated rows and names file become a CSV with a header")
    func convertFixture() throws {
        let rows = try String(contentsOf: fixtures.appendingPathComponent("Faults.NNA"), encoding: .utf8)
        let names = try String(contentsOf: fixtures.appendingPathComponent("Faults27x7_var"), encoding: .utf8)
        let csv = try UCIFaults.convert(rows: rows, names: names)
        #expect(
            csv
                == "X_Minimum,X_Maximum,Y_Minimum,Pastry,Bumps\n42,50,270900,1,0\n645,651,2538079,0,1\n829,835,1553913,0,1\n"
        )
    }

    @Test("a row with the wrong field count or a non-number is refused with its line")
    func convertErrors() {
        #expect(
            engineError { _ = try UCIFaults.convert(rows: "1 2\n1 2 3\n", names: "a\nb\n") }?.message
                == "Faults.NNA:2: 3 fields; Faults27x7_var names 2 columns")
        #expect(
            engineError { _ = try UCIFaults.convert(rows: "1 x\n", names: "a\nb\n") }?.message
                == "Faults.NNA:1: field 2 ('b') is 'x', not a number")
    }

    @Test("check accepts the real data and rejects the fixture, saying what differs")
    func check() throws {
        try UCIFaults.check(try CSVReader.readTable(path: realDataPath))
        let directory = TemporaryDirectory()
        let rows = try String(contentsOf: fixtures.appendingPathComponent("Faults.NNA"), encoding: .utf8)
        let names = try String(contentsOf: fixtures.appendingPathComponent("Faults27x7_var"), encoding: .utf8)
        let small = try CSVReader.readTable(
            path: directory.file("small.csv", try UCIFaults.convert(rows: rows, names: names)))
        let error = engineError { try UCIFaults.check(small) }
        #expect(error?.notes.first == "3 rows; expected 1941")
    }
}
