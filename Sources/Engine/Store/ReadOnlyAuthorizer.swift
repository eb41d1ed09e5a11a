import GRDB
import GRDBSQLite
import MLCore

/// SQLite's authorizer set while a user's `sql` statement is prepared: it denies what
/// `sqlite3_stmt_readonly` lets through or cannot see — ATTACH and DETACH (which create or drop
/// databases anywhere on disk), transactions and savepoints (which would leave the store's
/// connection inside one), every action that writes, so the refusal names the action, and every
/// PRAGMA not on `readingPragmas` (`sqlite3_stmt_readonly` passes a pragma that changes the
/// connection, such as `reverse_unordered_selects=1` or `query_only=1`).
enum ReadOnlyAuthorizer {
    /// The pragmas `sql` runs: each only reads the schema, the build or the files' integrity, and
    /// an argument it takes names a table or an index (or caps the errors listed) rather than
    /// setting anything. Every other pragma is refused, with
    /// or without an argument (reading `synchronous` is harmless, but one list is easier to trust).
    static let readingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "database_list",
        "foreign_key_list", "collation_list", "compile_options", "function_list", "pragma_list", "integrity_check",
        "quick_check", "foreign_key_check",
    ]

    /// What the first denial refused (read after a failed prepare).
    final class Denial {
        var action: String?
    }

    /// Prepares `body` with the authorizer installed on `connection`, then removes it.
    static func preparing<T>(on connection: OpaquePointer?, _ body: () throws -> T) rethrows -> (T, String?) {
        let denial = Denial()
        let box = Unmanaged.passRetained(denial)
        defer { box.release() }
        sqlite3_set_authorizer(connection, authorize, box.toOpaque())
        defer { sqlite3_set_authorizer(connection, nil, nil) }
        let result = try body()
        return (result, denial.action)
    }

    /// The names of the denied actions, by SQLite's action code.
    private static let denied: [Int32: String] = [
        SQLITE_ATTACH: "ATTACH", SQLITE_DETACH: "DETACH", SQLITE_TRANSACTION: "a transaction (BEGIN, COMMIT, ROLLBACK)",
        SQLITE_SAVEPOINT: "a savepoint", SQLITE_INSERT: "INSERT", SQLITE_UPDATE: "UPDATE", SQLITE_DELETE: "DELETE",
        SQLITE_CREATE_TABLE: "CREATE TABLE", SQLITE_CREATE_TEMP_TABLE: "CREATE TABLE",
        SQLITE_CREATE_VIEW: "CREATE VIEW",
        SQLITE_CREATE_TEMP_VIEW: "CREATE VIEW", SQLITE_CREATE_INDEX: "CREATE INDEX",
        SQLITE_CREATE_TEMP_INDEX: "CREATE INDEX",
        SQLITE_CREATE_TRIGGER: "CREATE TRIGGER", SQLITE_CREATE_TEMP_TRIGGER: "CREATE TRIGGER",
        SQLITE_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
        SQLITE_DROP_TABLE: "DROP TABLE", SQLITE_DROP_TEMP_TABLE: "DROP TABLE", SQLITE_DROP_VIEW: "DROP VIEW",
        SQLITE_DROP_TEMP_VIEW: "DROP VIEW",
        SQLITE_DROP_INDEX: "DROP INDEX", SQLITE_DROP_TEMP_INDEX: "DROP INDEX", SQLITE_DROP_TRIGGER: "DROP TRIGGER",
        SQLITE_DROP_TEMP_TRIGGER: "DROP TRIGGER", SQLITE_DROP_VTABLE: "DROP VIRTUAL TABLE",
        SQLITE_ALTER_TABLE: "ALTER TABLE",
        SQLITE_REINDEX: "REINDEX", SQLITE_ANALYZE: "ANALYZE",
    ]

    private static let authorize:
        @convention(c) (
            UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
            UnsafePointer<CChar>?, UnsafePointer<CChar>?
        ) -> Int32 = { context, action, table, _, _, _ in
            let name: String
            if action == SQLITE_PRAGMA {
                let pragma = table.map { String(cString: $0).lowercased() } ?? ""
                if readingPragmas.contains(pragma) { return SQLITE_OK }
                name = "PRAGMA \(pragma)"
            } else if let deniedName = denied[action] {
                name = deniedName
            } else {
                return SQLITE_OK
            }
            // A DDL statement writes SQLite's schema table before its own action is checked: let
            // that write pass here, so the DDL's own (denied) action names the statement.
            if [SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE].contains(action), let table,
                ["sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"].contains(
                    String(cString: table))
            {
                return SQLITE_OK
            }
            // The first denial names the statement (DROP VIEW, then the DELETE from sqlite_master it implies).
            if let context, Unmanaged<Denial>.fromOpaque(context).takeUnretainedValue().action == nil {
                Unmanaged<Denial>.fromOpaque(context).takeUnretainedValue().action = name
            }
            return SQLITE_DENY
        }
}
