import Engine
import Foundation

/// The current frame and the table store it reads from: what the data, exploration and
/// preparation commands touch, and what the modelling commands read.
///
/// The store is opened on first use (so starting the shell costs nothing); the frame's rows are
/// read from it only when a command needs them. Tables live in the workspace's SQLite files, or
/// on Spark when `$SPARK_REMOTE` (read at start, as PySpark does) or `tables uri=sc://…` names a
/// Spark Connect server.
final class FrameState {
    let workspace: Workspace
    let cancellation: Cancellation
    /// Opens a Spark Connect server's table store.
    private let remoteTables: @Sendable (SparkRemote, Cancellation) -> any RemoteTableStorage
    /// The current table: its origin, the steps applied since, and its rows once read.
    var frame: Frame?
    /// The Spark Connect address tables go to, as given (checked when the store is opened); nil
    /// for the workspace store.
    private(set) var sparkAddress: String?
    private var workspaceTables: TableStore?
    private var sparkStore: (any RemoteTableStorage)?

    init(
        workspace: Workspace, remoteTables: @escaping @Sendable (SparkRemote, Cancellation) -> any RemoteTableStorage,
        cancellation: Cancellation
    ) {
        self.workspace = workspace
        self.remoteTables = remoteTables
        self.cancellation = cancellation
        sparkAddress = SparkRemote.environmentAddress
    }

    /// The table store, opened on first use.
    ///
    /// - Throws: `EngineError.invalidArgument` when `$SPARK_REMOTE` is not a Spark Connect address.
    func store() throws -> any TableStorage {
        guard let sparkAddress else { return try workspaceStore() }
        if let sparkStore { return sparkStore }
        let store = remoteTables(try SparkRemote(parsing: sparkAddress), cancellation)
        sparkStore = store
        return store
    }

    /// The Spark Connect store the tables live in (opened on first use); nil when they are in
    /// the workspace store.
    ///
    /// - Throws: `EngineError.invalidArgument` when `$SPARK_REMOTE` is not a Spark Connect address.
    func remoteStore() throws -> (any RemoteTableStorage)? {
        guard sparkAddress != nil else { return nil }
        _ = try store()
        return sparkStore
    }

    /// The workspace's own store, wherever tables live: `sql` over the tracking catalog reads it.
    func workspaceStore() throws -> TableStore {
        if let workspaceTables { return workspaceTables }
        let store = try TableStore(directory: workspace.layout.tablesDirectory, cancellation: cancellation)
        workspaceTables = store
        return store
    }

    /// Makes the Spark Connect server at `address` (or, with nil, the workspace) the home of the
    /// session's tables. The current frame stays, its rows read from where they were first (a
    /// frame whose rows cannot be read, a table too large for memory, is closed).
    ///
    /// - Returns: why the frame was closed, nil when it stayed (or there was none).
    /// - Throws: `EngineError.invalidArgument` when `address` is not a Spark Connect address.
    @discardableResult
    func moveTables(to address: String?) throws -> String? {
        if let address { _ = try SparkRemote(parsing: address) }
        // The frame keeps its rows: read from the store it came from, before that store goes.
        var closed: String?
        if let open = frame {
            do { _ = try currentTable() } catch {
                closed = "the frame \(open.name) was closed: its rows could not be read (\(reported(error)))"
                frame = nil
            }
        }
        sparkAddress = address
        sparkStore = nil
        return closed
    }

    /// The current frame's rows, read from the store on first use.
    ///
    /// - Throws: `EngineError.invalidArgument` when there is no current table.
    func currentTable() throws -> Table {
        guard var current = frame else {
            throw EngineError(
                .invalidArgument, "there is no current table",
                hint: "load a CSV file (load FILE as SCHEMA.TABLE) or open a stored table (use fsp.faults)")
        }
        if let table = current.table { return table }
        guard case .stored(let version) = current.origin else {
            throw EngineError(.invalidData, "the current frame has no rows")
        }
        var table = try store().read(version)
        var rows = Array(0..<table.rowCount)
        for step in current.steps { (table, rows) = try step.apply(to: table, rows: rows) }
        current.table = table
        current.sourceRows = rows
        frame = current
        return table
    }

    /// The current frame's version and its store's statistics, when the frame is a stored table
    /// with no steps whose rows are not in memory and the store computes statistics where the rows
    /// are (Spark): `describe`, `counts`, `corr` and `hist` then never pull the rows.
    func storedStatistics() throws -> (version: TableVersion, statistics: any StoredStatistics)? {
        guard let frame, frame.table == nil, frame.steps.isEmpty, case .stored(let version) = frame.origin,
            let statistics = try store().statistics
        else { return nil }
        return (version, statistics)
    }

    /// The current frame's column names, without reading rows (for completion).
    var currentColumnNames: [String] {
        if let table = frame?.table { return table.columnNames }
        if case .stored(let version)? = frame?.origin, frame?.steps.isEmpty == true {
            return version.schema.map(\.name)
        }
        return []
    }

    /// Makes a stored version the current frame, with no steps.
    func open(_ version: TableVersion) {
        frame = Frame(origin: .stored(version))
    }

    /// Makes the rows read of a part of a stored version the current frame, with no steps.
    func open(_ part: TablePart, of version: TableVersion, rows table: Table) {
        frame = Frame(
            origin: .part(version, part, digest: table.contentDigest), table: table,
            sourceRows: Array(0..<table.rowCount))
    }

    /// Applies a preparation step to the current frame and records it in the lineage.
    ///
    /// - Returns: the frame's rows before and after.
    @discardableResult
    func apply(_ step: FrameStep) throws -> (before: Table, after: Table) {
        let before = try currentTable()
        let (after, rows) = try step.apply(to: before, rows: frame!.sourceRows)
        frame?.steps.append(step)
        frame?.table = after
        frame?.sourceRows = rows
        return (before, after)
    }

    /// Checks that `plate N` names a row of `table` (the frame: rows are 0-based).
    func checkPlate(_ row: Int, of table: Table, range: SourceRange) throws {
        guard row < table.rowCount else {
            throw Diagnostic(
                EngineError(
                    .invalidArgument, "the frame has rows 0 to \(table.rowCount - 1); there is no plate \(row)"),
                range: range)
        }
    }

    /// The current frame's rows' positions in its origin (stored version or query result).
    func currentSourceRows() throws -> [Int] {
        _ = try currentTable()
        return frame!.sourceRows
    }

    /// The frame's name for titles, or "the frame".
    var name: String { frame?.name ?? "the frame" }
}
