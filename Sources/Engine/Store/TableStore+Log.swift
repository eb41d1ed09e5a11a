import Foundation
import GRDB
import GRDBSQLite
import MLCore

/// An inference log in the workspace store, open for appending: a table with one version
/// (operation `log`) that grows in place.
///
/// An append stores its rows as one chunk packed by column (`LogChunk`) beside the table, in
/// one small transaction: that keeps a scoring server's cost per logged row to a few hundred
/// nanoseconds. `TableStore.settleLog` moves chunks into the table's rows, oldest first, with the
/// version's row count in the same transaction; every read of the log through the store settles
/// first, and the log's writer settles when the server is idle and when it stops. A kill at any
/// point leaves the last committed append, settled or not.
///
/// Settling leaves the version's digest empty; looking the version up (`versions(of:)`) hashes
/// its rows again and records the digest (`refreshLogDigest`), so a reader records a digest
/// that describes the rows it reads, and no writer holds a hash state between processes.
///
/// Not shared between threads: one writer owns it (`InferenceLog`'s).
public final class InferenceLogTable: InferenceLogStorage {
    public let name: TableName
    public let schema: [ColumnSchema]
    /// The rows stored so far, settled or not.
    public private(set) var rowCount: Int
    private let store: TableStore

    fileprivate init(store: TableStore, name: TableName, schema: [ColumnSchema], rowCount: Int) {
        self.store = store
        self.name = name
        self.schema = schema
        self.rowCount = rowCount
    }

    /// Appends `batch` as one chunk (its packed records, as they are); a failure leaves the log as it was.
    public func append(_ batch: LogBatch) throws {
        guard batch.rows > 0 else { return }
        let models = String(decoding: try JSONEncoder().encode(batch.models), as: UTF8.self)
        let pending = TableStore.pendingTable(of: name)
        try store.run { db in
            let insert = try db.makeStatement(
                sql: "INSERT INTO \(pending) (row_count, models, records) VALUES (?, ?, ?)")
            // The records are bound in place, not copied into a Data first.
            try batch.records.bytes.withUnsafeBytes { records in
                sqlite3_bind_int64(insert.sqliteStatement, 1, Int64(batch.rows))
                _ = models.withCString { sqlite3_bind_text(insert.sqliteStatement, 2, $0, -1, TableWriter.transient) }
                sqlite3_bind_blob64(insert.sqliteStatement, 3, records.baseAddress, UInt64(records.count), nil)
                defer { sqlite3_reset(insert.sqliteStatement) }
                guard sqlite3_step(insert.sqliteStatement) == SQLITE_DONE else {
                    throw EngineError(
                        .sql,
                        "cannot store \(batch.rows) logged rows in \(name.displayName): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))"
                    )
                }
            }
        }
        rowCount += batch.rows
    }

    /// Settles at most about `rows` rows (whole chunks, the oldest first).
    public func settle(atMost rows: Int) throws {
        do { try store.settleLog(name, atMost: rows) } catch {
            throw EngineError(
                .io,
                "some of its rows are stored but not yet settled into its table (\(EngineError.message(of: error))); the next read of it through PlateShell settles them"
            )
        }
    }
}

extension TableStore {
    /// The most rows one settling transaction moves: about a fifth of a second's work, so a
    /// log's writer appending meanwhile waits no longer.
    static let settleSliceRows = 50_000

    /// The quoted SQLite table holding the chunks appended to the log `name` and not settled yet.
    static func pendingTable(of name: TableName) -> String {
        SQLIdentifier.quote(name.schema) + "." + SQLIdentifier.quote("_pending_\(name.table)")
    }

