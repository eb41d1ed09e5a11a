import Engine
import Foundation
import SparkConnectProtocol

/// PlateShell's tables on a Spark cluster, through Spark Connect: the `TableStorage` a session
/// uses when `$SPARK_REMOTE` or `tables uri=sc://…` names a server.
///
/// PlateShell's schema `main` is Spark's database `default`; `fsp.faults` is the table `faults`
/// in database `fsp`. A write sends the rows as Arrow batches into a staging table, records the
/// version (rows, digest, source, operation, time) in the staging table's properties beside the
/// versions recorded before, and only then puts it in the place of the earlier table, so a
/// failed, cancelled or killed write never leaves a half table under the table's name. Plain
/// Spark tables keep no earlier rows: `history` lists what PlateShell recorded, and only the
/// latest version can be read.
public final class SparkTableStore: TableStorage {
    public let session: SparkSession
    /// The last table read by `version` (to learn the digest of a table PlateShell did not
    /// write), handed to the `read` that usually follows.
    private var lastRead: (version: TableVersion, table: Table)?
    /// The Arrow bytes of a batch sent with a write, aimed at: every batch is one Spark job (its
    /// commit costs about a second), so few large ones; each is one message, which must stay
    /// below Spark Connect's 128 MiB inbound limit (`maximumBatchBytes`, the batch halved above).
    static let batchBytes = 96 << 20
    static let maximumBatchBytes = 120 << 20

    /// What the last read of rows noted of their conversion (a decimal column read as double).
    public private(set) var readNotes: [String] = []
    /// The inference logs this store has seen. Spark caches a table's files per session, and a
    /// log grows from other sessions (a `plateshell serve` elsewhere): each read of one refreshes
    /// it first.
    private var knownLogs: Set<TableName> = []

    /// Reads the rows of `relation`, keeping their conversion notes in `readNotes`.
    private func collectNoting(_ relation: Spark_Connect_Relation) throws -> Table {
        let (table, notes) = try session.collectNoting(relation)
        readNotes = notes
        return table
    }

    public init(session: SparkSession) {
        self.session = session
    }

    public var location: String { "Spark at \(session.remote)" }

    public var statistics: (any StoredStatistics)? { SparkStatistics(session: session) }

    // MARK: - Reading

    public func tables() throws -> [TableVersion] {
        var found: [TableVersion] = []
        for database in try databases() {
            let listing = try session.collect(sql: "SHOW TABLES IN \(Self.quote(database))")
            let names = try listing.column(named: "tableName")
            let temporary = try? listing.column(named: "isTemporary")
            for row in 0..<listing.rowCount {
                if temporary?.value(at: row) == .integer(1) { continue }
                guard case .text(let table) = names.value(at: row), !SparkTableNames.isInternal(table),
                    let name = try? TableName(schema: SparkTableNames.schema(forDatabase: database), table: table)
                else { continue }
                found.append(try latest(name, readingRows: false))
            }
        }
        return found.sorted { $0.name < $1.name }
    }

    public func versions(of name: TableName) throws -> [TableVersion] {
        let recorded = try recordedVersions(of: name)
        return recorded.isEmpty ? [try latest(name, readingRows: false)] : recorded
    }

    public func version(_ name: TableName, _ number: Int?) throws -> TableVersion {
        let latest = try latest(name)
        guard let number, number != latest.version else { return latest }
        let recorded = try recordedVersions(of: name)
        guard recorded.contains(where: { $0.version == number }) else {
            throw EngineError(
                .unknownVersion, "\(name.displayName) has no version \(number)",
                hint: "'history \(name.displayName)' lists the versions PlateShell recorded")
        }
        throw EngineError(
            .unknownVersion,
            "\(name.displayName) is a plain Spark table: version \(number) is recorded, but its rows were replaced by version \(latest.version) and cannot be read back",
            hint: "only Delta tables keep earlier versions; 'use \(name.displayName)' opens the latest")
    }

