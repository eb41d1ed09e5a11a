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
/// Numeric cells go into raw buffers sized for the expected row count (known from a CSV scan or a
/// stored version), so the per-cell path does no copy-on-write checks; the buffers grow if more
/// rows come. `partitioned(schema:rows:)` makes builders that fill disjoint row ranges of the same
/// buffers from several threads; `assemble` joins them without copying the parts again.
public struct TableBuilder: RowSink {
    private let schema: [ColumnSchema]
    private let types: [ColumnType]
    private var integers: [UnsafeMutablePointer<Int64>?]
    private var reals: [UnsafeMutablePointer<Double>?]
    private var missing: [UnsafeMutablePointer<Bool>]
    private var texts: [[String]]
    /// Where this builder's rows start in the buffers.
    private let rowOffset: Int
    /// The rows the buffers hold; a partitioned builder may not grow past it.
    private var capacity: Int
    private let canGrow: Bool
    private var rows = 0

    public init(schema: [ColumnSchema], expectedRows: Int = 1024) {
        let capacity = max(expectedRows, 16)
        self.init(
            schema: schema, buffers: Self.allocate(schema, rows: capacity), rowOffset: 0, capacity: capacity,
            canGrow: true)
    }

    private init(schema: [ColumnSchema], buffers: Buffers, rowOffset: Int, capacity: Int, canGrow: Bool) {
        self.schema = schema
        self.types = schema.map(\.type)
        (integers, reals, missing) = buffers
        texts = Array(repeating: [], count: schema.count)
        self.rowOffset = rowOffset
        self.capacity = capacity
        self.canGrow = canGrow
    }

    private typealias Buffers = (
        [UnsafeMutablePointer<Int64>?], [UnsafeMutablePointer<Double>?], [UnsafeMutablePointer<Bool>]
    )

    private static func allocate(_ schema: [ColumnSchema], rows: Int) -> Buffers {
        (
            schema.map { $0.type == .integer ? .allocate(capacity: rows) : nil },
            schema.map { $0.type == .real ? .allocate(capacity: rows) : nil },
            schema.map { _ in .allocate(capacity: rows) }
        )
    }

    /// Builders for consecutive parts of `rows.count` parts with the given row counts, sharing
    /// one set of buffers. Fill each from one thread with exactly its row count (the caller
    /// guarantees it: a part cannot grow), then call `assemble`.
    static func partitioned(schema: [ColumnSchema], rows: [Int]) -> [TableBuilder] {
        let total = rows.reduce(0, +)
        let buffers = allocate(schema, rows: max(total, 1))
        var offset = 0
        return rows.map { count in
            defer { offset += count }
            return TableBuilder(schema: schema, buffers: buffers, rowOffset: offset, capacity: count, canGrow: false)
        }
    }

    /// The table of the parts' rows, in order; the shared buffers are freed.
    static func assemble(_ parts: [TableBuilder]) throws -> Table {
        guard let first = parts.first else { return .empty }
        defer { deallocate(parts) }
        let total = parts.reduce(0) { $0 + $1.rows }
        return try Table(
            columns: first.schema.enumerated().map { index, column in
                let storage: Column.Storage =
                    switch column.type {
                    case .integer: .integer(Array(UnsafeBufferPointer(start: first.integers[index], count: total)))
                    case .real: .real(Array(UnsafeBufferPointer(start: first.reals[index], count: total)))
                    case .text: .text(parts.flatMap { $0.texts[index] })
                    }
                return Column(
                    name: column.name, storage: storage,
                    missing: Array(UnsafeBufferPointer(start: first.missing[index], count: total)))
            })
    }

    /// Frees the buffers shared by `parts` (after a failure, when they will not be assembled).
    static func deallocate(_ parts: [TableBuilder]) {
        parts.first?.deallocate()
    }

    public mutating func setInteger(_ value: Int64, column: Int) {
        let row = rowOffset + rows
        switch types[column] {
        case .integer: integers[column]![row] = value
        case .real: reals[column]![row] = Double(value)
        case .text: texts[column].append(String(value))
        }
        missing[column][row] = false
    }

    public mutating func setReal(_ value: Double, column: Int) {
        let row = rowOffset + rows
        switch types[column] {
        case .integer: integers[column]![row] = Int64(value)
        case .real: reals[column]![row] = value
        case .text: texts[column].append(Value.format(value))
        }
        missing[column][row] = false
    }

    public mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        texts[column].append(String(decoding: bytes, as: UTF8.self))
        missing[column][rowOffset + rows] = false
    }

    public mutating func setMissing(column: Int) {
        let row = rowOffset + rows
        switch types[column] {
        case .integer: integers[column]![row] = 0
        case .real: reals[column]![row] = .nan
        case .text: texts[column].append("")
        }
        missing[column][row] = true
    }

    public mutating func endRow() throws {
        rows += 1
        if rows == capacity && canGrow { grow() }
    }

    /// The table of every row written so far; the builder's buffers are freed.
    public mutating func build() throws -> Table {
        try Self.assemble([self])
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

    private func deallocate() {
        for column in integers { column?.deallocate() }
        for column in reals { column?.deallocate() }
        for column in missing { column.deallocate() }
    }
}
