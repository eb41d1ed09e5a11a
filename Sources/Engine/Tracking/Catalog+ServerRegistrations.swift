import GRDB
import MLCore

/// The tracking servers a workspace registered models on (`server_registrations`): with a server
/// as the registry of record, the versions live there and the workspace's catalog holds none, so a
/// session opened later without the server can say where they are and how to reach them.
extension Catalog {
    /// Remembers that this workspace registered a version of `name` on `server` (its base URL).
    public func recordServerRegistration(_ name: String, server: String) throws {
        let time = now()
        try write { db in try Self.recordServerRegistration(db, name: name, server: server, at: time) }
    }

    /// Remembers the registration in transaction `db` (the outbox records a queued registration's
    /// arrival this way, with its removal from the queue).
    static func recordServerRegistration(_ db: Database, name: String, server: String, at time: Int64) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO server_registrations VALUES (?, ?, ?)", arguments: [name, server, time])
    }

    /// The servers this workspace registered `name` on (every model's, without a name), the most
    /// recent first.
    public func registrationServers(of name: String? = nil) throws -> [String] {
        try read { db in try Self.registrationServers(db, of: name) }
    }

    static func registrationServers(_ db: Database, of name: String?) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT server FROM server_registrations WHERE ? IS NULL OR name = ?
                GROUP BY server ORDER BY max(registered) DESC
                """,
            arguments: [name, name])
    }

    /// The error for a model the workspace catalog does not hold: when this workspace registered it
    /// (or other models) on a tracking server, it names the server and how to point at it.
    static func unknownModel(_ name: String, known: [String], _ db: Database) throws -> EngineError {
        let suggestions = Suggestions.closest(to: name, among: known)
        if let server = try registrationServers(db, of: name).first {
            return EngineError(
                .unknownValue,
                "no registered model named '\(name)' in the workspace catalog: this workspace registered it on the MLflow server at \(server)",
                hint:
                    "point at that server: 'tracking uri=\(server)', or start PlateShell with MLFLOW_TRACKING_URI=\(server)"
            )
        }
        guard let server = try registrationServers(db, of: nil).first else {
            return EngineError(
                .unknownValue, "no registered model named '\(name)'", hint: "'models registered' lists them",
                suggestions: suggestions)
        }
        return EngineError(
            .unknownValue, "no registered model named '\(name)' in the workspace catalog",
            hint:
                "'models registered' lists them; this workspace registered models on the MLflow server at \(server) ('tracking uri=\(server)' reads that registry)",
            suggestions: suggestions)
    }

    static func migrateServerRegistrations(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS server_registrations (name TEXT NOT NULL, server TEXT NOT NULL,
                    registered INTEGER NOT NULL, PRIMARY KEY (name, server));
                """)
    }
}