    public func read(_ version: TableVersion) throws -> Table {
        if let lastRead, lastRead.version == version { return lastRead.table }
        if !MemoryBudget.fits(version.rowCount, version.schema.count) {
            throw EngineError(
                .invalidArgument,
                "\(version.name.displayName) has \(version.rowCount) rows × \(version.schema.count) columns, more than PlateShell reads into memory (\(MemoryBudget.maximumCells) cells)",
                hint:
                    "describe, counts, corr and hist run on Spark without reading it; 'use \(version.name.displayName) "
                    + "sample=\(MemoryBudget.fittingFraction(rows: version.rowCount, columns: version.schema.count)) seed=1' or "
                    + "'use \(version.name.displayName) limit=N' reads a part of it")
        }
        let current = try latest(version.name)
        if current.version == version.version, current.digest != version.digest {
            // A table written in several batches is several files, which Spark may read in another
            // order; or another client changed the rows.
            throw EngineError(
                .invalidData,
                "\(version.name.displayName) version \(version.version) reads back from Spark with other rows or in another order than recorded (\(current.digest.prefix(19))… for \(version.digest.prefix(19))…)",
                hint: "'use \(version.name.displayName)' opens the rows as Spark returns them, under their own digest")
        }
        guard current.version == version.version, current.digest == version.digest, let lastRead else {
            throw EngineError(
                .unknownVersion,
                "\(version.name.displayName) version \(version.version) was replaced on Spark (it now holds version \(current.version), \(current.digest.prefix(19))…)",
                hint: "plain Spark tables keep only their latest rows; 'use \(version.name.displayName)' opens them")
        }
        return lastRead.table
    }

    public func read(_ name: TableName, version number: Int?, part: TablePart) throws
        -> (version: TableVersion, table: Table)
    {
        let latest = try latest(name, readingRows: false)
        if let number, number != latest.version { _ = try version(name, number) }
        let columns = latest.schema.count
        var relation = Spark_Connect_Relation()
        relation.read.namedTable.unparsedIdentifier = SparkTableNames.qualified(name)
        switch part {
        case .sample(let fraction, let seed):
            let expected = Int((Double(latest.rowCount) * fraction).rounded(.up))
            guard MemoryBudget.fits(expected, columns) else {
                throw EngineError(
                    .invalidArgument,
                    "\(part) of \(name.displayName) is about \(expected) rows × \(columns) columns, more than PlateShell reads into memory (\(MemoryBudget.maximumCells) cells)",
                    hint:
                        "take a smaller sample: sample=\(MemoryBudget.fittingFraction(rows: latest.rowCount, columns: columns))"
                )
            }
            var sample = Spark_Connect_Relation()
            sample.sample.input = relation
            sample.sample.lowerBound = 0
            sample.sample.upperBound = fraction
            sample.sample.withReplacement = false
            sample.sample.seed = Int64(seed)
            relation = sample
        case .limit(let count):
            guard MemoryBudget.fits(count, columns) else {
                throw EngineError(
                    .invalidArgument,
                    "\(count) rows × \(columns) columns of \(name.displayName) are more than PlateShell reads into memory (\(MemoryBudget.maximumCells) cells)",
                    hint: "read at most limit=\(MemoryBudget.maximumCells / max(1, columns)) rows")
            }
            var limit = Spark_Connect_Relation()
            limit.limit.input = relation
            limit.limit.limit = Int32(clamping: count)
            relation = limit
        }
        do {
            return (latest, try collectNoting(relation))
        } catch let error as EngineError where error.message.contains("TABLE_OR_VIEW_NOT_FOUND") {
            throw EngineError.unknownTable(name.displayName, known: (try? tables().map(\.name.displayName)) ?? [])
        }
    }

