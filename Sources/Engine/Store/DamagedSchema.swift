import GRDB
import MLCore

/// A schema whose SQLite file cannot be read (damaged on disk, or not a database at all).
///
/// The table store sets such a schema aside and goes on with the others: `tables` lists the
/// healthy schemas' tables and names the damaged file with the way to repair it. The file itself
/// is left exactly as it is, so nothing more is lost than the damage already took.
public struct DamagedSchema: Sendable, Equatable {
    public let schema: String
    /// The schema's database file.
    public let file: String
    /// SQLite's words for the damage ("database disk image is malformed", "file is not a database").
    public let reason: String

    /// Whether SQLite's error means the file is damaged (rather than busy, full or locked).
    static func isDamage(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// How to get the schema back, with the file's own name in each command.
    public var repair: String {
        "restore '\(file)' from a backup; or keep what SQLite can still read: sqlite3 '\(file)' .recover | sqlite3 '\(file).recovered', then move the damaged file aside (mv '\(file)' '\(file).damaged') and the recovered one into its place"
    }

    /// The error for a command that needs this schema.
    public var error: EngineError {
        EngineError(
            .io, "schema '\(schema)' cannot be read: its file '\(file)' is damaged (\(reason))",
            hint: "\(repair); PlateShell leaves the file as it is")
    }

    /// What `tables` says under the healthy schemas' tables.
    public func note(healthy: [String]) -> String {
        "Schema '\(schema)' is left out: its file '\(file)' is damaged (\(reason)). The tables above are those of the healthy schemas (\(healthy.joined(separator: ", "))). To repair it, \(repair); PlateShell leaves the file as it is."
    }
}
