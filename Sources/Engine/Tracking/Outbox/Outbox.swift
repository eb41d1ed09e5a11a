import Foundation
import GRDB
import MLCore

/// One tracking write waiting to reach a tracking server, in the order it was made.
public enum OutboxItem: Codable, Sendable, Equatable {
    case createRun(experiment: String, name: String, startTime: Int64, user: String, tags: [String: String])
    case logBatch(params: [String: String], metrics: [MetricPoint], tags: [String: String])
    case logInputs([DatasetInput])
    /// A file of the run's artifacts, read from the workspace when it is sent.
    case artifact(path: String)
    case endRun(status: RunStatus, endTime: Int64)
    /// The run's model directory as an MLflow 3 LoggedModel: created with these params and tags,
    /// its files uploaded from the run's `NAME/` folder, the metrics linked to it, then READY.
    case loggedModel(name: String, params: [String: String], tags: [String: String], metrics: [MetricPoint])
    /// A version of registered model `name` made from the run's model, queued while the server
    /// could not take it: it arrives after the run's other items and the server numbers it then.
    /// `key` names this registration, so stage changes and aliases queued behind it reach its version.
    case registerVersion(
        name: String, description: String?, versionDescription: String, tags: [String: String], key: String)
    /// A stage change queued behind a registration of `name`.
    case transition(name: String, version: QueuedVersion, stage: Stage, archiveExisting: Bool)
    /// An alias queued behind a registration of `name`.
    case setAlias(name: String, alias: String, version: QueuedVersion)

    /// The kind, as `tracking status` counts items.
    public var kind: String {
        switch self {
        case .createRun: "run"
        case .logBatch: "batch"
        case .logInputs: "dataset"
        case .artifact: "artifact"
        case .endRun: "end"
        case .loggedModel: "model"
        case .registerVersion: "version"
        case .transition: "stage"
        case .setAlias: "alias"
        }
    }
}

/// The version a queued stage change or alias applies to.
public enum QueuedVersion: Codable, Sendable, Equatable {
    /// A version the server already numbered.
    case number(Int)
    /// The version the queued registration with this key makes, once the server numbers it.
    case registration(String)
}

/// A write to queue, made with the local record in one transaction (`Catalog`'s writes take one).
struct OutboxEntry: Sendable {
    let server: String
    let runId: String
    let item: OutboxItem
    /// 1 when it may already have reached the server (the sender then looks for it first).
    var attempts = 0

    func insert(_ db: Database, at time: Int64) throws {
        try db.execute(
            sql: "INSERT INTO outbox (server, run_id, kind, payload, created, attempts) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [server, runId, item.kind, try Outbox.encode(item), time, attempts])
    }
}

/// The durable queue of tracking writes bound for tracking servers, kept in the workspace's
/// catalog (`outbox`, with the ids the servers gave to workspace runs in `remote_runs` and to
/// queued registrations in `queued_versions`, and the items a server refused for good in
/// `outbox_failed`). Items are written in the same transaction
/// as the local record, so a crash or `kill -9` loses neither; `OutboxSender` delivers them.
public final class Outbox: Sendable {
    /// A queued item as read back.
    struct Pending: Sendable {
        let seq: Int64
        let runId: String
        let item: OutboxItem
        let attempts: Int
    }

    /// The server these items go to (its base URL, as `MLflowClient.server`).
    public let server: String
    private let queue: DatabaseQueue

    /// Opens the outbox of the catalog at `catalogPath` for `server` (on its own connection, for
    /// the sender's thread).
    init(catalogPath: String, server: String) throws {
        self.server = server
        queue = try Catalog.openDatabase(at: catalogPath)
    }

    static func encode(_ item: OutboxItem) throws -> String {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(item), as: UTF8.self)
    }

    static func decode(_ payload: String) throws -> OutboxItem {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(OutboxItem.self, from: Data(payload.utf8))
    }