    public func query(_ sql: String) throws -> Table {
        for log in knownLogs.sorted(by: { $0.displayName < $1.displayName }) {
            do {
                try refresh(log)
            } catch let error as EngineError where error.message.contains("TABLE_OR_VIEW_NOT_FOUND") {
                knownLogs.remove(log) // dropped since: nothing cached to refresh
            }
        }
        var relation = Spark_Connect_Relation()
        relation.sql.query = try SparkReadOnlySQL.wrap(sql)
        return try collectNoting(relation)
    }

    /// Spark cannot read the workspace's tracking catalog: `sql` over `catalog.*` needs the
    /// workspace store (`tables uri=local`).
    public func attachCatalog(at path: String) throws {}

    public func status() throws -> [(field: String, value: String)] {
        let version = try session.sparkVersion()
        let settings = try session.configuration(["spark.sql.extensions", "spark.sql.warehouse.dir"])
        let delta = (settings["spark.sql.extensions"] ?? nil)?.contains("DeltaSparkSessionExtension") == true
        return [
            ("store", "Spark (Spark Connect)"), ("address", session.remote.description), ("spark_version", version),
            ("session_id", session.sessionID), ("server_session_id", session.serverSessionID ?? ""),
            ("user", session.remote.userID), ("warehouse", (settings["spark.sql.warehouse.dir"] ?? nil) ?? ""),
            ("reattached_streams", String(session.reattachments)),
            (
                "versions",
                delta
                    ? "the server has Delta, but PlateShell writes plain tables: history lists PlateShell's records; earlier rows cannot be read back"
                    : "plain Spark tables: history lists the loads and saves PlateShell recorded; earlier rows cannot be read back"
            ),
        ]
    }

    /// The latest version of `name`. With `readingRows` (and rows that fit in memory) its rows are
    /// read and the version carries the digest of what was read: PlateShell's record when it
    /// matches, else a version saying the rows differ from the record (Spark returned them in
    /// another order, or another client changed the table). Without, PlateShell's record, or for
    /// a table PlateShell did not write its row count and columns with no digest.
    func latest(_ name: TableName, readingRows: Bool = true) throws -> TableVersion {
        readNotes = []
        var recorded = try recordedVersions(of: name).last
        let quoted = SparkTableNames.quoted(name)
        // A log grows after its record: its rows are counted (`SparkInferenceLog`), afresh.
        if let log = recorded, log.isLog {
            knownLogs.insert(name)
            try refresh(name)
            recorded = log.growing(to: try countRows(quoted))
        }
        if let recorded, !readingRows || !MemoryBudget.fits(recorded.rowCount, recorded.schema.count) {
            return recorded
        }
        let rows = try recorded?.rowCount ?? countRows(quoted)
        let external = TableVersion(
            name: name, version: 1, rowCount: rows, digest: "",
            schema: try session.collect(sql: "SELECT * FROM \(quoted) LIMIT 0").columns.map {
                ColumnSchema(name: $0.name, type: $0.type)
            },
            source: "spark:\(SparkTableNames.qualified(name))", operation: "external", createdAt: "",
            sparkTable: SparkTableNames.qualified(name))
        guard readingRows, MemoryBudget.fits(rows, external.schema.count) else { return recorded ?? external }
        let table = try readRows(of: name)
        let digest = table.contentDigest
        if let recorded, recorded.digest == digest {
            lastRead = (recorded, table)
            return recorded
        }
        let base = recorded ?? external
        let version = TableVersion(
            name: name, version: base.version, rowCount: table.rowCount, digest: digest,
            schema: table.columns.map { ColumnSchema(name: $0.name, type: $0.type) }, source: base.source,
            operation: recorded == nil
                ? "external"
                : base.isLog ? base.operation : "\(base.operation); read back with other rows or order than recorded",
            createdAt: base.createdAt, sparkTable: base.sparkTable)
        lastRead = (version, table)
        return version
    }

