import Foundation
import GRDB
import MLCore
import Synchronization

/// The embedded tracking catalog: MLflow's entities — experiments, runs with params, metric
/// histories, tags and dataset inputs, artifacts, registered models, versions, stages, aliases —
/// in one SQLite file of the workspace (`catalog.sqlite`), artifacts as files under
/// `artifacts/runs/<run_id>/`.
///
/// Every change is one transaction; artifacts are written to a temporary file and renamed. A
/// process killed at any point leaves a consistent catalog: a run it was recording stays RUNNING
/// (never half a version) until the catalog is next opened, which marks it KILLED and removes its
/// unfinished writes (`RunOwnership` tells whether its process is gone); two shells registering
/// versions of one model at once get distinct consecutive numbers (the next number is taken
/// inside the inserting transaction).
///
/// The schema is PlateShell's own, not MLflow's; `sql select ... from catalog.runs` queries it.
///
/// ## Topics
/// - ``createRun(experimentId:name:tags:startTime:)``
/// - ``createVersion(name:runId:source:storageLocation:description:tags:)``
/// - ``resolve(_:)``
public final class Catalog: Sendable {
    /// Where the workspace keeps its files.
    let layout: WorkspaceLayout
    public let path: String
    public let artifactRoot: String
    private let killed = Mutex<[String]>([])
    let queue: DatabaseQueue
    private let clock = Mutex<@Sendable () -> Int64>(millisecondsNow)

    /// The runs this opening marked KILLED: their process had died while they were RUNNING.
    public var runsFoundKilled: [String] { killed.withLock { $0 } }

    /// The clock (tests inject one); the run finisher's thread reads it too.
    public var now: @Sendable () -> Int64 {
        get { clock.withLock { $0 } }
        set { clock.withLock { $0 = newValue } }
    }

    /// Opens or creates the catalog of the workspace at `root`.
    public init(workspace root: String) throws {
        layout = WorkspaceLayout(root: root)
        path = layout.catalogFile
        artifactRoot = layout.runArtifactsDirectory
        do {
            try FileManager.default.createDirectory(atPath: artifactRoot, withIntermediateDirectories: true)
            queue = try Self.openDatabase(at: path)
            try queue.write { db in
                try Self.migrate(db)
                try Outbox.migrate(db)
                try ModelCache.migrate(db)
                try Self.migrateServerRegistrations(db)
            }
            let runs = try markAbandonedRunsKilled()
            killed.withLock { $0 = runs }
        } catch let error as EngineError {
            throw error
        } catch let error as DatabaseError {
            // The extended code tells which I/O call failed (SQLite's IOERR_* family).
            throw EngineError(
                .io,
                "cannot open the tracking catalog '\(path)': \(error) (SQLite extended code \(error.extendedResultCode.rawValue))"
            )
        } catch {
            throw EngineError(
                .io,
                "cannot open the tracking catalog '\(path)': \(FileSystemProblem.reason(for: error, at: artifactRoot))",
                hint: "choose a workspace directory you can write to with --workspace DIR (it is created when missing)")
        }
    }

