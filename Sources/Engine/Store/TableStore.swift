import Foundation
import GRDB
import GRDBSQLite
import MLCore

/// The embedded table store: versioned tables in SQLite files under the workspace.
///
/// Each schema is one SQLite database, `DIR/SCHEMA.sqlite` (`main.sqlite` is the connection's
/// main database; the others are attached under their schema name), so `sql select count(*) from
/// fsp.faults` works as written. Every version of a table is its own SQLite table
/// (`_v3_faults`); a view named like the table points at the latest version; the schema's
/// `_plateshell_versions` table describes every version (rows, digest, columns, source, time).
///
/// A write creates the version table, fills it, records it and moves the view in one transaction
/// of one database file: a failure, Ctrl-C or kill -9 at any point leaves the previous versions
/// exactly as they were.
///
/// ## Topics
/// - ``TableName``
/// - ``TableVersion``
/// - ``TableWriter``
public final class TableStore {
    /// The directory holding the schema databases.
    public let directory: String
    let queue: DatabaseQueue
    let cancellation: Cancellation
    private var attachedSchemas: Set<String>
    /// Schemas whose files SQLite cannot read, set aside (by schema name, sorted).
    public private(set) var damagedSchemas: [DamagedSchema] = []
    private var catalogAttached = false
    /// The clock for version timestamps (tests inject a fixed one).
    public var now: () -> Date = Date.init

    static let versionsTable = "_plateshell_versions"
    /// How long a statement waits for another shell's write to the same schema.
    static let busyTimeoutSeconds: Double = 10

    /// Opens (or creates) the store in `directory`.
    ///
    /// - Throws: `EngineError.io` when the directory or a database cannot be opened.
    public init(directory: String, cancellation: Cancellation = Cancellation()) throws {
        self.directory = directory
        self.cancellation = cancellation
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
            configuration.prepareDatabase { db in
                // The main database in WAL with synchronous=NORMAL (SQLite's recommended setting).
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                let context = Unmanaged.passUnretained(cancellation).toOpaque()
                sqlite3_progress_handler(
                    db.sqliteConnection, 20_000,
                    { context in
                        Unmanaged<Cancellation>.fromOpaque(context!).takeUnretainedValue().isRequested ? 1 : 0
                    }, context)
            }
            let main = (directory as NSString).appendingPathComponent("main.sqlite")
            do {
                queue = try DatabaseQueue(path: main, configuration: configuration)
                try queue.inDatabase { db in
                    try db.enableWriteAheadLog(timeout: .seconds(Self.busyTimeoutSeconds))
                    try Self.createVersionsTable(in: TableName.defaultSchema, db)
                }
            } catch let error as DatabaseError where DamagedSchema.isDamage(error) {
                // The main schema's file carries the connection: the others cannot be reached without it.
                throw DamagedSchema(
                    schema: TableName.defaultSchema, file: main, reason: error.message ?? "\(error.resultCode)"
                ).error
            }
            attachedSchemas = [TableName.defaultSchema]
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            for file in files where file.hasSuffix(".sqlite") {
                let schema = String(file.dropLast(".sqlite".count))
                if schema != TableName.defaultSchema, (try? TableName(schema: schema, table: "x")) != nil {
                    try attach(schema)
                }
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(
                .io,
                "cannot open the table store in '\(directory)': \(FileSystemProblem.reason(for: error, at: directory))",
                hint: "choose a workspace directory you can write to with --workspace DIR (it is created when missing)")
        }
    }

    /// The readable schemas that hold tables (or were created), `main` first.
    public var schemas: [String] {
        let main = TableName.defaultSchema
        return (attachedSchemas.contains(main) ? [main] : []) + attachedSchemas.subtracting([main]).sorted()
    }

    /// The latest version of every stored table of the healthy schemas, sorted by name. A schema
    /// whose file turns out damaged is set aside (`damagedSchemas`) instead of failing the list.
    public func tables() throws -> [TableVersion] {
        try schemas.flatMap { schema -> [TableVersion] in
            try settleLogs(in: schema)
            // Settling may have found the schema's file damaged, and set it aside.
            guard attachedSchemas.contains(schema) else { return [] }
            return try readingSchema(schema) { db in
                try Self.fetchVersions(
                    db, schema: schema,
                    where: """
                        version = (SELECT max(version) FROM \(SQLIdentifier.quote(schema)).\(Self.versionsTable) AS w
                                   WHERE w.table_name = v.table_name)
                        """)
            } ?? []
        }.sorted { $0.name < $1.name }
    }

    /// Every version of `name`, oldest first. An inference log's rows are settled first
    /// (`settleLog`), so its latest version counts every row appended so far, and its digest is
    /// brought up to date (`refreshLogDigest`).
    ///
    /// - Throws: `EngineError.unknownTable` with suggestions when the table does not exist;
    ///   `.io` naming the file and its repair when the table's schema is damaged.
    public func versions(of name: TableName) throws -> [TableVersion] {
        var found = try storedVersions(of: name)
        if let damaged = damagedSchemas.first(where: { $0.schema == name.schema }) { throw damaged.error }
        if let log = found?.last, log.isLog, try settleLog(name) > 0 || log.digest.isEmpty {
            try refreshLogDigest(name)
            found = try storedVersions(of: name)
        }
        guard let found, !found.isEmpty else { throw try unknownTable(name) }
        return found
    }

    /// The versions recorded for `name`, as they are stored: empty when there are none, nil when
    /// its schema's file turned out damaged.
    func storedVersions(of name: TableName) throws -> [TableVersion]? {
        guard attachedSchemas.contains(name.schema) else { return [] }
        return try readingSchema(name.schema) { db in
            try Self.fetchVersions(db, schema: name.schema, where: "table_name = ?", [name.table])
        }
    }