    /// Drops what this session cached of the table `name` (its files), so the next read lists them again.
    private func refresh(_ name: TableName) throws {
        try session.run(sql: "REFRESH TABLE \(SparkTableNames.quoted(name))")
    }

    /// The number of rows of the table `quoted` names.
    func countRows(_ quoted: String) throws -> Int {
        let answer = try session.collect(sql: "SELECT count(*) AS n FROM \(quoted)")
        guard let count = answer.columns.first?.double(at: 0), let rows = Int(exactly: count) else {
            throw EngineError(.invalidData, "Spark answered no row count for \(quoted)")
        }
        return rows
    }

    /// The versions PlateShell recorded in the table's properties, oldest first; empty for a
    /// table PlateShell did not write.
    func recordedVersions(of name: TableName) throws -> [TableVersion] {
        let properties: Table
        do {
            properties = try session.collect(sql: "SHOW TBLPROPERTIES \(SparkTableNames.quoted(name))")
        } catch let error as EngineError where error.message.contains("TABLE_OR_VIEW_NOT_FOUND") {
            // A write killed between its renames left the table aside: it comes back first.
            if try recoverInterruptedWrite(name) { return try recordedVersions(of: name) }
            throw EngineError.unknownTable(name.displayName, known: try tables().map(\.name.displayName))
        }
        guard properties.rowCount > 0 else { return [] }
        let keys = try properties.column(named: "key")
        let values = try properties.column(named: "value")
        for row in 0..<properties.rowCount where keys.value(at: row) == .text(SparkVersionRecord.property) {
            guard case .text(let json) = values.value(at: row) else { return [] }
            return try SparkVersionRecord.decode(json, name: name)
        }
        return []
    }

    private func readRows(of name: TableName) throws -> Table {
        var relation = Spark_Connect_Relation()
        relation.read.namedTable.unparsedIdentifier = SparkTableNames.qualified(name)
        do {
            return try collectNoting(relation)
        } catch let error as EngineError where error.message.contains("TABLE_OR_VIEW_NOT_FOUND") {
            throw EngineError.unknownTable(name.displayName, known: (try? tables().map(\.name.displayName)) ?? [])
        }
    }

    private func databases() throws -> [String] {
        let listing = try session.collect(sql: "SHOW DATABASES")
        guard let column = listing.columns.first else { return [] }
        return (0..<listing.rowCount).compactMap {
            if case .text(let name) = column.value(at: $0) { name } else { nil }
        }
    }

    // MARK: - Writing

    /// Loads a CSV file as a new version of `name`. A new table or an overwrite streams: the file is
    /// checked and its types inferred in a first pass, then converted and sent in chunks of about
    /// `batchBytes` in a second, so memory stays bounded by a chunk for a file of any size. An
    /// append reads the file whole (its rows are checked against the earlier table's).
    public func load(csv path: String, as name: TableName, mode: WriteMode, options: CSVOptions) throws
        -> TableVersion
    {
        let source = CSVSource.recordedSource(path)
        if mode == .append, try tableExists(name) {
            let table = try CSVReader.readTable(path: path, options: options, cancellation: session.cancellation)
            return try write(table, as: name, mode: mode, source: source, operation: "load")
        }
        return try CSVSource.withRegularFile(path, cancellation: session.cancellation) { file in
            let scan = try CSVReader.scan(path: file, options: options, cancellation: session.cancellation)
            try recoverInterruptedWrite(name)
            let recorded = try tableExists(name) ? try recordedVersions(of: name) : []
            if recorded.last?.isLog == true { throw InferenceLogProblem.appendOnly(name) }
            let version = try commit(name, after: recorded) { staging in
                let digest = StreamingTableDigest()
                var sent = false
                var sink = ChunkingRowSink(
                    schema: scan.schema, rowsPerChunk: Self.batchBytes / Self.estimatedRowBytes(scan.schema)
                ) { chunk in
                    digest.append(chunk)
                    try self.send(chunk, into: staging, appending: sent)
                    sent = true
                }
                try CSVReader.read(scan, options: options, into: &sink, cancellation: session.cancellation)
                try sink.finish()
                return TableVersion(
                    name: name, version: (recorded.last?.version ?? 0) + 1, rowCount: digest.rowCount,
                    digest: digest.finish()!, schema: scan.schema, source: source, operation: "load",
                    createdAt: ISO8601DateFormatter.withFractionalSeconds.string(from: Date()),
                    sparkTable: SparkTableNames.qualified(name))
            }
            lastRead = nil
            return version
        }
    }

