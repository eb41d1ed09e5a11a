import GRDB
import GRDBSQLite
import MLCore

extension TableStore {
    /// Reads one stored version into memory.
    public func read(_ version: TableVersion) throws -> MLCore.Table {
        var builder = TableBuilder(schema: version.schema, expectedRows: version.rowCount)
        try run { db in try Self.readRows(db, version, into: &builder, cancellation: cancellation) }
        return try builder.build()
    }

    /// The most rows a query's result may hold: the whole result is kept in memory, so an endless
    /// query (a recursive CTE without a bound) stops here instead of exhausting memory.
    public static let queryRowLimit = 1_000_000

    /// The most bytes of text a query's result may hold (a few huge cells exhaust memory before
    /// `queryRowLimit` rows do).
    public static let queryTextLimit = 1 << 30

    /// Runs one read-only SQL query over the stored tables and returns its result as a table.
    ///
    /// Column types follow the cells: integer when every present cell is an integer, real when
    /// every present cell is a number, text otherwise.
    ///
    /// - Throws: `EngineError.sql` with SQLite's message and the error's offset in `sql` (as
    ///   `position`) when SQLite gives one; `.invalidArgument` for a statement that writes, or for
    ///   several statements, or for a result above `queryRowLimit` rows or `queryTextLimit` bytes
    ///   of text.
    ///
    /// Inference logs are settled first (`settleLog`), so a query sees every row appended so far.
    public func query(_ sql: String) throws -> MLCore.Table {
        for schema in schemas { try settleLogs(in: schema) }
        do {
            return try runQuery(sql)
        } catch let error as EngineError where error.message.hasPrefix("no such table: ") {
            let missing = String(error.message.dropFirst("no such table: ".count))
            throw EngineError(
                .sql, error.message, hint: "'tables' lists the stored tables",
                suggestions: Suggestions.closest(to: missing, among: try knownNames()), position: error.position)
        }
    }

    private func runQuery(_ sql: String) throws -> MLCore.Table {
        try run { db in
            let connection = db.sqliteConnection
            var statement: OpaquePointer?
            var tailOffset = 0
            let (code, denied) = ReadOnlyAuthorizer.preparing(on: connection) {
                sql.withCString { text -> Int32 in
                    var tail: UnsafePointer<CChar>?
                    let code = sqlite3_prepare_v2(connection, text, -1, &statement, &tail)
                    if let tail { tailOffset = text.distance(to: tail) }
                    return code
                }
            }
            defer { sqlite3_finalize(statement) }
            if let denied {
                throw EngineError(
                    .invalidArgument, "sql runs read-only queries; it refuses \(denied)",
                    hint: denied.hasPrefix("PRAGMA")
                        ? "sql runs only the pragmas that read the schema: "
                            + ReadOnlyAuthorizer.readingPragmas.sorted().joined(separator: ", ")
                        : denied.hasPrefix("ATTACH") || denied.hasPrefix("DETACH")
                            ? "the store's schemas are its own; load a file into a table with load FILE as SCHEMA.TABLE"
                            : "tables change through load, save and append, which keep every earlier version",
                    position: 0)
            }
            guard code == SQLITE_OK else { throw Self.sqlError(connection) }
            guard let statement else {
                throw EngineError(
                    .invalidArgument, "the query is empty", hint: "for example: sql select count(*) from fsp.faults")
            }
            if !Self.isBlankSQL(String(decoding: sql.utf8.dropFirst(tailOffset), as: UTF8.self)) {
                throw EngineError(
                    .invalidArgument, "sql runs one statement at a time", hint: "split the statements",
                    position: tailOffset)
            }
            if sqlite3_stmt_readonly(statement) == 0 {
                throw EngineError(
                    .invalidArgument, "sql runs read-only queries; this statement would change the store",
                    hint: "tables change through load, save and append, which keep every earlier version",
                    position: 0)
            }
            return try Self.collect(statement, connection: connection, cancellation: cancellation)
        }
    }

