import Foundation
import GRDB
import GRDBSQLite
import MLCore

/// An inference log in the workspace store, open for appending: a table with one version
/// (operation `log`) whose SQLite table grows in place. Each `append` inserts its rows and
/// updates the version's row count and digest in one transaction, so a reader always finds a
/// row count and digest that describe the rows it reads (the first `rowCount` rows; see
/// `TableVersion.isLog`), and a kill at any point leaves the last committed append.
///
/// Not shared between threads: one writer owns it (`InferenceLog`'s).
public final class InferenceLogTable: InferenceLogStorage {
    public let name: TableName
    public let schema: [ColumnSchema]
    /// The rows stored so far.
    public private(set) var rowCount: Int
    private let store: TableStore
    /// The hash of every stored row, carried from one append to the next.
    private var digest: TableDigest

    fileprivate init(store: TableStore, name: TableName, schema: [ColumnSchema], rowCount: Int, digest: TableDigest) {
        self.store = store
        self.name = name
        self.schema = schema
        self.rowCount = rowCount
        self.digest = digest
    }

    deinit { digest.deallocate() }

    /// Appends the rows `rows` writes, in one transaction; a failure leaves the log as it was.
    public func append(_ rows: (inout TableWriter) throws -> Void) throws {
        let name = self.name
        let table =
            SQLIdentifier.quote(name.schema) + "."
            + SQLIdentifier.quote(TableVersion.physicalName(of: name, version: 1))
        var working: TableDigest? = digest.copy()
        defer { working?.deallocate() }
        let written = try store.run { db -> Int in
            var count = 0
            try db.inTransaction(.immediate) {
                let insert = try db.makeStatement(
                    sql:
                        "INSERT INTO \(table) VALUES (\(Array(repeating: "?", count: schema.count).joined(separator: ", ")))"
                )
                var writer = TableWriter(
                    statement: insert, connection: db.sqliteConnection!, schema: schema,
                    cancellation: store.cancellation, continuing: working)
                working = nil
                defer { working = writer.digest }
                try rows(&writer)
                count = writer.rowCount
                try db.execute(
                    sql: """
                        UPDATE \(SQLIdentifier.quote(name.schema)).\(TableStore.versionsTable) SET row_count = ?, digest = ?
                        WHERE table_name = ? AND version = 1
                        """,
                    arguments: [rowCount + count, writer.digest.current(), name.table])
                return .commit
            }
            return count
        }
        digest.deallocate()
        digest = working!
        working = nil
        rowCount += written
    }
}

extension TableStore {
    /// Opens the inference log `name` for appending, creating it (empty, operation `log`,
    /// recording `source`) when it does not exist.
    ///
    /// - Throws: `EngineError.invalidArgument` when `name` holds loaded or saved data (a log needs
    ///   a table of its own), or when the stored log has other columns than `schema`;
    ///   `.invalidData` when the stored rows no longer match the log's recorded digest.
    public func openInferenceLog(_ name: TableName, schema: [ColumnSchema], source: String) throws
        -> InferenceLogTable
    {
        try ensureSchema(name.schema)
        let createdAt = ISO8601DateFormatter.withFractionalSeconds.string(from: now())
        let existing: TableVersion? = try run { db in
            var found: TableVersion?
            try db.inTransaction(.immediate) {
                let versions = try Self.fetchVersions(db, schema: name.schema, where: "table_name = ?", [name.table])
                if let latest = versions.last {
                    guard latest.isLog else { throw InferenceLogProblem.notALog(latest) }
                    found = latest
                    return .commit
                }
                let schemaSQL = SQLIdentifier.quote(name.schema)
                let physical = SQLIdentifier.quote(TableVersion.physicalName(of: name, version: 1))
                let definitions = schema.map { "\(SQLIdentifier.quote($0.name)) \($0.type.sqlType)" }
                try db.execute(
                    sql: "CREATE TABLE \(schemaSQL).\(physical) (\(definitions.joined(separator: ", "))) STRICT")
                let empty = TableDigest(schema: schema)
                defer { empty.deallocate() }
                try db.execute(
                    sql: """
                        INSERT INTO \(schemaSQL).\(Self.versionsTable)
                        (table_name, version, row_count, digest, columns, source, operation, created_at)
                        VALUES (?, 1, 0, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name.table, empty.current(), String(decoding: try JSONEncoder().encode(schema), as: UTF8.self),
                        source, TableVersion.logOperation, createdAt,
                    ])
                try db.execute(
                    sql: "CREATE VIEW \(schemaSQL).\(SQLIdentifier.quote(name.table)) AS SELECT * FROM \(physical)")
                return .commit
            }
            return found
        }
        guard let existing else {
            return InferenceLogTable(
                store: self, name: name, schema: schema, rowCount: 0, digest: TableDigest(schema: schema))
        }
        guard existing.schema == schema else { throw InferenceLogProblem.otherColumns(existing, schema) }
        // The digest goes on from the stored rows, which must be the ones it records.
        var sink = DigestSink(digest: TableDigest(schema: schema))
        do {
            try run { db in try Self.readRows(db, existing, into: &sink, cancellation: cancellation) }
        } catch {
            sink.digest.deallocate()
            throw error
        }
        guard sink.rows == existing.rowCount, sink.digest.current() == existing.digest else {
            sink.digest.deallocate()
            throw EngineError(
                .invalidData,
                "the inference log \(name.displayName) does not hold the rows it recorded (\(existing.rowCount) rows, digest \(existing.digest.prefix(19))…; found \(sink.rows))",
                hint: "its rows were changed outside PlateShell; log to a new table with log=TABLE")
        }
        return InferenceLogTable(store: self, name: name, schema: schema, rowCount: sink.rows, digest: sink.digest)
    }
}

/// Hashes the rows read into it (an inference log's digest, rebuilt when it is opened again).
private struct DigestSink: RowSink {
    var digest: TableDigest
    var rows = 0

    mutating func setInteger(_ value: Int64, column: Int) { digest.integer(value) }
    mutating func setReal(_ value: Double, column: Int) { digest.real(value) }
    mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) { digest.text(bytes) }
    mutating func setMissing(column: Int) { digest.missing() }
    mutating func endRow() throws { rows += 1 }
}
