import Engine

/// Keeps `sql` read-only on Spark. Spark runs a command as soon as it parses it, so a statement
/// is checked before it is sent: it must begin with a query keyword (SELECT, WITH, VALUES,
/// TABLE, FROM, or a parenthesis) or be a SHOW, DESCRIBE or EXPLAIN, and a query is sent inside
/// `SELECT * FROM (…)`, where Spark's own parser refuses anything but one query (a `WITH …
/// INSERT`, a second statement). SHOW, DESCRIBE and EXPLAIN are sent as they are, so they may
/// hold no comment and no `;`: Spark's comments nest and end at a carriage return, and a
/// statement hidden after a comment the check reads otherwise would run.
enum SparkReadOnlySQL {
    private static let queries: Set<String> = ["SELECT", "WITH", "VALUES", "TABLE", "FROM", "("]
    private static let inspections: Set<String> = ["SHOW", "DESCRIBE", "DESC", "EXPLAIN"]

    /// The text to send for the user's query `sql`.
    ///
    /// - Throws: `EngineError.invalidArgument` for a statement that could change anything.
    static func wrap(_ sql: String) throws -> String {
        var text = Substring(sql)
        while let last = text.last, last.isWhitespace || last == ";" { text.removeLast() }
        let keyword = firstKeyword(text)
        if inspections.contains(keyword) {
            if text.contains(";") { throw oneStatement() }
            if text.contains("--") || text.contains("/*") {
                throw EngineError(
                    .invalidArgument, "sql sends \(keyword) to Spark as written: it may hold no comment",
                    hint: "remove the comment", position: 0)
            }
            return String(text)
        }
        guard queries.contains(keyword) else {
            throw EngineError(
                .invalidArgument,
                "sql runs read-only queries; it refuses \(keyword.isEmpty ? "this statement" : keyword) on Spark",
                hint: "tables change through load, save and append, which record every version", position: 0)
        }
        return "SELECT * FROM (\n\(text)\n) AS plateshell_query"
    }

    /// The first word of the statement in upper case, after spaces and comments.
    static func firstKeyword(_ text: Substring) -> String {
        var rest = text.unicodeScalars[...]
        while let first = rest.first {
            if first.properties.isWhitespace {
                rest.removeFirst()
            } else if rest.starts(with: "--".unicodeScalars) {
                rest = rest.drop(while: { $0 != "\n" && $0 != "\r" })
            } else if rest.starts(with: "/*".unicodeScalars) {
                guard let end = String(rest).range(of: "*/") else { return "" }
                rest = String(rest)[end.upperBound...].unicodeScalars[...]
            } else {
                break
            }
        }
        if rest.first == "(" { return "(" }
        return String(String.UnicodeScalarView(rest.prefix(while: { $0.properties.isAlphabetic }))).uppercased()
    }

    private static func oneStatement() -> EngineError {
        EngineError(.invalidArgument, "sql runs one statement at a time", hint: "split the statements")
    }
}
