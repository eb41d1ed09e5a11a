import Engine
import Foundation

/// An inference log on Spark: a table created empty with the version record of a log
/// (operation `log`, the one version), to which each append adds its rows in one Spark write
/// (all or none) and then brings the record's row count up to date.
///
/// Spark keeps no row order, so a Spark log records no digest: a reader gets the digest of the
/// rows it read (`SparkTableStore.latest`), and the row count Spark counts. The record's count is
/// what `history` shows; a kill between a write and the record's update leaves it behind until
/// the log is next appended to or opened.
public final class SparkInferenceLog: InferenceLogStorage {
    public let name: TableName
    public let schema: [ColumnSchema]
    public private(set) var rowCount: Int
    private let store: SparkTableStore
    /// The versions recorded in the table's properties; the last is the log's.
    private var recorded: [TableVersion]
    /// Whether the record's row count lags the rows appended (an append could not update it);
    /// `settle` tries again.
    private var recordIsBehind = false

    fileprivate init(
        store: SparkTableStore, name: TableName, schema: [ColumnSchema], rowCount: Int, recorded: [TableVersion]
    ) {
        self.store = store
        self.name = name
        self.schema = schema
        self.rowCount = rowCount
        self.recorded = recorded
    }

    /// Appends the rows of `batch` as one Spark write. Once the write is done its rows count
    /// as logged: failing to update the record afterwards is not a failure of the append (a retry
    /// would log them twice); the writer's next `settle`, append or open brings it up to date.
    public func append(_ batch: LogBatch) throws {
        guard batch.rows > 0 else { return }
        var builder = TableBuilder(schema: schema, expectedRows: batch.rows)
        try batch.write(schema: schema, into: &builder)
        let table = try builder.build()
        try store.send(table, into: SparkTableNames.quoted(name), appending: true)
        rowCount += table.rowCount
        do {
            try store.recordLog(name, rows: rowCount, in: &recorded)
            recordIsBehind = false
        } catch {
            recordIsBehind = true
        }
    }

    /// Records the row count an append could not (each append on Spark is rows of the table
    /// already, so that is all there is to settle).
    public func settle(atMost rows: Int) throws {
        guard recordIsBehind else { return }
        do {
            try store.recordLog(name, rows: rowCount, in: &recorded)
            recordIsBehind = false
        } catch {
            throw EngineError(
                .io,
                "its version record counts fewer rows than the table holds (\(EngineError.message(of: error))); opening or appending to the log brings the record up to date"
            )
        }
    }
}

extension SparkTableStore {
    /// Opens the inference log `name` on Spark for appending, creating it (empty, operation
    /// `log`, recording `source`) when it does not exist.
    ///
    /// - Throws: `EngineError.invalidArgument` when `name` holds rows PlateShell loaded or saved,
    ///   or a table PlateShell did not write, or a log with other columns than `schema`.
    public func openInferenceLog(_ name: TableName, schema: [ColumnSchema], source: String) throws
        -> SparkInferenceLog
    {
        try recoverInterruptedWrite(name)
        guard try tableExists(name) else {
            var builder = TableBuilder(schema: schema, expectedRows: 0)
            let empty = try builder.build()
            let log = TableVersion(
                name: name, version: 1, rowCount: 0, digest: "", schema: schema, source: source,
                operation: TableVersion.logOperation,
                createdAt: ISO8601DateFormatter.withFractionalSeconds.string(from: Date()),
                sparkTable: SparkTableNames.qualified(name))
            try commit(name, after: []) { staging in
                try send(empty, into: staging, appending: false)
                return log
            }
            return SparkInferenceLog(store: self, name: name, schema: schema, rowCount: 0, recorded: [log])
        }
        var recorded = try recordedVersions(of: name)
        guard let latest = recorded.last else {
            throw EngineError(
                .invalidArgument,
                "\(name.displayName) is a Spark table PlateShell did not write, not an inference log",
                hint: "an inference log needs a table of its own: log to another name, e.g. \(name.schema).inference")
        }
        guard latest.isLog else { throw InferenceLogProblem.notALog(latest) }
        guard latest.schema == schema else { throw InferenceLogProblem.otherColumns(latest, schema) }
        let rows = try countRows(SparkTableNames.quoted(name))
        if rows != latest.rowCount { try recordLog(name, rows: rows, in: &recorded) }
        return SparkInferenceLog(store: self, name: name, schema: schema, rowCount: rows, recorded: recorded)
    }

    /// Records `rows` as the log's row count in the table's properties (and in `recorded`).
    fileprivate func recordLog(_ name: TableName, rows: Int, in recorded: inout [TableVersion]) throws {
        guard let log = recorded.popLast() else { return }
        recorded.append(log.growing(to: rows))
        let record = try SparkVersionRecord.encode(recorded)
        try session.run(
            sql:
                "ALTER TABLE \(SparkTableNames.quoted(name)) SET TBLPROPERTIES ('\(SparkVersionRecord.property)' = \(SparkSQLText.literal(record)))"
        )
    }
}

extension InferenceLog {
    /// Every Spark append is a Spark job (2 to 5 s here under load): a Spark log commits once a
    /// second, and a kill -9 loses what was answered in the last few seconds.
    public static let sparkFlushInterval: Duration = .seconds(1)

    /// An inference log `table` on the Spark Connect server `remote`, for `model`'s rows: its
    /// writer thread has a connection of its own, to the server-side session `session` when given
    /// (the shell's, whose reads of the log then see each append at once), else to a new one.
    ///
    /// - Throws: `EngineError` when the server cannot be reached or `table` is not a log of
    ///   these columns (see `SparkTableStore.openInferenceLog`).
    public static func onSpark(
        _ remote: SparkRemote, session: String? = nil, table: TableName, model: ServedModel, source: String
    ) throws -> InferenceLog {
        let writerRemote = session.map { remote.joining(session: $0) } ?? remote
        return try InferenceLog(
            table: table, location: "Spark at \(remote)", model: model, flushInterval: sparkFlushInterval
        ) { schema in
            try SparkTableStore(session: SparkSession(remote: writerRemote, cancellation: Cancellation()))
                .openInferenceLog(table, schema: schema, source: source)
        }
    }
}

extension SparkTableStore: RemoteTableStorage {
    public func inferenceLog(_ table: TableName, model: ServedModel, source: String) throws -> InferenceLog {
        try InferenceLog.onSpark(session.remote, session: session.sessionID, table: table, model: model, source: source)
    }
}
