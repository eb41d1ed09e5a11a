import GRDB
import GRDBSQLite
import MLCore

/// Writes rows into a new table version inside the store's open transaction, hashing them as
/// they go. `TableStore.write` hands one to its closure.
public struct TableWriter: RowSink {
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection
    private let types: [ColumnType]
    private let names: [String]
    /// The hash of the rows written so far (an inference log carries it from one append to the next).
    private(set) var digest: TableDigest
    private let cancellation: Cancellation
    private var deferredError: EngineError?
    /// Rows written so far.
    public private(set) var rowCount = 0

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// A writer whose digest starts from `digest` (the rows already stored) or, when nil, from
    /// the schema alone.
    init(
        statement: Statement, connection: SQLiteConnection, schema: [ColumnSchema], cancellation: Cancellation,
        continuing digest: TableDigest? = nil
    ) {
        self.statement = statement.sqliteStatement
        self.connection = connection
        self.types = schema.map(\.type)
        self.names = schema.map(\.name)
        self.digest = digest ?? TableDigest(schema: schema)
        self.cancellation = cancellation
    }

    public mutating func setInteger(_ value: Int64, column: Int) {
        switch types[column] {
        case .integer:
            sqlite3_bind_int64(statement, Int32(column + 1), value)
            digest.integer(value)
        case .real:
            setReal(Double(value), column: column)
        case .text:
            var text = String(value)
            text.withUTF8 { setText($0, column: column) }
        }
    }

    public mutating func setReal(_ value: Double, column: Int) {
        switch types[column] {
        case .real:
            if value.isNaN { return setMissing(column: column) }
            sqlite3_bind_double(statement, Int32(column + 1), value)
            digest.real(value)
        case .integer:
            if value == value.rounded(), let exact = Int64(exactly: value) { return setInteger(exact, column: column) }
            reject("\(Value.format(value)) in integer column '\(names[column])'")
        case .text:
            var text = Value.format(value)
            text.withUTF8 { setText($0, column: column) }
        }
    }

    public mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        guard types[column] == .text else {
            return reject(
                "text '\(String(decoding: bytes, as: UTF8.self))' in \(types[column].rawValue) column '\(names[column])'"
            )
        }
        if let base = bytes.baseAddress, bytes.count > 0 {
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                _ = sqlite3_bind_text(statement, Int32(column + 1), $0, Int32(bytes.count), Self.transient)
            }
        } else {
            sqlite3_bind_text(statement, Int32(column + 1), "", 0, nil)
        }
        digest.text(bytes)
    }

    public mutating func setMissing(column: Int) {
        sqlite3_bind_null(statement, Int32(column + 1))
        digest.missing()
    }

    public mutating func endRow() throws {
        if let error = deferredError { throw error }
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            if code == SQLITE_INTERRUPT { throw EngineError.cancelled }
            throw EngineError(.sql, "cannot store row \(rowCount + 1): \(String(cString: sqlite3_errmsg(connection)))")
        }
        rowCount += 1
        if rowCount % 4096 == 0 { try cancellation.check() }
    }

    /// The content digest of every row written; call once, after the last row.
    mutating func finishDigest() -> String { digest.finish() }

    /// Frees the digest state (the store calls this when the write ends, however it ends).
    func release() { digest.deallocate() }

    private mutating func reject(_ what: String) {
        if deferredError == nil {
            deferredError = EngineError(.typeMismatch, "cannot store \(what) (row \(rowCount + 1))")
        }
    }
}