    /// Streams the rows of a stored version into `sink`.
    static func readRows<Sink: RowSink>(
        _ db: Database, _ version: TableVersion, into sink: inout Sink,
        cancellation: Cancellation
    ) throws {
        // An inference log grows while it is read: the version read is the rows it counted.
        let bound = version.isLog ? " WHERE rowid <= \(version.rowCount)" : ""
        let statement = try db.makeStatement(
            sql:
                "SELECT * FROM \(SQLIdentifier.quote(version.name.schema)).\(SQLIdentifier.quote(version.physicalName))\(bound)"
        )
        let raw = statement.sqliteStatement
        defer { sqlite3_reset(raw) }
        let columns = Int32(version.schema.count)
        var rows = 0
        while true {
            let code = sqlite3_step(raw)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                if code == SQLITE_INTERRUPT { throw EngineError.cancelled }
                throw EngineError(
                    .sql,
                    "cannot read \(version.name.displayName) version \(version.version): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))"
                )
            }
            for column in 0..<columns {
                let index = Int(column)
                switch sqlite3_column_type(raw, column) {
                case SQLITE_NULL: sink.setMissing(column: index)
                case SQLITE_INTEGER: sink.setInteger(sqlite3_column_int64(raw, column), column: index)
                case SQLITE_FLOAT: sink.setReal(sqlite3_column_double(raw, column), column: index)
                default:
                    let bytes = sqlite3_column_text(raw, column)
                    let count = Int(sqlite3_column_bytes(raw, column))
                    sink.setText(UnsafeBufferPointer(start: bytes, count: count), column: index)
                }
            }
            try sink.endRow()
            rows += 1
            if rows % 4096 == 0 { try cancellation.check() }
        }
    }

    private static func collect(
        _ statement: OpaquePointer, connection: OpaquePointer?,
        cancellation: Cancellation
    ) throws -> MLCore.Table {
        let count = Int(sqlite3_column_count(statement))
        var names: [String] = []
        var used = Set<String>()
        for index in 0..<count {
            let base = String(cString: sqlite3_column_name(statement, Int32(index)))
            var name = base.isEmpty ? "column_\(index + 1)" : base
            var suffix = 2
            while used.contains(name.lowercased()) {
                name = "\(base)_\(suffix)"
                suffix += 1
            }
            used.insert(name.lowercased())
            names.append(name)
        }
        var cells = Array(repeating: [Value](), count: count)
        var rows = 0
        var textBytes = 0
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                if code == SQLITE_INTERRUPT { throw EngineError.cancelled }
                throw EngineError(.sql, String(cString: sqlite3_errmsg(connection)))
            }
            rows += 1
            if rows > queryRowLimit { throw tooLarge("more than \(grouped(queryRowLimit)) rows") }
            for index in 0..<count {
                let column = Int32(index)
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: cells[index].append(.missing)
                case SQLITE_INTEGER: cells[index].append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: cells[index].append(.real(sqlite3_column_double(statement, column)))
                default:
                    textBytes += Int(sqlite3_column_bytes(statement, column))
                    if textBytes > queryTextLimit {
                        throw tooLarge("more than \(queryTextLimit >> 20) MiB of text (by row \(grouped(rows)))")
                    }
                    cells[index].append(.text(String(cString: sqlite3_column_text(statement, column))))
                }
            }
            if rows % 4096 == 0 { try cancellation.check() }
        }
        return try MLCore.Table(
            columns: (0..<count).map { index in
                let values = cells[index]
                let type: ColumnType
                if values.allSatisfy({ if case .integer = $0 { true } else { $0 == .missing } }) {
                    type = .integer
                } else if values.allSatisfy({ $0.double != nil || $0 == .missing }) {
                    type = .real
                } else {
                    type = .text
                }
                return Column(name: names[index], type: type, values: values)
            })
    }

    /// The error for a result too large to keep in memory.
    private static func tooLarge(_ what: String) -> EngineError {
        EngineError(
            .invalidArgument, "the result has \(what); sql keeps at most \(grouped(queryRowLimit)) rows in memory",
            hint: "add LIMIT to the query (for example: ... limit 1000), or aggregate with count(*), group by")
    }

    /// `value` with thousands separators: 1,000,000.
    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var text = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    private static func sqlError(_ connection: OpaquePointer?) -> EngineError {
        let offset = Int(sqlite3_error_offset(connection))
        return EngineError(
            .sql, String(cString: sqlite3_errmsg(connection)),
            hint: "'tables' lists the stored tables and 'columns' the current frame's columns",
            position: offset >= 0 ? offset : nil)
    }

    /// Whether SQL text holds nothing to run: spaces, semicolons and comments.
    static func isBlankSQL(_ text: String) -> Bool {
        var rest = Substring(text)
        while let first = rest.first {
            if first.isWhitespace || first == ";" {
                rest.removeFirst()
                continue
            }
            if rest.hasPrefix("--") {
                rest = rest.drop(while: { $0 != "\n" })
                continue
            }
            if rest.hasPrefix("/*") {
                guard let end = rest.range(of: "*/") else { return true }
                rest = rest[end.upperBound...]
                continue
            }
            return false
        }
        return true
    }
}