    @discardableResult
    public func write(_ table: Table, as name: TableName, mode: WriteMode, source: String, operation: String) throws
        -> TableVersion
    {
        try recoverInterruptedWrite(name)
        var recorded: [TableVersion] = []
        var rows = table
        var operation = operation
        if try tableExists(name) {
            recorded = try recordedVersions(of: name)
            if recorded.last?.isLog == true { throw InferenceLogProblem.appendOnly(name) }
            if mode == .append {
                rows = try SparkTableStore.appending(table, to: try read(try latest(name)), name: name)
                operation = "append"
            }
        }
        let version = TableVersion(
            name: name, version: (recorded.last?.version ?? 0) + 1, rowCount: rows.rowCount,
            digest: rows.contentDigest, schema: rows.columns.map { ColumnSchema(name: $0.name, type: $0.type) },
            source: source, operation: operation,
            createdAt: ISO8601DateFormatter.withFractionalSeconds.string(from: Date()),
            sparkTable: SparkTableNames.qualified(name))
        try commit(name, after: recorded) { staging in
            try send(rows, into: staging, appending: false)
            return version
        }
        lastRead = (version, rows)
        return version
    }

    public func transform(
        _ source: TableName, version number: Int?, into target: TableName, operation: String,
        describe: (TableVersion) -> String, _ transform: (Table) throws -> Table
    ) throws -> TableTransform {
        let input = try latest(source, readingRows: false)
        if let number, number != input.version { _ = try version(source, number) }
        let spool = try ArrowSpool()
        let inputDigest = StreamingTableDigest()
        let outputDigest = StreamingTableDigest()
        var inputColumns: [ColumnSchema] = []
        var outputColumns: [ColumnSchema] = []
        var relation = Spark_Connect_Relation()
        relation.read.namedTable.unparsedIdentifier = SparkTableNames.qualified(source)
        do {
            try session.stream(relation) { batch in
                inputDigest.append(batch)
                inputColumns = batch.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
                let output = try transform(batch)
                outputDigest.append(output)
                outputColumns = output.columns.map { ColumnSchema(name: $0.name, type: $0.type) }
                try spool.append(ArrowStreamWriter.stream(output))
            }
        } catch let error as EngineError where error.message.contains("TABLE_OR_VIEW_NOT_FOUND") {
            throw EngineError.unknownTable(source.displayName, known: (try? tables().map(\.name.displayName)) ?? [])
        }
        guard let digest = outputDigest.finish(), let readDigest = inputDigest.finish() else {
            throw EngineError(
                .invalidData, "\(source.displayName) has no rows on Spark",
                hint: "'history \(source.displayName)' shows what was written")
        }
        try recoverInterruptedWrite(target)
        let recorded = try tableExists(target) ? try recordedVersions(of: target) : []
        if recorded.last?.isLog == true { throw InferenceLogProblem.appendOnly(target) }
        let version = TableVersion(
            name: target, version: (recorded.last?.version ?? 0) + 1, rowCount: outputDigest.rowCount, digest: digest,
            schema: outputColumns, source: describe(input), operation: operation,
            createdAt: ISO8601DateFormatter.withFractionalSeconds.string(from: Date()),
            sparkTable: SparkTableNames.qualified(target))
        try commit(target, after: recorded) { staging in
            // The spooled batches regrouped into writes of about `batchBytes`.
            var builder = ArrowTableBuilder()
            var bytes = 0
            var sent = false
            try spool.readBack { stream in
                try builder.append(stream: stream)
                bytes += stream.count
                guard bytes >= Self.batchBytes else { return }
                try send(try builder.build(), into: staging, appending: sent)
                (builder, bytes, sent) = (ArrowTableBuilder(), 0, true)
            }
            if bytes > 0 || !sent { try send(try builder.build(), into: staging, appending: sent) }
            return version
        }
        return TableTransform(
            input: input, inputDigest: readDigest, inputRows: inputDigest.rowCount, inputColumns: inputColumns,
            output: version)
    }