    /// One version of `name`: the latest when `number` is nil.
    public func version(_ name: TableName, _ number: Int? = nil) throws -> TableVersion {
        let all = try versions(of: name)
        guard let number else { return all[all.count - 1] }
        guard let match = all.first(where: { $0.version == number }) else {
            throw EngineError(
                .unknownVersion, "\(name.displayName) has no version \(number)",
                hint: "it has versions 1 to \(all.count); 'history \(name.displayName)' lists them")
        }
        return match
    }

    /// The error for a missing table, suggesting stored names close to it.
    func unknownTable(_ name: TableName) throws -> EngineError {
        EngineError.unknownTable(name.displayName, known: try knownNames())
    }

    /// Every name a stored table can be written as (`faults` and `main.faults` for the main schema).
    func knownNames() throws -> [String] {
        Array(Set(try tables().flatMap { [$0.name.displayName, $0.name.description] })).sorted()
    }

    /// Attaches the tracking catalog's database under the schema `catalog`, for `sql` (queries
    /// stay read-only). Does nothing when it is attached already or the file does not exist.
    public func attachCatalog(at path: String) throws {
        guard !catalogAttached, FileManager.default.fileExists(atPath: path) else { return }
        try run { db in try db.execute(sql: "ATTACH DATABASE ? AS \(TableName.catalogSchema)", arguments: [path]) }
        catalogAttached = true
    }

    /// Makes sure the schema's database exists and is attached.
    func ensureSchema(_ schema: String) throws {
        if attachedSchemas.contains(schema) { return }
        if let damaged = damagedSchemas.first(where: { $0.schema == schema }) { throw damaged.error }
        let limit = try run { db in Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_ATTACHED, -1)) }
        if attachedSchemas.count > limit {
            throw EngineError(
                .invalidName, "cannot create schema '\(schema)': this SQLite allows \(limit) schemas besides main",
                hint: "store the table in an existing schema: \(schemas.joined(separator: ", "))")
        }
        try attach(schema)
    }

    /// Attaches a schema's file; a damaged one is set aside instead.
    private func attach(_ schema: String) throws {
        let attached: Bool? = try readingSchema(schema) { db in
            try db.execute(sql: "ATTACH DATABASE ? AS \(SQLIdentifier.quote(schema))", arguments: [file(of: schema)])
            try db.enableWriteAheadLog(schema: schema, timeout: .seconds(Self.busyTimeoutSeconds))
            try Self.createVersionsTable(in: schema, db)
            return true
        }
        if attached != nil { attachedSchemas.insert(schema) }
    }

    /// The database file of a schema.
    func file(of schema: String) -> String { (directory as NSString).appendingPathComponent("\(schema).sqlite") }

    /// Runs `body` on the connection for work on one schema. When SQLite finds the schema's file
    /// damaged, the schema is detached and recorded in `damagedSchemas`, and the result is nil.
    func readingSchema<T>(_ schema: String, _ body: (Database) throws -> T) throws -> T? {
        let (value, damage): (T?, DamagedSchema?) = try run { db in
            do {
                return (try body(db), nil)
            } catch let error as DatabaseError where DamagedSchema.isDamage(error) {
                try? db.execute(sql: "DETACH DATABASE \(SQLIdentifier.quote(schema))")
                let reason = error.message ?? "\(error.resultCode)"
                return (nil, DamagedSchema(schema: schema, file: file(of: schema), reason: reason))
            }
        }
        if let damage {
            attachedSchemas.remove(schema)
            if !damagedSchemas.contains(where: { $0.schema == schema }) {
                damagedSchemas = (damagedSchemas + [damage]).sorted { $0.schema < $1.schema }
            }
        }
        return value
    }

    private static func createVersionsTable(in schema: String, _ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS \(SQLIdentifier.quote(schema)).\(versionsTable) (
                    table_name TEXT NOT NULL, version INTEGER NOT NULL, row_count INTEGER NOT NULL,
                    digest TEXT NOT NULL, columns TEXT NOT NULL, source TEXT NOT NULL,
                    operation TEXT NOT NULL, created_at TEXT NOT NULL,
                    PRIMARY KEY (table_name, version))
                """)
    }

    static func fetchVersions(
        _ db: Database, schema: String, where condition: String,
        _ arguments: StatementArguments = []
    ) throws -> [TableVersion] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT table_name, version, row_count, digest, columns, source, operation, created_at
                FROM \(SQLIdentifier.quote(schema)).\(versionsTable) AS v WHERE \(condition) ORDER BY table_name, version
                """, arguments: arguments)
        return try rows.map { row in
            let columnsJSON: String = row["columns"]
            let columns = try JSONDecoder().decode([ColumnSchema].self, from: Data(columnsJSON.utf8))
            return TableVersion(
                name: try TableName(schema: schema, table: row["table_name"]),
                version: row["version"], rowCount: row["row_count"], digest: row["digest"],
                schema: columns, source: row["source"], operation: row["operation"],
                createdAt: row["created_at"])
        }
    }

    /// Runs `body` on the connection, turning SQLite errors into `EngineError`s.
    func run<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.inDatabase(body)
        } catch let error as EngineError {
            throw error
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_INTERRUPT { throw EngineError.cancelled }
            throw EngineError(
                .sql, "the table store failed: \(error.message ?? "\(error.resultCode)")",
                hint: error.resultCode == .SQLITE_BUSY
                    ? "another PlateShell is writing to this workspace; try again" : nil)
        }
    }
}
