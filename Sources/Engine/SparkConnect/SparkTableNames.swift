import Engine
import Foundation

/// How PlateShell's table names map to Spark's: schema `main` is database `default`, and the
/// tables a write uses on the way (staging, the earlier table set aside) have names that start
/// with `__plateshell_` and are never listed.
enum SparkTableNames {
    static let defaultDatabase = "default"
    private static let internalPrefix = "__plateshell_"

    static func database(forSchema schema: String) -> String {
        schema == TableName.defaultSchema ? defaultDatabase : schema
    }

    static func schema(forDatabase database: String) -> String {
        database == defaultDatabase ? TableName.defaultSchema : database
    }

    /// `database.table`, as Spark's parser reads it.
    static func qualified(_ name: TableName) -> String {
        "\(database(forSchema: name.schema)).\(name.table)"
    }

    /// `` `database`.`table` `` for SQL text (names are ASCII identifiers: `TableName` checks them).
    static func quoted(_ name: TableName) -> String {
        "`\(database(forSchema: name.schema))`.`\(name.table)`"
    }

    /// A new staging table's quoted name beside `name`.
    static func staging(for name: TableName) -> String {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return "`\(database(forSchema: name.schema))`.`\(internalPrefix)staging_\(name.table)_\(suffix)`"
    }

    /// The `SHOW TABLES … LIKE` pattern of every staging table of `name`.
    static func stagingPattern(for name: TableName) -> String { "\(internalPrefix)staging_\(name.table)_*" }

    /// Whether `table` is one of `name`'s staging tables (and not, say, one of `name_b`'s).
    static func isStaging(_ table: String, of name: TableName) -> Bool {
        let prefix = "\(internalPrefix)staging_\(name.table)_"
        guard table.hasPrefix(prefix) else { return false }
        let suffix = table.dropFirst(prefix.count)
        return suffix.count == 8 && suffix.allSatisfy(\.isHexDigit)
    }

    /// The table name an earlier table is set aside under while a write replaces it.
    static func asideTable(for name: TableName) -> String { "\(internalPrefix)previous_\(name.table)" }

    static func aside(for name: TableName) -> String {
        "`\(database(forSchema: name.schema))`.`\(asideTable(for: name))`"
    }

    static func isInternal(_ table: String) -> Bool { table.hasPrefix(internalPrefix) }
}

/// Spark SQL string literals.
enum SparkSQLText {
    /// `text` as a Spark SQL string literal: single quotes, with quotes and backslashes escaped.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