    /// Writes a new table `staging` with `send`, which returns the version it wrote; records that
    /// version after the `recorded` ones in the table's properties, and puts the table in the place
    /// of `name`. Any failure (Ctrl-C included) drops the staging table and leaves the earlier table
    /// as it was.
    @discardableResult
    func commit(
        _ name: TableName, after recorded: [TableVersion], send: (String) throws -> TableVersion
    ) throws -> TableVersion {
        if name.schema != TableName.defaultSchema {
            try session.run(sql: "CREATE DATABASE IF NOT EXISTS \(Self.quote(name.schema))")
        }
        let staging = SparkTableNames.staging(for: name)
        do {
            let version = try send(staging)
            let record = try SparkVersionRecord.encode(recorded + [version])
            try session.run(
                sql:
                    "ALTER TABLE \(staging) SET TBLPROPERTIES ('\(SparkVersionRecord.property)' = \(SparkSQLText.literal(record)))"
            )
            try replace(name, with: staging)
            return version
        } catch {
            // Undone even after Ctrl-C: the staging table goes, and an earlier table that was set
            // aside comes back. Failing that too (the server gone), the next write of the name does it.
            try? session.uninterruptibly {
                try session.run(sql: "DROP TABLE IF EXISTS \(staging)")
                try recoverInterruptedWrite(name)
            }
            throw error
        }
    }

    /// Sends the rows to the table `staging` in Arrow batches of at most `batchBytes`: the first
    /// creates it (unless `appending`), the others append. Each batch is written as one file (a
    /// repartition to one partition, without a shuffle), so a table sent in one batch reads back
    /// in its order.
    func send(_ table: Table, into staging: String, appending: Bool) throws {
        var start = 0
        var batchRows = max(1, Self.batchBytes / Self.estimatedRowBytes(table))
        repeat {
            let end = min(table.rowCount, start + batchRows)
            let data = ArrowStreamWriter.stream(table, rows: start..<end)
            if data.count > Self.maximumBatchBytes, end - start > 1 {
                batchRows = max(1, (end - start) / 2)
                continue
            }
            var relation = Spark_Connect_Relation()
            relation.localRelation.data = data
            var onePartition = Spark_Connect_Relation()
            onePartition.repartition.input = relation
            onePartition.repartition.numPartitions = 1
            onePartition.repartition.shuffle = false
            var write = Spark_Connect_WriteOperation()
            write.input = onePartition
            write.table.tableName = staging
            write.table.saveMethod = .saveAsTable
            write.mode = start == 0 && !appending ? .overwrite : .append
            var command = Spark_Connect_Command()
            command.writeOperation = write
            try session.run(command)
            try session.cancellation.check()
            start = end
        } while start < table.rowCount
    }

    /// The Arrow bytes a row of `schema` takes before its texts are seen: 8 per number and its
    /// validity bit, 32 per text and its offset.
    static func estimatedRowBytes(_ schema: [ColumnSchema]) -> Int {
        schema.reduce(1) { $0 + ($1.type == .text ? 37 : 9) }
    }

