/// Where a session's tables live: the workspace's SQLite files (`TableStore`, the default) or a
/// Spark cluster through Spark Connect (`SparkTableStore`). The data commands talk to this
/// protocol only, so `load`, `tables`, `history`, `use`, `save`, `sql` and `predict … into=`
/// read and write the same way on either.
///
/// ## Topics
/// - ``TableStore``
/// - ``TableVersion``
public protocol TableStorage: AnyObject {
    /// Where the tables are, as messages name it ("the workspace store", "Spark at sc://…").
    var location: String { get }

    /// The latest version of every table, sorted by name.
    func tables() throws -> [TableVersion]

    /// Schemas the store could not read and left out of `tables()` (found by the calls so far).
    var damagedSchemas: [DamagedSchema] { get }

    /// Every version of `name` that the store can tell of, oldest first.
    ///
    /// - Throws: `EngineError.unknownTable` with suggestions when the table does not exist.
    func versions(of name: TableName) throws -> [TableVersion]

    /// One version of `name`: the latest when `number` is nil.
    ///
    /// - Throws: `EngineError.unknownVersion` when there is no such version, or when the store
    ///   cannot read earlier versions back.
    func version(_ name: TableName, _ number: Int?) throws -> TableVersion

    /// Reads one version's rows into memory.
    func read(_ version: TableVersion) throws -> Table

    /// Runs one read-only query (in the store's SQL dialect) and returns its result.
    func query(_ sql: String) throws -> Table

    /// Loads a CSV file as a new version of `name`; a failed load leaves earlier versions as they were.
    func load(csv path: String, as name: TableName, mode: WriteMode, options: CSVOptions) throws -> TableVersion

    /// Writes `table` as a new version of `name`.
    @discardableResult
    func write(_ table: Table, as name: TableName, mode: WriteMode, source: String, operation: String) throws
        -> TableVersion

    /// Statistics the store computes without reading the rows out (nil: read them).
    var statistics: (any StoredStatistics)? { get }

    /// What `tables status` shows of the store, as (field, value) pairs: where it is and, for a
    /// server, what answered (checking that it answers).
    func status() throws -> [(field: String, value: String)]

    /// Makes the tracking catalog at `path` readable by `query` where the store can (schema `catalog`).
    func attachCatalog(at path: String) throws
}

extension TableStore: TableStorage {
    public var location: String { "the workspace store (\(directory))" }

    /// The workspace's tables are read whole: it is as fast as any query over one file.
    public var statistics: (any StoredStatistics)? { nil }

    public func status() throws -> [(field: String, value: String)] {
        [
            ("store", "workspace (SQLite)"), ("directory", directory), ("schemas", schemas.joined(separator: ", ")),
            ("versions", "every version is kept: 'use TABLE version=N' reads any"),
        ] + damagedSchemas.map { ("damaged", "\($0.schema) (\($0.file): \($0.reason))") }
    }
}

extension TableStorage {
    /// A store whose schemas live elsewhere (a Spark cluster) reports no damaged files.
    public var damagedSchemas: [DamagedSchema] { [] }

    /// The latest version of `name`.
    public func version(_ name: TableName) throws -> TableVersion { try version(name, nil) }

    /// Writes `table` as a new version of `name`, replacing its rows.
    @discardableResult
    public func write(_ table: Table, as name: TableName, source: String, operation: String) throws -> TableVersion {
        try write(table, as: name, mode: .overwrite, source: source, operation: operation)
    }
}
