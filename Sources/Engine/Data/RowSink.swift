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
public struct TableBuilder: RowSink {
    private let schema: [ColumnSchema]
    private var integers: [[Int64]]
    private var reals: [[Double]]
    private var texts: [[String]]
    private var missing: [[Bool]]
    private var rows = 0

    public init(schema: [ColumnSchema]) {
        self.schema = schema
        integers = Array(repeating: [], count: schema.count)
        reals = Array(repeating: [], count: schema.count)
        texts = Array(repeating: [], count: schema.count)
        missing = Array(repeating: [], count: schema.count)
    }

    public mutating func setInteger(_ value: Int64, column: Int) {
        switch schema[column].type {
        case .integer: integers[column].append(value)
        case .real: reals[column].append(Double(value))
        case .text: texts[column].append(String(value))
        }
        missing[column].append(false)
    }

    public mutating func setReal(_ value: Double, column: Int) {
        switch schema[column].type {
        case .integer: integers[column].append(Int64(value))
        case .real: reals[column].append(value)
        case .text: texts[column].append(Value.format(value))
        }
        missing[column].append(false)
    }

    public mutating func setText(_ bytes: UnsafeBufferPointer<UInt8>, column: Int) {
        texts[column].append(String(decoding: bytes, as: UTF8.self))
        missing[column].append(false)
    }

    public mutating func setMissing(column: Int) {
        switch schema[column].type {
        case .integer: integers[column].append(0)
        case .real: reals[column].append(.nan)
        case .text: texts[column].append("")
        }
        missing[column].append(true)
    }

    public mutating func endRow() throws { rows += 1 }

    /// The table of every row written so far.
    public func build() throws -> Table {
        try Table(columns: schema.enumerated().map { index, column in
            let storage: Column.Storage = switch column.type {
            case .integer: .integer(integers[index])
            case .real: .real(reals[index])
            case .text: .text(texts[index])
            }
            return Column(name: column.name, storage: storage, missing: missing[index])
        })
    }
}
