/// The type of a column, as stored and as shown by `columns`.
public enum ColumnType: String, Sendable, Codable, CaseIterable {
    /// 64-bit signed integers.
    case integer
    /// IEEE-754 doubles.
    case real
    /// UTF-8 text.
    case text

    /// The SQLite declared type used for stored tables.
    public var sqlType: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        }
    }

    public var isNumeric: Bool { self != .text }
}

/// One cell of a table.
public enum Value: Sendable, Equatable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case missing

    /// The numeric value, or nil for text and missing cells.
    public var double: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        case .text, .missing: nil
        }
    }

    public var isMissing: Bool { self == .missing }

    /// The cell as people read it: integers plainly, reals in the shortest form that round-trips,
    /// text as is, and missing as an empty string.
    public var displayText: String {
        switch self {
        case .integer(let v): String(v)
        case .real(let v): Value.format(v)
        case .text(let s): s
        case .missing: ""
        }
    }

    /// The shortest decimal form of a double that reads back to the same value, without a
    /// trailing ".0" for whole numbers that fit an integer exactly.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}
