import MLCore

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

    /// Reads a part of one version of `name` (the latest when `number` is nil) into memory: a
    /// sample, or the first rows; the way into a table too large to read whole.
    ///
    /// - Returns: the version the part was read from, and the part's rows.
    /// - Throws: `EngineError.unknownVersion` as `version(_:_:)` does, and `invalidArgument`
    ///   when the part itself is too large to read.
    func read(_ name: TableName, version number: Int?, part: TablePart) throws
        -> (version: TableVersion, table: Table)

    /// What the last read of rows (`read`, `query`) noted of how they were converted, e.g.
    /// "column 'price' is decimal(10,2) in Spark; read as double"; empty when nothing was.
    var readNotes: [String] { get }

    /// Runs one read-only query (in the store's SQL dialect) and returns its result.
    func query(_ sql: String) throws -> Table

    /// Loads a CSV file as a new version of `name`; a failed load leaves earlier versions as they were.
    func load(csv path: String, as name: TableName, mode: WriteMode, options: CSVOptions) throws -> TableVersion

    /// Writes `table` as a new version of `name`.
    @discardableResult
    func write(_ table: Table, as name: TableName, mode: WriteMode, source: String, operation: String) throws
        -> TableVersion

    /// Passes one version of `source` (the latest when `number` is nil) through `transform` into
    /// a new version of `target` that replaces its rows: on Spark batch by batch as they stream,
    /// so memory stays bounded whatever the table's size (`predict … on=TABLE into=TABLE`); on
    /// the workspace store as one batch. `describe` names the new version's source from the
    /// input version. A failure leaves `target` as it was.
    func transform(
        _ source: TableName, version number: Int?, into target: TableName, operation: String,
        describe: (TableVersion) -> String, _ transform: (Table) throws -> Table
    ) throws -> TableTransform

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

    /// The workspace's tables hold PlateShell's own types: reading converts nothing.
    public var readNotes: [String] { [] }

    public func read(_ name: TableName, version number: Int?, part: TablePart) throws
        -> (version: TableVersion, table: Table)
    {
        let version = try version(name, number)
        let table = try read(version)
        return (version, table.selecting(rows: part.rows(of: table)))
    }

    public func transform(
        _ source: TableName, version number: Int?, into target: TableName, operation: String,
        describe: (TableVersion) -> String, _ transform: (Table) throws -> Table
    ) throws -> TableTransform {
        let input = try version(source, number)
        let rows = try read(input)
        let output = try write(try transform(rows), as: target, source: describe(input), operation: operation)
        return TableTransform(
            input: input, inputDigest: input.digest, inputRows: rows.rowCount,
            inputColumns: rows.columns.map { ColumnSchema(name: $0.name, type: $0.type) }, output: output)
    }

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

/// What `TableStorage.transform` read and wrote.
public struct TableTransform: Sendable {
    /// The version read.
    public let input: TableVersion
    /// The digest of the rows read (on Spark, of what the server returned).
    public let inputDigest: String
    public let inputRows: Int
    public let inputColumns: [ColumnSchema]
    /// The version written.
    public let output: TableVersion

    public init(
        input: TableVersion, inputDigest: String, inputRows: Int, inputColumns: [ColumnSchema], output: TableVersion
    ) {
        self.input = input
        self.inputDigest = inputDigest
        self.inputRows = inputRows
        self.inputColumns = inputColumns
        self.output = output
    }
}