    /// Opens the inference log `name` for appending, creating it (empty, operation `log`,
    /// recording `source`) when it does not exist.
    ///
    /// - Throws: `EngineError.invalidArgument` when `name` holds loaded or saved data (a log needs
    ///   a table of its own), or when the stored log has other columns than `schema`.
    public func openInferenceLog(_ name: TableName, schema: [ColumnSchema], source: String) throws
        -> InferenceLogTable
    {
        try ensureSchema(name.schema)
        let createdAt = ISO8601DateFormatter.withFractionalSeconds.string(from: now())
        let schemaSQL = SQLIdentifier.quote(name.schema)
        let pending = Self.pendingTable(of: name)
        let existing: (version: TableVersion, pendingRows: Int)? = try run { db in
            var found: (TableVersion, Int)?
            try db.inTransaction(.immediate) {
                // Logs written before chunks existed have no chunk table: it is made on opening.
                let createPending = """
                    CREATE TABLE IF NOT EXISTS \(pending)
                    (id INTEGER PRIMARY KEY, row_count INTEGER NOT NULL, models TEXT NOT NULL, records BLOB NOT NULL)
                    """
                let versions = try Self.fetchVersions(db, schema: name.schema, where: "table_name = ?", [name.table])
                if let latest = versions.last {
                    guard latest.isLog else { throw InferenceLogProblem.notALog(latest) }
                    try db.execute(sql: createPending)
                    let pendingRows = try Int.fetchOne(db, sql: "SELECT coalesce(sum(row_count), 0) FROM \(pending)")
                    found = (latest, pendingRows ?? 0)
                    return .commit
                }
                let physical = SQLIdentifier.quote(TableVersion.physicalName(of: name, version: 1))
                let definitions = schema.map { "\(SQLIdentifier.quote($0.name)) \($0.type.sqlType)" }
                try db.execute(
                    sql: "CREATE TABLE \(schemaSQL).\(physical) (\(definitions.joined(separator: ", "))) STRICT")
                try db.execute(sql: createPending)
                try db.execute(
                    sql: """
                        INSERT INTO \(schemaSQL).\(Self.versionsTable)
                        (table_name, version, row_count, digest, columns, source, operation, created_at)
                        VALUES (?, 1, 0, '', ?, ?, ?, ?)
                        """,
                    arguments: [
                        name.table, String(decoding: try JSONEncoder().encode(schema), as: UTF8.self),
                        source, TableVersion.logOperation, createdAt,
                    ])
                try db.execute(
                    sql: "CREATE VIEW \(schemaSQL).\(SQLIdentifier.quote(name.table)) AS SELECT * FROM \(physical)")
                return .commit
            }
            return found
        }
        guard let existing else { return InferenceLogTable(store: self, name: name, schema: schema, rowCount: 0) }
        guard existing.version.schema == schema else {
            throw InferenceLogProblem.otherColumns(existing.version, schema)
        }
        return InferenceLogTable(
            store: self, name: name, schema: schema, rowCount: existing.version.rowCount + existing.pendingRows)
    }

    /// Moves the chunks appended to the log `name` into its table, oldest first, in transactions
    /// of about `settleSliceRows` rows, each raising the version's row count by the rows it moved.
    /// Stops after about `limit` rows (whole chunks); does nothing for a table that is not a log.
    ///
    /// - Returns: the rows moved.
    /// - Throws: `EngineError.invalidData` when a chunk is damaged (it and the ones after it stay).
    @discardableResult
    public func settleLog(_ name: TableName, atMost limit: Int = .max) throws -> Int {
        // A read first: a lookup of a log with nothing waiting takes no write lock.
        guard try run({ db in try Self.hasPendingChunks(db, name) }) else { return 0 }
        var settled = 0
        while settled < limit {
            let moved = try settleSlice(name, atMost: min(limit - settled, Self.settleSliceRows))
            if moved == 0 { break }
            settled += moved
        }
        return settled
    }