    /// The oldest items for this server, in order (an item that cannot be decoded is moved to
    /// `outbox_failed` rather than blocking the queue).
    func pending(limit: Int) throws -> [Pending] {
        let rows = try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, run_id, payload, attempts FROM outbox WHERE server = ? ORDER BY seq LIMIT ?",
                arguments: [server, limit])
        }
        var items: [Pending] = []
        for row in rows {
            do {
                items.append(
                    Pending(
                        seq: row["seq"], runId: row["run_id"], item: try Self.decode(row["payload"]),
                        attempts: row["attempts"]))
            } catch {
                try fail([row["seq"]], reason: "the queued item cannot be read: \(error)")
            }
        }
        return items
    }

    /// How many items wait for this server (of one run, if given), by kind.
    public func counts(runId: String? = nil) throws -> [String: Int] {
        try queue.read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, count(*) AS n FROM outbox WHERE server = ? AND (? IS NULL OR run_id = ?) GROUP BY kind",
                arguments: [server, runId, runId])
            for row in rows { counts[row["kind"]] = row["n"] }
            return counts
        }
    }

    /// How many items wait for this server (of run `runId`, if given): the items the sender
    /// delivers, as every message about the queue counts them.
    ///
    /// - Throws: when the outbox cannot be read (a message says so rather than "0 queued").
    public func queued(runId: String? = nil) throws -> Int { try counts(runId: runId).values.reduce(0, +) }

    /// Why reading the outbox failed, for a message.
    public static func readFailure(_ error: any Error) -> String {
        "the tracking outbox cannot be read: \(EngineError.message(of: error))"
    }

    /// How many items wait for every server, by server (items for another server stay queued
    /// until PlateShell is pointed at it again).
    public func countsByServer() throws -> [String: Int] {
        try queue.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db, sql: "SELECT server, count(*) AS n FROM outbox GROUP BY server"
                ).map {
                    ($0["server"] as String, $0["n"] as Int)
                })
        }
    }

    /// When the oldest waiting item was queued (ms since the epoch), nil when none waits.
    public func oldest() throws -> Int64? {
        try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(created) FROM outbox WHERE server = ?", arguments: [server])
        }
    }

    /// The items this server refused for good: when, which run, what, and why.
    public func failures() throws -> [(time: Int64, runId: String, kind: String, reason: String)] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT failed, run_id, kind, reason FROM outbox_failed WHERE server = ? ORDER BY seq",
                arguments: [server]
            ).map {
                ($0["failed"], $0["run_id"], $0["kind"], $0["reason"])
            }
        }
    }

    /// Whether a workspace run was sent to the server (created, queued, or refused for good).
    func carries(runId: String) throws -> Bool {
        try queue.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM remote_runs WHERE server = ? AND run_id = ?)
                        OR EXISTS (SELECT 1 FROM outbox WHERE server = ? AND run_id = ? AND kind = 'run')
                        OR EXISTS (SELECT 1 FROM outbox_failed WHERE server = ? AND run_id = ? AND kind = 'run')
                    """, arguments: [server, runId, server, runId, server, runId]) ?? false
        }
    }

    /// The server's id of the LoggedModel a workspace run logged, once it was created there.
    public func remoteModel(_ runId: String) throws -> String? {
        try queue.read { db in
            try String.fetchOne(
                db, sql: "SELECT model_id FROM remote_models WHERE server = ? AND run_id = ?",
                arguments: [server, runId])
        }
    }

    /// The workspace run the server's run `remoteId` was sent from, if any.
    public func localRunId(ofRemote remoteId: String) throws -> String? {
        try queue.read { db in
            try String.fetchOne(
                db, sql: "SELECT run_id FROM remote_runs WHERE server = ? AND remote_run_id = ?",
                arguments: [server, remoteId])
        }
    }

    /// The server's id and artifact URI of a workspace run, once it was created there.
    func remoteRun(_ runId: String) throws -> (id: String, artifactURI: String)? {
        try queue.read { db in
            try Row.fetchOne(
                db, sql: "SELECT remote_run_id, artifact_uri FROM remote_runs WHERE server = ? AND run_id = ?",
                arguments: [server, runId]
            ).map { ($0["remote_run_id"], $0["artifact_uri"]) }
        }
    }

    /// The server's id of the workspace run whose id is `prefix` or starts with it (unique), if sent.
    public func remoteRunId(matching prefix: String) throws -> String? {
        try queue.read { db in
            let rows = try String.fetchAll(
                db, sql: "SELECT remote_run_id FROM remote_runs WHERE server = ? AND run_id LIKE ? LIMIT 2",
                arguments: [server, prefix + "%"])
            return rows.count == 1 ? rows[0] : nil
        }
    }

    /// The last registration of `name` waiting in the queue: its key and run, nil when none waits.
    func pendingRegistration(of name: String) throws -> (key: String, runId: String)? {
        let rows = try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT run_id, payload FROM outbox WHERE server = ? AND kind = 'version' ORDER BY seq DESC",
                arguments: [server])
        }
        for row in rows {
            if case .registerVersion(name, _, _, _, let key)? = try? Self.decode(row["payload"]) {
                return (key, row["run_id"])
            }
        }
        return nil
    }

    /// The number the server gave the version a queued registration made, once it arrived.
    func version(registeredAs key: String) throws -> Int? {
        try queue.read { db in
            try Int.fetchOne(
                db, sql: "SELECT version FROM queued_versions WHERE server = ? AND key = ?", arguments: [server, key])
        }
    }

    /// Counts an attempt before sending (so a retry after a crash knows the item may have arrived).
    func noteAttempt(_ seq: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", arguments: [seq])
        }
    }

    /// What delivering an item made on the server, recorded with its removal from the queue.
    enum Created: Sendable {
        case run(runId: String, remoteId: String, artifactURI: String)
        case loggedModel(runId: String, modelId: String)
        case version(key: String, name: String, number: Int)
    }

    /// Records that workspace run `runId` is the server's run `remoteId` (made on the server
    /// first, in the transaction `db` that records it in the workspace).
    static func recordRemoteRun(_ db: Database, server: String, runId: String, remoteId: String, artifactURI: String)
        throws
    {
        try db.execute(
            sql: "INSERT OR REPLACE INTO remote_runs VALUES (?, ?, ?, ?)",
            arguments: [server, runId, remoteId, artifactURI])
    }

    /// Removes delivered items; records the server's id of a run or LoggedModel it created.
    func delivered(_ seqs: [Int64], created: Created? = nil) throws {
        try queue.write { db in
            switch created {
            case .run(let runId, let remoteId, let artifactURI)?:
                try Self.recordRemoteRun(db, server: server, runId: runId, remoteId: remoteId, artifactURI: artifactURI)
            case .loggedModel(let runId, let modelId)?:
                try db.execute(
                    sql: "INSERT OR REPLACE INTO remote_models VALUES (?, ?, ?)", arguments: [server, runId, modelId])
            case .version(let key, let name, let number)?:
                try db.execute(
                    sql: "INSERT OR REPLACE INTO queued_versions VALUES (?, ?, ?, ?)",
                    arguments: [server, key, name, number])
                // As `register` does when the server takes it at once: the workspace remembers where it registered.
                try Catalog.recordServerRegistration(db, name: name, server: server, at: millisecondsNow())
            case nil: break
            }
            for seq in seqs { try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [seq]) }
        }
    }

    /// Moves items the server refused for good to `outbox_failed`, with the reason.
    func fail(_ seqs: [Int64], reason: String) throws {
        try queue.write { db in
            for seq in seqs {
                try db.execute(
                    sql: """
                        INSERT INTO outbox_failed (seq, server, run_id, kind, payload, created, failed, reason)
                        SELECT seq, server, run_id, kind, payload, created, ?, ? FROM outbox WHERE seq = ?
                        """, arguments: [millisecondsNow(), reason, seq])
                try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [seq])
            }
        }
    }

    /// The schema (created with the catalog's).
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, server TEXT NOT NULL, run_id TEXT NOT NULL,
                    kind TEXT NOT NULL, payload TEXT NOT NULL, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX IF NOT EXISTS outbox_by_server ON outbox (server, seq);
                CREATE TABLE IF NOT EXISTS outbox_failed (seq INTEGER PRIMARY KEY, server TEXT NOT NULL, run_id TEXT NOT NULL, kind TEXT NOT NULL,
                    payload TEXT NOT NULL, created INTEGER NOT NULL, failed INTEGER NOT NULL, reason TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS remote_runs (server TEXT NOT NULL, run_id TEXT NOT NULL, remote_run_id TEXT NOT NULL,
                    artifact_uri TEXT NOT NULL, PRIMARY KEY (server, run_id));
                CREATE TABLE IF NOT EXISTS remote_models (server TEXT NOT NULL, run_id TEXT NOT NULL, model_id TEXT NOT NULL,
                    PRIMARY KEY (server, run_id));
                CREATE TABLE IF NOT EXISTS queued_versions (server TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
                    version INTEGER NOT NULL, PRIMARY KEY (server, key));
                """)
    }
}
