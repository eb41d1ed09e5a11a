import MLCore

/// A stored table's name: `schema.table`, like Databricks' `FSP.faults` (written `fsp.faults`).
///
/// Both parts must be identifiers (an ASCII letter, then ASCII letters, digits or underscores; at most 63
/// characters) and are folded to lower case, so a name coming from a user or a file can neither
/// inject SQL nor reach outside the workspace when it becomes a file name. A name without a
/// schema is in `main`.
public struct TableName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let defaultSchema = "main"
    /// The schema `sql` reads the tracking catalog under (never a table store schema).
    public static let catalogSchema = "catalog"

    public let schema: String
    public let table: String

    /// Parses `schema.table` or `table`.
    ///
    /// - Throws: `EngineError.invalidName` saying which part is wrong and why.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: try self.init(schema: Self.defaultSchema, table: parts[0])
        case 2: try self.init(schema: parts[0], table: parts[1])
        default:
            throw EngineError(
                .invalidName, "'\(text)' is not a table name",
                hint: "write SCHEMA.TABLE (for example fsp.faults) or just TABLE")
        }
    }

    public init(schema: String, table: String) throws {
        try Self.validate(schema, role: "schema")
        try Self.validate(table, role: "table")
        for (part, role) in [(schema, "schema"), (table, "table")] where part.lowercased().hasPrefix("sqlite_") {
            throw EngineError(
                .invalidName, "'\(part)' cannot be a \(role) name: names starting with sqlite_ are SQLite's own",
                hint: "choose another name, for example fsp.faults")
        }
        if schema.lowercased() == "temp" {
            throw EngineError(.invalidName, "'temp' is reserved by SQLite and cannot be a schema name")
        }
        if schema.lowercased() == Self.catalogSchema {
            throw EngineError(
                .invalidName, "'catalog' is reserved for the tracking catalog (sql select ... from catalog.runs)",
                hint: "store the table in another schema, for example fsp")
        }
        self.schema = schema.lowercased()
        self.table = table.lowercased()
    }

    public var description: String { "\(schema).\(table)" }

    /// How the name reads in messages and listings: without the default schema.
    public var displayName: String { schema == Self.defaultSchema ? table : description }

    public static func < (a: TableName, b: TableName) -> Bool { a.description < b.description }

    private static func validate(_ part: String, role: String) throws {
        let scalars = Array(part.unicodeScalars)
        guard let first = scalars.first else {
            throw EngineError(
                .invalidName, "the \(role) name is empty", hint: "write SCHEMA.TABLE, for example fsp.faults")
        }
        let isLetter = { (s: Unicode.Scalar) in (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") }
        let isDigit = { (s: Unicode.Scalar) in s >= "0" && s <= "9" }
        let rule =
            "a \(role) name starts with an ASCII letter (a–z) and has only ASCII letters, digits and _ (at most 63)"
        if !isLetter(first) {
            throw EngineError(
                .invalidName, "'\(part)' is not a valid \(role) name: it starts with '\(first)'", hint: rule)
        }
        if let bad = scalars.first(where: { !(isLetter($0) || isDigit($0) || $0 == "_") }) {
            throw EngineError(
                .invalidName, "'\(part)' is not a valid \(role) name: '\(bad)' is not an ASCII letter, digit or _",
                hint: rule)
        }
        if scalars.count > 63 {
            throw EngineError(
                .invalidName, "'\(part)' is not a valid \(role) name: it has \(scalars.count) characters", hint: rule)
        }
    }
}

/// SQL quoting for identifiers that come from users or files.
public enum SQLIdentifier {
    /// `name` as a quoted SQLite identifier: wrapped in double quotes, inner quotes doubled.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
