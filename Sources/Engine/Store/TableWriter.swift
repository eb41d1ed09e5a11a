import GRDB
import GRDBSQLite

/// Writes rows into a new table version inside the store's open transaction, hashing them as
/// they go. Handed to the closure of `TableStore.write`.
public final class TableWriter: RowSink {
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection
    private let schema: [ColumnSchema]
    private let digest: TableDigest
    private let cancellation: Cancellation
    private var deferredError: EngineError?
    /// Rows written so far.
    public private(set) var rowCount = 0

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(statement: Statement, connection: SQLiteConnection, schema: [ColumnSchema], cancellation: Cancellation) {
        self.statement = statement.sqliteStatement
        self.connection = connection
        self.schema = schema
        self.digest = TableDigest(schema: schema)
        self.cancellation = cancellation
    }

    public func setInteger(_ value: Int64, column: Int) {
        switch schema[column].type {
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

    public func setReal(_ value: Double, column: Int) {
        switch schema[column].type {
        case .real:
            if value.isNaN { return setMissing(column: column) }
            sqlite3_bind_double(statement, Int32(column + 1), value)
            digest.real(value)
        case .integer:
            if value == value.rounded(), let exact = Int64(exactly: value) { return setInteger(exact, column: column) }
            reject("\(Value.format(value)) in integer column '\(schema[column].name)'")
        case .text:
            var text = Value.format(value)
            text.withUTF8 { setText($0, column: column) }
        }
    }

    public func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        guard schema[column].type == .text else {
            return reject("text '\(String(decoding: bytes, as: UTF8.self))' in \(schema[column].type.rawValue) column '\(schema[column].name)'")
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

    public func setMissing(column: Int) {
        sqlite3_bind_null(statement, Int32(column + 1))
        digest.missing()
    }

    public func endRow() throws {
        if let error = deferredError { throw error }
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            if code == SQLITE_INTERRUPT { throw EngineError.cancelled }
            throw EngineError(.sql, "cannot store row \(rowCount + 1): \(String(cString: sqlite3_errmsg(connection)))")
        }
        digest.endRow()
        rowCount += 1
        if rowCount % 4096 == 0 { try cancellation.check() }
    }

    /// The content digest of every row written; call once, after the last row.
    func finishDigest() -> String { digest.finish() }

    private func reject(_ what: String) {
        if deferredError == nil {
            deferredError = EngineError(.typeMismatch, "cannot store \(what) (row \(rowCount + 1))")
        }
    }
}
