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
}
