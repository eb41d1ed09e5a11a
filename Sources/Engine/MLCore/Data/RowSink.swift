/// Receives rows cell by cell: the CSV reader writes into it, a table builder or a store writer
/// takes the cells.
///
/// A row is a sequence of `set…` calls, one per column in order, closed by `endRow()`.
public protocol RowSink {
    mutating func setInteger(_ value: Int64, column: Int)
    mutating func setReal(_ value: Double, column: Int)
    mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int)
    mutating func setMissing(column: Int)
    mutating func endRow() throws
}

extension RowSink {
    /// Writes one cell of any kind.
    public mutating func set(_ value: Value, column: Int) {
        switch value {
        case .integer(let v): setInteger(v, column: column)
        case .real(let v): v.isNaN ? setMissing(column: column) : setReal(v, column: column)
        case .text(let s):
            var copy = s
            copy.withUTF8 { setText($0, column: column) }
        case .missing: setMissing(column: column)
        }
    }

    /// Writes every row of `table`, checking for cancellation between batches of rows.
    public mutating func write(_ table: Table, cancellation: Cancellation? = nil) throws {
        for row in 0..<table.rowCount {
            if row % 4096 == 0 { try cancellation?.check() }
            for (index, column) in table.columns.enumerated() { set(column.value(at: row), column: index) }
            try endRow()
        }
    }
}

/// A column's name and type: what a table holds before it holds rows.
public struct ColumnSchema: Sendable, Equatable, Codable {
    public var name: String
    public var type: ColumnType

    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// Collects rows into an in-memory `Table`.
///
/// Numeric cells go into raw buffers sized for the expected row count (known from a stored
/// version), so the per-cell path does no copy-on-write checks; the buffers grow if more rows come.
public struct TableBuilder: RowSink {
    private let schema: [ColumnSchema]
    private let types: [ColumnType]
    private var integers: [UnsafeMutablePointer<Int64>?]
    private var reals: [UnsafeMutablePointer<Double>?]
    private var missing: [UnsafeMutablePointer<Bool>]
    private var texts: [[String]]
    /// The rows the buffers hold.
    private var capacity: Int
    private var rows = 0

    public init(schema: [ColumnSchema], expectedRows: Int = 1024) {
        capacity = max(expectedRows, 16)
        self.schema = schema
        types = schema.map(\.type)
        integers = schema.map { [capacity] in $0.type == .integer ? .allocate(capacity: capacity) : nil }
        reals = schema.map { [capacity] in $0.type == .real ? .allocate(capacity: capacity) : nil }
        missing = schema.map { [capacity] _ in .allocate(capacity: capacity) }
        texts = Array(repeating: [], count: schema.count)
    }

    public mutating func setInteger(_ value: Int64, column: Int) {
        let row = rows
        switch types[column] {
        case .integer: integers[column]![row] = value
        case .real: reals[column]![row] = Double(value)
        case .text: texts[column].append(String(value))
        }
        missing[column][row] = false
    }

    public mutating func setReal(_ value: Double, column: Int) {
        let row = rows
        switch types[column] {
        case .integer: integers[column]![row] = Int64(value)
        case .real: reals[column]![row] = value
        case .text: texts[column].append(Value.format(value))
        }
        missing[column][row] = false
    }

    public mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        texts[column].append(String(decoding: bytes, as: UTF8.self))
        missing[column][rows] = false
    }

    public mutating func setMissing(column: Int) {
        let row = rows
        switch types[column] {
        case .integer: integers[column]![row] = 0
        case .real: reals[column]![row] = .nan
        case .text: texts[column].append("")
        }
        missing[column][row] = true
    }

    public mutating func endRow() throws {
        rows += 1
        if rows == capacity { grow() }
    }

    /// The table of every row written so far; the builder's buffers are freed (call it once).
    ///
    /// Each column's buffers are freed as soon as the column is copied out, so the rows are held
    /// about once, not twice (a 1,000,000-row table of 34 columns peaked at 612 MB, now 330 MB).
    public mutating func build() throws -> Table {
        var columns: [Column] = []
        columns.reserveCapacity(schema.count)
        for (index, column) in schema.enumerated() {
            let storage: Column.Storage =
                switch column.type {
                case .integer: .integer(Array(UnsafeBufferPointer(start: integers[index], count: rows)))
                case .real: .real(Array(UnsafeBufferPointer(start: reals[index], count: rows)))
                case .text: .text(texts[index])
                }
            columns.append(
                Column(
                    name: column.name, storage: storage,
                    missing: Array(UnsafeBufferPointer(start: missing[index], count: rows))))
            integers[index]?.deallocate()
            integers[index] = nil
            reals[index]?.deallocate()
            reals[index] = nil
            texts[index] = []
            missing[index].deallocate()
        }
        missing = []
        return try Table(columns: columns)
    }

    private mutating func grow() {
        let bigger = capacity * 2
        func moved<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: bigger)
            new.moveInitialize(from: old, count: rows)
            old.deallocate()
            return new
        }
        integers = integers.map { $0.map(moved) }
        reals = reals.map { $0.map(moved) }
        missing = missing.map(moved)
        capacity = bigger
    }
}