    /// A connection to the catalog file: WAL, so readers never wait for a writer, and a busy
    /// timeout, so several shells (and an outbox sender) share it.
    static func openDatabase(at path: String) throws -> DatabaseQueue {
        let busyTimeoutSeconds = 15.0
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        // WAL with synchronous=NORMAL: a killed process never loses or tears a commit; only a
        // power cut may lose the last ones (SQLite's recommended setting for WAL).
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.inDatabase { db in try db.enableWriteAheadLog(timeout: .seconds(busyTimeoutSeconds)) }
        return queue
    }

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS experiments (experiment_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                    artifact_location TEXT NOT NULL, creation_time INTEGER NOT NULL, last_update_time INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL, name TEXT NOT NULL,
                    status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, user_id TEXT NOT NULL, artifact_uri TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS params (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
                CREATE TABLE IF NOT EXISTS metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL, timestamp INTEGER NOT NULL,
                    step INTEGER NOT NULL, PRIMARY KEY (run_id, key, timestamp, step, value));
                CREATE TABLE IF NOT EXISTS tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
                CREATE TABLE IF NOT EXISTS datasets (dataset_id TEXT NOT NULL, experiment_id INTEGER NOT NULL, name TEXT NOT NULL,
                    digest TEXT NOT NULL, source_type TEXT NOT NULL, source TEXT NOT NULL, schema TEXT NOT NULL, profile TEXT NOT NULL,
                    PRIMARY KEY (experiment_id, dataset_id));
                CREATE TABLE IF NOT EXISTS inputs (run_id TEXT NOT NULL, dataset_id TEXT NOT NULL, context TEXT NOT NULL,
                    PRIMARY KEY (run_id, dataset_id));
                CREATE TABLE IF NOT EXISTS registered_models (name TEXT PRIMARY KEY, description TEXT NOT NULL,
                    creation_time INTEGER NOT NULL, last_update_time INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS registered_model_tags (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key));
                CREATE TABLE IF NOT EXISTS model_versions (name TEXT NOT NULL, version INTEGER NOT NULL, run_id TEXT, source TEXT NOT NULL,
                    storage_location TEXT NOT NULL, description TEXT NOT NULL, stage TEXT NOT NULL, creation_time INTEGER NOT NULL,
                    last_update_time INTEGER NOT NULL, PRIMARY KEY (name, version));
                CREATE TABLE IF NOT EXISTS model_version_tags (name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL,
                    value TEXT NOT NULL, PRIMARY KEY (name, version, key));
                CREATE TABLE IF NOT EXISTS model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
                    PRIMARY KEY (name, alias));
                CREATE TABLE IF NOT EXISTS logged_models (model_id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL, run_id TEXT NOT NULL,
                    name TEXT NOT NULL, creation_time INTEGER NOT NULL, UNIQUE (run_id, name));
                """)
    }

    /// Runs `body` in a write transaction, turning SQLite errors into `EngineError`s.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch let error as EngineError { throw error } catch let error
            as DatabaseError
        {
            throw EngineError(
                .sql, "the tracking catalog failed: \(error.message ?? "\(error.resultCode)")",
                hint: error.resultCode == .SQLITE_BUSY
                    ? "another PlateShell is writing to this workspace; try again" : nil)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let error as EngineError { throw error } catch let error
            as DatabaseError
        {
            throw EngineError(.sql, "the tracking catalog failed: \(error.message ?? "\(error.resultCode)")")
        }
    }

    // MARK: - Experiments

    /// The experiment named `name`, created when missing (ids are consecutive integers; 0 is Default).
    public func experiment(named name: String) throws -> Experiment {
        try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ?", arguments: [name]) {
                return Self.experiment(row)
            }
            let next = (try Int.fetchOne(db, sql: "SELECT max(experiment_id) FROM experiments") ?? 0) + 1
            let id = name == "Default" ? 0 : next
            let time = now()
            let location = URL(fileURLWithPath: artifactRoot).absoluteString
            try db.execute(
                sql: "INSERT INTO experiments VALUES (?, ?, ?, ?, ?)", arguments: [id, name, location, time, time])
            return Experiment(
                id: String(id), name: name, artifactLocation: location, creationTime: time, lastUpdateTime: time)
        }
    }

    public func experiments() throws -> [Experiment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY experiment_id").map(Self.experiment)
        }
    }

    static func experiment(_ row: Row) -> Experiment {
        Experiment(
            id: String(row["experiment_id"] as Int64), name: row["name"], artifactLocation: row["artifact_location"],
            creationTime: row["creation_time"], lastUpdateTime: row["last_update_time"])
    }

    // MARK: - Runs

    /// The user runs are recorded for (`$USER`, else the login name), as MLflow's `mlflow.user`.
    public static var user: String {
        ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
    }

    /// Starts a run (status RUNNING) with its tags; `startTime` defaults to now. `outbox` makes the
    /// outbox item that sends it to a server, in the same transaction.
    public func createRun(experimentId: String, name: String, tags: [String: String], startTime: Int64? = nil) throws
        -> RunRecord
    {
        try createRun(experimentId: experimentId, name: name, tags: tags, startTime: startTime, outbox: nil)
    }

    /// Records a new run (with `id`, the tracking server's when it made the run first, else a new
    /// one); `outbox` writes, in the same transaction, what a tracking server must know of it.
    func createRun(
        experimentId: String, id given: String? = nil, name: String, tags: [String: String], startTime: Int64?,
        outbox: ((Database, RunRecord, [String: String]) throws -> Void)?
    ) throws -> RunRecord {
        let id = given ?? MD5.randomId()
        let time = startTime ?? now()
        let user = Self.user
        let artifactURI = URL(fileURLWithPath: artifactRoot + "/" + id).absoluteString
        let record = RunRecord(
            id: id, experimentId: experimentId, name: name, status: .running, startTime: time, endTime: nil, user: user,
            artifactURI: artifactURI)
        let allTags = tags.merging(["mlflow.runName": name, "mlflow.user": user], uniquingKeysWith: { $1 })
        try RunOwnership.claim(layout.ownershipFile(of: id))
        do {
            try write { db in
                try db.execute(
                    sql: "INSERT INTO runs VALUES (?, ?, ?, 'RUNNING', ?, NULL, ?, ?)",
                    arguments: [id, Int64(experimentId) ?? 0, name, time, user, artifactURI])
                for (key, value) in allTags {
                    try db.execute(sql: "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", arguments: [id, key, value])
                }
                try outbox?(db, record, allTags)
            }
        } catch {
            RunOwnership.release(layout.ownershipFile(of: id))
            throw error
        }
        return record
    }

    /// Records params, metric points and tags of a run in one transaction.
    ///
    /// - Throws: `EngineError.invalidArgument` when a param already has another value (params are immutable, as in MLflow).
    public func logBatch(
        runId: String, params: [String: String] = [:], metrics: [MetricPoint] = [], tags: [String: String] = [:]
    ) throws {
        try logBatch(runId: runId, params: params, metrics: metrics, tags: tags, outbox: nil)
    }

    func logBatch(
        runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String], outbox: OutboxEntry?
    ) throws {
        try write { db in
            try requireRun(db, runId)
            for (key, value) in params.sorted(by: { $0.key < $1.key }) {
                if let old = try String.fetchOne(
                    db, sql: "SELECT value FROM params WHERE run_id = ? AND key = ?", arguments: [runId, key]),
                    old != value
                {
                    throw EngineError(
                        .invalidArgument,
                        "param '\(key)' of run \(runId) is already '\(old)'; params cannot change (got '\(value)')")
                }
                try db.execute(sql: "INSERT OR IGNORE INTO params VALUES (?, ?, ?)", arguments: [runId, key, value])
            }
            for point in metrics {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?)",
                    arguments: [runId, point.key, point.value, point.timestamp, point.step])
            }
            for (key, value) in tags {
                try db.execute(sql: "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", arguments: [runId, key, value])
            }
            try outbox?.insert(db, at: now())
        }
    }

    /// Records the datasets a run used.
    public func logInputs(runId: String, datasets: [DatasetInput]) throws {
        try logInputs(runId: runId, datasets: datasets, outbox: nil)
    }

    func logInputs(runId: String, datasets: [DatasetInput], outbox: OutboxEntry?) throws {
        try write { db in
            let run = try requireRun(db, runId)
            for dataset in datasets {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        dataset.id, Int64(run.experimentId) ?? 0, dataset.name, dataset.digest, dataset.sourceType,
                        dataset.source, dataset.schema, dataset.profile,
                    ])
                try db.execute(
                    sql: "INSERT OR REPLACE INTO inputs VALUES (?, ?, ?)",
                    arguments: [runId, dataset.id, dataset.context])
            }
            try outbox?.insert(db, at: now())
        }
    }

    /// Writes an artifact file of a run (atomically); `path` is relative to the run's artifacts.
    public func writeArtifact(runId: String, path relative: String, data: Data) throws {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
            throw EngineError(.invalidArgument, "artifact path '\(relative)' must be relative and stay inside the run")
        }
        try AtomicFile.write(data, to: runDirectory(runId) + "/" + relative)
    }

    /// Ends a run with a status; `outbox` makes the item that ends it on a server (given the end time).
    public func endRun(runId: String, status: RunStatus) throws {
        try endRun(runId: runId, status: status, outbox: nil)
    }

    func endRun(runId: String, status: RunStatus, outbox: ((Int64) -> OutboxEntry)?) throws {
        try write { db in
            try requireRun(db, runId)
            let time = now()
            try db.execute(
                sql: "UPDATE runs SET status = ?, end_time = ? WHERE run_id = ?",
                arguments: [status.rawValue, time, runId])
            try outbox?(time).insert(db, at: time)
        }
        RunOwnership.release(layout.ownershipFile(of: runId))
    }

    /// Records that run `runId` logged a model under `name` as an MLflow 3 LoggedModel
    /// (`m-` + 32 hex); logging it again keeps its id. `outbox` queues the item that creates it
    /// on a server, in the same transaction.
    @discardableResult
    public func recordLoggedModel(runId: String, name: String) throws -> String {
        try recordLoggedModel(runId: runId, name: name, outbox: nil)
    }

    @discardableResult
    func recordLoggedModel(runId: String, name: String, outbox: OutboxEntry?) throws -> String {
        try write { db in
            let run = try requireRun(db, runId)
            if let known = try String.fetchOne(
                db, sql: "SELECT model_id FROM logged_models WHERE run_id = ? AND name = ?", arguments: [runId, name])
            {
                return known
            }
            let id = "m-" + MD5.randomId()
            try db.execute(
                sql: "INSERT INTO logged_models VALUES (?, ?, ?, ?, ?)",
                arguments: [id, Int64(run.experimentId) ?? 0, runId, name, now()])
            try outbox?.insert(db, at: now())
            return id
        }
    }

    /// The LoggedModel a run logged (its id and name), if any.
    public func loggedModel(ofRun runId: String) throws -> (id: String, name: String, creationTime: Int64)? {
        try read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT model_id, name, creation_time FROM logged_models WHERE run_id = ? ORDER BY creation_time LIMIT 1",
                arguments: [runId]
            ).map { ($0["model_id"], $0["name"], $0["creation_time"]) }
        }
    }

    /// Queues items for a server in one transaction (an artifact written just before, a copy of a run).
    func enqueue(_ entries: [OutboxEntry]) throws {
        try write { db in
            let time = now()
            for entry in entries { try entry.insert(db, at: time) }
        }
    }

    /// The run with this id (a unique prefix works; `latest` is the newest run).
    ///
    /// - Throws: `EngineError.unknownValue` for no or several matching runs.
    public func run(_ id: String) throws -> RunRecord {
        if id.lowercased() == "latest" {
            guard let newest = try runs().first else {
                throw EngineError(.unknownValue, "no runs yet", hint: "pca, fit, tune and compare record runs")
            }
            return newest
        }
        guard !id.isEmpty, id.allSatisfy(\.isHexDigit) else {
            throw EngineError(
                .unknownValue, "'\(id)' is not a run id (32 hex digits, or a prefix of them)",
                hint: "'runs' lists the runs")
        }
        return try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE run_id LIKE ? LIMIT 2", arguments: [id + "%"])
            guard rows.count == 1 else {
                throw EngineError(
                    .unknownValue,
                    rows.isEmpty ? "no run with id '\(id)'" : "run id '\(id)' is ambiguous; give more characters",
                    hint: "'runs' lists the runs")
            }
            return Self.run(rows[0])
        }
    }

    @discardableResult
    private func requireRun(_ db: Database, _ id: String) throws -> RunRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE run_id = ?", arguments: [id]) else {
            throw EngineError(.unknownValue, "no run with id '\(id)'")
        }
        return Self.run(row)
    }

    static func run(_ row: Row) -> RunRecord {
        RunRecord(
            id: row["run_id"], experimentId: String(row["experiment_id"] as Int64), name: row["name"],
            status: RunStatus(rawValue: row["status"]) ?? .failed, startTime: row["start_time"],
            endTime: row["end_time"],
            user: row["user_id"], artifactURI: row["artifact_uri"])
    }

    /// Runs, newest first, optionally of one experiment.
    public func runs(experimentId: String? = nil) throws -> [RunRecord] {
        try read { db in
            let rows =
                if let experimentId {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM runs WHERE experiment_id = ? ORDER BY start_time DESC, rowid DESC",
                        arguments: [Int64(experimentId) ?? -1])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY start_time DESC, rowid DESC")
                }
            return rows.map(Self.run)
        }
    }

    public func params(of runId: String) throws -> [String: String] {
        try read { db in try Self.keyValues(db, "SELECT key, value FROM params WHERE run_id = ?", [runId]) }
    }

    public func tags(of runId: String) throws -> [String: String] {
        try read { db in try Self.keyValues(db, "SELECT key, value FROM tags WHERE run_id = ?", [runId]) }
    }

    /// The `key`, `value` rows of a query as a dictionary (params and tags of runs, models and versions).
    static func keyValues(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                ($0["key"] as String, $0["value"] as String)
            })
    }

    /// Every metric point of a run, by key then step.
    public func metrics(of runId: String) throws -> [MetricPoint] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM metrics WHERE run_id = ? ORDER BY key, step, timestamp", arguments: [runId]
            ).map {
                MetricPoint(key: $0["key"], value: $0["value"], timestamp: $0["timestamp"], step: $0["step"])
            }
        }
    }

    /// Each metric's latest value (largest step, then timestamp), as MLflow shows it.
    public func latestMetrics(of runId: String) throws -> [String: Double] {
        var latest: [String: MetricPoint] = [:]
        for point in try metrics(of: runId) {
            if let current = latest[point.key],
                (current.step, current.timestamp, current.value) > (point.step, point.timestamp, point.value)
            {
                continue
            }
            latest[point.key] = point
        }
        return latest.mapValues(\.value)
    }

    public func inputs(of runId: String) throws -> [DatasetInput] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, i.context FROM inputs i JOIN runs r ON r.run_id = i.run_id
                    JOIN datasets d ON d.dataset_id = i.dataset_id AND d.experiment_id = r.experiment_id WHERE i.run_id = ?
                    """, arguments: [runId]
            ).map {
                DatasetInput(
                    name: $0["name"], digest: $0["digest"], sourceType: $0["source_type"], source: $0["source"],
                    schema: $0["schema"], profile: $0["profile"], context: $0["context"])
            }
        }
    }

    /// The folder holding a run's artifacts.
    public func runDirectory(_ runId: String) -> String { artifactRoot + "/" + runId }

    /// A run's artifact files (relative paths) with their sizes.
    public func artifacts(of runId: String) -> [(path: String, size: Int)] {
        let root = runDirectory(runId)
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [(String, Int)] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
            if exists, !isDirectory.boolValue, !relative.hasSuffix(".partial") {
                let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + relative)
                files.append((relative, (attributes?[.size] as? Int) ?? 0))
            }
        }
        return files.sorted { $0.0 < $1.0 }
    }
}
