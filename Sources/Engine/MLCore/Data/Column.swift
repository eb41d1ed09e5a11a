/// A named, typed column of a `Table`, with missing cells kept as missing.
///
/// Values are stored in one typed array; a missing cell holds a placeholder (0, NaN or "") and is
/// flagged in `missing`. Nothing turns a missing value into a number silently: `value(at:)` answers
/// `.missing`, `double(at:)` answers nil.
public struct Column: Sendable, Equatable {
    /// The typed values of a column.
    public enum Storage: Sendable, Equatable {
        case integer([Int64])
        case real([Double])
        case text([String])
    }

    public var name: String
    public private(set) var storage: Storage
    /// One flag per row, true where the cell is missing; empty when no cell is missing.
    public private(set) var missing: [Bool]

    public init(name: String, storage: Storage, missing: [Bool] = []) {
        self.name = name
        self.storage = storage
        self.missing = missing.contains(true) ? missing : []
    }

    /// A column from cells; the type is given, and every non-missing cell must be of it
    /// (integers are accepted in a real column).
    public init(name: String, type: ColumnType, values: [Value]) {
        var flags = [Bool](repeating: false, count: values.count)
        switch type {
        case .integer:
            var out = [Int64](repeating: 0, count: values.count)
            for (i, v) in values.enumerated() {
                if case .integer(let x) = v { out[i] = x } else { flags[i] = true }
            }
            self.init(name: name, storage: .integer(out), missing: flags)
        case .real:
            var out = [Double](repeating: .nan, count: values.count)
            for (i, v) in values.enumerated() {
                if let x = v.double { out[i] = x } else { flags[i] = true }
            }
            self.init(name: name, storage: .real(out), missing: flags)
        case .text:
            var out = [String](repeating: "", count: values.count)
            for (i, v) in values.enumerated() {
                switch v {
                case .text(let s): out[i] = s
                case .missing: flags[i] = true
                default: out[i] = v.displayText
                }
            }
            self.init(name: name, storage: .text(out), missing: flags)
        }
    }

    public var type: ColumnType {
        switch storage {
        case .integer: .integer
        case .real: .real
        case .text: .text
        }
    }

    public var count: Int {
        switch storage {
        case .integer(let v): v.count
        case .real(let v): v.count
        case .text(let v): v.count
        }
    }

    /// Cells that are missing (flagged, or NaN in a real column).
    public var missingCount: Int {
        if case .real(let values) = storage {
            return values.indices.reduce(0) { $0 + (isMissing($1) || values[$1].isNaN ? 1 : 0) }
        }
        return missing.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    public func isMissing(_ row: Int) -> Bool { !missing.isEmpty && missing[row] }

    public func value(at row: Int) -> Value {
        if isMissing(row) { return .missing }
        switch storage {
        case .integer(let v): return .integer(v[row])
        case .real(let v): return v[row].isNaN ? .missing : .real(v[row])
        case .text(let v): return .text(v[row])
        }
    }

    /// The numeric value of a cell, or nil when it is missing or the column is text.
    public func double(at row: Int) -> Double? {
        if isMissing(row) { return nil }
        switch storage {
        case .integer(let v): return Double(v[row])
        case .real(let v): return v[row].isNaN ? nil : v[row]
        case .text: return nil
        }
    }

    /// The non-missing numeric values in row order (empty for a text column).
    public func presentDoubles() -> [Double] {
        (0..<count).compactMap { double(at: $0) }
    }

    /// A column with the given rows, in the given order.
    public func selecting(rows: [Int]) -> Column {
        let flags = missing.isEmpty ? [] : rows.map { missing[$0] }
        switch storage {
        case .integer(let v): return Column(name: name, storage: .integer(rows.map { v[$0] }), missing: flags)
        case .real(let v): return Column(name: name, storage: .real(rows.map { v[$0] }), missing: flags)
        case .text(let v): return Column(name: name, storage: .text(rows.map { v[$0] }), missing: flags)
        }
    }

    /// The same column under another name.
    public func renamed(_ newName: String) -> Column {
        var copy = self
        copy.name = newName
        return copy
    }
}
