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
}