    /// The Arrow bytes a row of `table` takes, about: 8 per number, the average length of a
    /// sample of each text column plus its offset, and the validity bits.
    static func estimatedRowBytes(_ table: Table) -> Int {
        var bytes = 1
        for column in table.columns {
            guard case .text(let values) = column.storage else {
                bytes += 9
                continue
            }
            let sample = values.prefix(1000)
            bytes += 5 + sample.reduce(0) { $0 + $1.utf8.count } / max(1, sample.count)
        }
        return bytes
    }

    /// Puts `staging` in the place of `name`: the earlier table is renamed aside, the staging
    /// table renamed in, then the earlier one dropped. A kill between the renames leaves the
    /// earlier table whole under its aside name, which the next write of `name` moves back.
    private func replace(_ name: TableName, with staging: String) throws {
        let target = SparkTableNames.quoted(name)
        let aside = SparkTableNames.aside(for: name)
        if try tableExists(name) {
            try session.run(sql: "DROP TABLE IF EXISTS \(aside)")
            try session.run(sql: "ALTER TABLE \(target) RENAME TO \(aside)")
        }
        try session.run(sql: "ALTER TABLE \(staging) RENAME TO \(target)")
        try session.run(sql: "DROP TABLE IF EXISTS \(aside)")
    }

    /// Undoes what a killed write of `name` left: staging tables are dropped, and an earlier
    /// table set aside is moved back to its name when the name holds no table.
    ///
    /// - Returns: whether a table was moved back.
    @discardableResult
    func recoverInterruptedWrite(_ name: TableName) throws -> Bool {
        let database = SparkTableNames.database(forSchema: name.schema)
        guard try databases().contains(database) else { return false }
        let staged = try session.collect(
            sql:
                "SHOW TABLES IN \(Self.quote(database)) LIKE \(SparkSQLText.literal(SparkTableNames.stagingPattern(for: name)))"
        )
        if let names = staged.columns.first(where: { $0.name == "tableName" }) {
            for row in 0..<staged.rowCount {
                guard case .text(let table) = names.value(at: row), SparkTableNames.isStaging(table, of: name) else {
                    continue
                }
                try session.run(sql: "DROP TABLE IF EXISTS \(Self.quote(database)).\(Self.quote(table))")
            }
        }
        guard try !tableExists(name) else { return false }
        let aside = SparkTableNames.asideTable(for: name)
        let listing = try session.collect(
            sql: "SHOW TABLES IN \(Self.quote(database)) LIKE \(SparkSQLText.literal(aside))"
        )
        guard listing.rowCount > 0 else { return false }
        try session.run(
            sql: "ALTER TABLE \(SparkTableNames.aside(for: name)) RENAME TO \(SparkTableNames.quoted(name))")
        return true
    }

    func tableExists(_ name: TableName) throws -> Bool {
        let database = SparkTableNames.database(forSchema: name.schema)
        guard try databases().contains(database) else { return false }
        let listing = try session.collect(
            sql: "SHOW TABLES IN \(Self.quote(database)) LIKE \(SparkSQLText.literal(name.table))"
        )
        return listing.rowCount > 0
    }

    /// `new` after the rows of `old`, with the columns the workspace store's append gives
    /// (`TableStore.appendedSchema`: the same names in order, integer meeting real read as real).
    static func appending(_ new: Table, to old: Table, name: TableName) throws -> Table {
        let schema = try TableStore.appendedSchema(
            old.columns.map { ColumnSchema(name: $0.name, type: $0.type) },
            new.columns.map { ColumnSchema(name: $0.name, type: $0.type) }, name)
        return try Table(
            columns: zip(schema, zip(old.columns, new.columns)).map { column, pair in
                let (stored, incoming) = pair
                let cells = (0..<stored.count).map(stored.value(at:)) + (0..<incoming.count).map(incoming.value(at:))
                return Column(name: column.name, type: column.type, values: cells)
            })
    }

    static func quote(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`"
    }
}
