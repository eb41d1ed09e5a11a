import MLCore

/// Where an inference log's rows go: a table that only grows, one append at a time. The
/// workspace store's is `InferenceLogTable`; Spark's is `SparkInferenceLog` (target SparkConnect).
///
/// An instance is used by one thread only (the log's writer), which opens it, so a store
/// connection never crosses threads.
public protocol InferenceLogStorage: AnyObject {
    var name: TableName { get }
    var schema: [ColumnSchema] { get }
    /// The rows stored so far.
    var rowCount: Int { get }

    /// Appends the rows of `batch` (in `schema`'s columns: `LogBatch.write`), all or none: a
    /// failure leaves the log as it was.
    func append(_ batch: LogBatch) throws

    /// Brings about `rows` appended rows (at least one append's) up to date where they were
    /// stored in a cheaper form or recorded late: the workspace store turns stored chunks into
    /// the table's rows (`InferenceLogTable`), Spark records a row count that an append could not.
    /// The log's writer calls this when the server is idle, and when it stops.
    ///
    /// - Throws: `EngineError` whose message says what is not up to date and what brings it up
    ///   to date.
    func settle(atMost rows: Int) throws
}

/// The refusals both stores give for an inference log's table.
public enum InferenceLogProblem {
    /// A write (load, save, append, a transform) aimed at an inference log.
    public static func appendOnly(_ name: TableName) -> EngineError {
        EngineError(
            .invalidArgument,
            "\(name.displayName) is an inference log, which only a scoring server appends to; it cannot be loaded, saved or appended to",
            hint: "save under another name, e.g. 'save as \(name.displayName)_copy'")
    }

    /// A log opened on a table that holds loaded or saved rows.
    public static func notALog(_ version: TableVersion) -> EngineError {
        EngineError(
            .invalidArgument,
            "\(version.name.displayName) is a stored table (version \(version.version), written by \(version.operation), \(version.rowCount) rows), not an inference log",
            hint:
                "an inference log needs a table of its own: log to another name, e.g. \(version.name.schema).inference")
    }

    /// A log opened for rows with other columns than it holds.
    public static func otherColumns(_ version: TableVersion, _ schema: [ColumnSchema]) -> EngineError {
        let stored = Set(version.schema.map(\.name))
        let wanted = Set(schema.map(\.name))
        var notes: [String] = []
        let missing = schema.map(\.name).filter { !stored.contains($0) }
        let extra = version.schema.map(\.name).filter { !wanted.contains($0) }
        if !missing.isEmpty { notes.append("not in the log: \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { notes.append("only in the log: \(extra.joined(separator: ", "))") }
        if notes.isEmpty { notes.append("the same names, in another order or with other types") }
        return EngineError(
            .invalidArgument,
            "the inference log \(version.name.displayName) has other columns than this model's log rows",
            hint: "log this model to a new table with log=TABLE", notes: notes)
    }
}