    /// Settles the logs of `schema` that have chunks waiting (a damaged schema is set aside, as
    /// `tables` does).
    func settleLogs(in schema: String) throws {
        let waiting = try readingSchema(schema) { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT table_name FROM \(SQLIdentifier.quote(schema)).\(Self.versionsTable)
                    WHERE operation = ? AND version = 1
                    """, arguments: [TableVersion.logOperation]
            ).filter { table in try Self.hasPendingChunks(db, try TableName(schema: schema, table: table)) }
        }
        for table in waiting ?? [] { try settleLog(try TableName(schema: schema, table: table)) }
    }

    /// Whether chunks appended to the log `name` wait to be settled (a log opened before chunks
    /// existed has no chunk table until it is opened again).
    private static func hasPendingChunks(_ db: Database, _ name: TableName) throws -> Bool {
        try db.tableExists("_pending_\(name.table)", in: name.schema)
            && Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(pendingTable(of: name)))") == true
    }

    /// Hashes the settled rows of the log `name` and records their digest in its version, unless
    /// a settle added rows meanwhile (it left the digest empty again, for the next lookup).
    func refreshLogDigest(_ name: TableName) throws {
        guard let log = try storedVersions(of: name)?.last, log.isLog else { return }
        // Rows only ever follow the counted ones: reading the first rowCount needs no lock.
        var sink = DigestSink(digest: TableDigest(schema: log.schema))
        defer { sink.digest.deallocate() }
        try run { db in try Self.readRows(db, log, into: &sink, cancellation: cancellation) }
        let digest = sink.digest.finish()
        try run { db in
            try db.execute(
                sql: """
                    UPDATE \(SQLIdentifier.quote(name.schema)).\(Self.versionsTable) SET digest = ?
                    WHERE table_name = ? AND version = 1 AND row_count = ?
                    """,
                arguments: [digest, name.table, log.rowCount])
        }
    }

    /// One settling transaction: whole chunks, the oldest first, until `limit` rows are moved.
    private func settleSlice(_ name: TableName, atMost limit: Int) throws -> Int {
        let pending = Self.pendingTable(of: name)
        return try run { db in
            var moved = 0
            try db.inTransaction(.immediate) {
                guard
                    let log = try Self.fetchVersions(db, schema: name.schema, where: "table_name = ?", [name.table])
                        .last, log.isLog
                else { return .commit }
                var chunks: [Int64] = []
                var rows = 0
                for chunk in try Row.fetchAll(db, sql: "SELECT id, row_count FROM \(pending) ORDER BY id") {
                    if rows >= limit { break }
                    chunks.append(chunk["id"])
                    rows += chunk["row_count"] as Int
                }
                guard let last = chunks.last else { return .commit }
                let physical =
                    SQLIdentifier.quote(name.schema) + "."
                    + SQLIdentifier.quote(TableVersion.physicalName(of: name, version: 1))
                let insert = try db.makeStatement(
                    sql:
                        "INSERT INTO \(physical) VALUES (\(Array(repeating: "?", count: log.schema.count).joined(separator: ", ")))"
                )
                var writer = TableWriter(
                    statement: insert, connection: db.sqliteConnection!, schema: log.schema, cancellation: cancellation)
                defer { writer.release() }
                for id in chunks {
                    guard
                        let chunk = try Row.fetchOne(
                            db, sql: "SELECT models, records FROM \(pending) WHERE id = ?", arguments: [id])
                    else { continue }
                    let modelsJSON: String = chunk["models"]
                    let records: Data = chunk["records"]
                    let models: [LogModel]
                    do {
                        models = try JSONDecoder().decode([LogModel].self, from: Data(modelsJSON.utf8))
                    } catch {
                        throw EngineError(
                            .invalidData,
                            "an inference log's stored chunk names its models in unreadable JSON: \(error)",
                            hint: "the store's file was changed outside PlateShell; log to a new table with log=TABLE")
                    }
                    try records.withUnsafeBytes { bytes in
                        try LogBatch.write(records: bytes, models: models, schema: log.schema, into: &writer)
                    }
                }
                try db.execute(sql: "DELETE FROM \(pending) WHERE id <= ?", arguments: [last])
                try db.execute(
                    sql: """
                        UPDATE \(SQLIdentifier.quote(name.schema)).\(Self.versionsTable) SET row_count = row_count + ?, digest = ''
                        WHERE table_name = ? AND version = 1
                        """,
                    arguments: [writer.rowCount, name.table])
                moved = writer.rowCount
                return .commit
            }
            return moved
        }
    }
}

/// Hashes the rows read into it (an inference log's digest, renewed as it grows).
private struct DigestSink: RowSink {
    var digest: TableDigest

    mutating func setInteger(_ value: Int64, column: Int) { digest.integer(value) }
    mutating func setReal(_ value: Double, column: Int) { digest.real(value) }
    mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) { digest.text(bytes) }
    mutating func setMissing(column: Int) { digest.missing() }
    mutating func endRow() throws {}
}
