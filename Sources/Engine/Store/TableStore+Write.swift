import Foundation
import GRDB
import GRDBSQLite
import MLCore

extension TableStore {
    /// Writes a new version of `name`: the rows that `rows` writes (after the previous version's
    /// rows when `mode` is `.append`), all in one transaction.
    ///
    /// For example:
    /// ```swift
    /// try store.write(name, schema: table.columns.map { ColumnSchema(name: $0.name, type: $0.type) },
    ///                 source: "frame", operation: "save") { writer in try writer.write(table) }
    /// ```
    ///
    /// - Throws: `EngineError` from the rows closure (the transaction is rolled back and earlier
    ///   versions stay as they were), `.typeMismatch` when appending columns of another shape.
    @discardableResult
    public func write(
        _ name: TableName, schema: [ColumnSchema], mode: WriteMode = .overwrite,
        source: String, operation: String,
        rows: (inout TableWriter) throws -> Void
    ) throws -> TableVersion {
        try ensureSchema(name.schema)
        let limit = try columnLimit()
        if schema.count > limit {
            throw EngineError(
                .invalidArgument,
                "the frame has \(schema.count) columns; the table store holds at most \(limit) (SQLite's column limit)",
                hint: "select fewer columns before saving")
        }
        let createdAt = ISO8601DateFormatter.withFractionalSeconds.string(from: now())
        return try run { db in
            var written: TableVersion?
            try db.inTransaction(.immediate) {
                let previous = try Self.fetchVersions(db, schema: name.schema, where: "table_name = ?", [name.table])
                    .last
                if let previous, previous.isLog { throw InferenceLogProblem.appendOnly(name) }
                var columns = schema
                if mode == .append, let previous { columns = try Self.appendedSchema(previous.schema, schema, name) }
                let number = (previous?.version ?? 0) + 1
                let schemaSQL = SQLIdentifier.quote(name.schema)
                let physical = SQLIdentifier.quote(TableVersion.physicalName(of: name, version: number))
                let definitions = columns.map { "\(SQLIdentifier.quote($0.name)) \($0.type.sqlType)" }
                try db.execute(
                    sql: "CREATE TABLE \(schemaSQL).\(physical) (\(definitions.joined(separator: ", "))) STRICT")
                let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
                let insert = try db.makeStatement(sql: "INSERT INTO \(schemaSQL).\(physical) VALUES (\(placeholders))")
                var writer = TableWriter(
                    statement: insert, connection: db.sqliteConnection!, schema: columns,
                    cancellation: cancellation)
                defer { writer.release() }
                if mode == .append, let previous {
                    try Self.readRows(db, previous, into: &writer, cancellation: cancellation)
                }
                try rows(&writer)
                let version = TableVersion(
                    name: name, version: number, rowCount: writer.rowCount,
                    digest: writer.finishDigest(), schema: columns, source: source,
                    operation: mode == .append && previous != nil ? "append" : operation,
                    createdAt: createdAt)
                let columnsJSON = String(decoding: try JSONEncoder().encode(columns), as: UTF8.self)
                try db.execute(
                    sql: """
                        INSERT INTO \(schemaSQL).\(Self.versionsTable)
                        (table_name, version, row_count, digest, columns, source, operation, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name.table, number, version.rowCount, version.digest, columnsJSON,
                        source, version.operation, createdAt,
                    ])
                let view = SQLIdentifier.quote(name.table)
                try db.execute(sql: "DROP VIEW IF EXISTS \(schemaSQL).\(view)")
                try db.execute(sql: "CREATE VIEW \(schemaSQL).\(view) AS SELECT * FROM \(physical)")
                written = version
                return .commit
            }
            return written!
        }
    }

    /// Writes `table` as a new version of `name`.
    @discardableResult
    public func write(
        _ table: MLCore.Table, as name: TableName, mode: WriteMode = .overwrite,
        source: String, operation: String
    ) throws -> TableVersion {
        let schema = table.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
        return try write(name, schema: schema, mode: mode, source: source, operation: operation) { writer in
            try writer.write(table, cancellation: cancellation)
        }
    }

    /// The columns of an appended version: the same names in the same order; an integer column
    /// meeting a real one becomes real.
    public static func appendedSchema(_ old: [ColumnSchema], _ new: [ColumnSchema], _ name: TableName) throws
        -> [ColumnSchema]
    {
        guard old.map({ $0.name.lowercased() }) == new.map({ $0.name.lowercased() }) else {
            throw EngineError(
                .typeMismatch, "cannot append to \(name.displayName): its columns differ from the new rows'",
                hint: "append needs the same columns in the same order; use mode=overwrite to replace the table",
                notes: [
                    "stored: \(old.map(\.name).joined(separator: ", "))",
                    "new:    \(new.map(\.name).joined(separator: ", "))",
                ])
        }
        return try zip(old, new).map { stored, incoming in
            if stored.type == incoming.type { return stored }
            if stored.type.isNumeric && incoming.type.isNumeric { return ColumnSchema(name: stored.name, type: .real) }
            throw EngineError(
                .typeMismatch,
                "cannot append to \(name.displayName): column '\(stored.name)' is \(stored.type.rawValue) there but \(incoming.type.rawValue) in the new rows"
            )
        }
    }
}

extension ISO8601DateFormatter {
    /// ISO 8601 in UTC with milliseconds, as stored in version and run records.
    nonisolated(unsafe) public static let withFractionalSeconds: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

extension TableStore {
    /// The most columns a stored table may have (SQLite's `SQLITE_LIMIT_COLUMN`, 2000 by default).
    func columnLimit() throws -> Int {
        try run { db in Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_COLUMN, -1)) }
    }
}
