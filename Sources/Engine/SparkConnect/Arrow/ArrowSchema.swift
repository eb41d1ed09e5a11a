import Engine

/// One column of an Arrow schema.
public struct ArrowField: Sendable, Equatable {
    public let name: String
    public let type: ArrowType
    public let nullable: Bool

    public init(name: String, type: ArrowType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The Arrow column types PlateShell reads; any other type is rejected with an error naming it.
public enum ArrowType: Sendable, Equatable {
    /// The resolution of a timestamp.
    public enum TimeUnit: Sendable, Equatable {
        case second, millisecond, microsecond, nanosecond
    }

    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64
    case boolean
    case utf8, largeUtf8, binary
    /// Days since 1970-01-01.
    case date32
    /// Milliseconds since 1970-01-01.
    case date64
    /// Time since 1970-01-01T00:00:00 UTC; without a timezone it is a wall-clock time in no particular zone.
    case timestamp(unit: TimeUnit, timezone: String?)
    case decimal128(precision: Int, scale: Int)
    /// A column whose every cell is null.
    case null

    /// The PlateShell column type this Arrow type is read as.
    var columnType: ColumnType {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .boolean: .integer
        case .float32, .float64, .decimal128: .real
        case .utf8, .largeUtf8, .binary, .date32, .date64, .timestamp, .null: .text
        }
    }
}

extension ArrowType: CustomStringConvertible {
    /// The type as pyarrow names it: "int64", "timestamp[us, tz=UTC]", "decimal128(10, 2)".
    public var description: String {
        switch self {
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float32: "float"
        case .float64: "double"
        case .boolean: "bool"
        case .utf8: "string"
        case .largeUtf8: "large_string"
        case .binary: "binary"
        case .date32: "date32[day]"
        case .date64: "date64[ms]"
        case .timestamp(let unit, let timezone): "timestamp[\(unit)\(timezone.map { ", tz=\($0)" } ?? "")]"
        case .decimal128(let precision, let scale): "decimal128(\(precision), \(scale))"
        case .null: "null"
        }
    }
}

extension ArrowType.TimeUnit: CustomStringConvertible {
    public var description: String {
        switch self {
        case .second: "s"
        case .millisecond: "ms"
        case .microsecond: "us"
        case .nanosecond: "ns"
        }
    }
}

extension ArrowField {
    /// Arrow's numbering of the `Type` union in Schema.fbs.
    enum TypeID {
        static let null: UInt8 = 1, int: UInt8 = 2, floatingPoint: UInt8 = 3, binary: UInt8 = 4, utf8: UInt8 = 5
        static let bool: UInt8 = 6, decimal: UInt8 = 7, date: UInt8 = 8, timestamp: UInt8 = 10, largeUtf8: UInt8 = 20
    }

    /// Names of the types PlateShell does not read, by union number, for error messages.
    private static let unsupportedTypeNames: [UInt8: String] = [
        9: "Time", 11: "Interval", 12: "List", 13: "Struct", 14: "Union", 15: "FixedSizeBinary",
        16: "FixedSizeList", 17: "Map", 18: "Duration", 19: "LargeBinary", 21: "LargeList", 22: "RunEndEncoded",
        23: "BinaryView", 24: "Utf8View", 25: "ListView", 26: "LargeListView",
    ]

    /// A field from its FlatBuffers `Field` table.
    ///
    /// - Throws: `EngineError.invalidData` for a type PlateShell cannot read, a dictionary-encoded
    ///   field, or corrupt metadata.
    init(decoding field: FlatTable) throws {
        name = try field.string(0) ?? ""
        nullable = try field.bool(1, default: false)
        let typeID = try field.scalar(2, default: UInt8(0))
        let details = try field.table(3)
        if try field.table(4) != nil {
            throw EngineError(
                .invalidData, "column '\(name)' is dictionary-encoded, which PlateShell cannot read",
                hint: "cast the column to its value type in the query")
        }
        type = try Self.type(id: typeID, details: details, column: name)
    }

    private static func type(id: UInt8, details: FlatTable?, column: String) throws -> ArrowType {
        func unsupported(_ typeName: String) -> EngineError {
            EngineError(
                .invalidData, "column '\(column)' has Arrow type \(typeName), which PlateShell cannot read",
                hint: "select or cast it in the query")
        }
        switch id {
        case TypeID.null: return .null
        case TypeID.binary: return .binary
        case TypeID.utf8: return .utf8
        case TypeID.largeUtf8: return .largeUtf8
        case TypeID.bool: return .boolean
        default: break
        }
        guard let details else {
            if let typeName = unsupportedTypeNames[id] { throw unsupported(typeName) }
            throw corruptArrow("column '\(column)' has no type or an unknown type (\(id))")
        }
        switch id {
        case TypeID.int:
            let signed = try details.bool(1, default: false)
            switch (try details.scalar(0, default: Int32(0)), signed) {
            case (8, true): return .int8
            case (16, true): return .int16
            case (32, true): return .int32
            case (64, true): return .int64
            case (8, false): return .uint8
            case (16, false): return .uint16
            case (32, false): return .uint32
            case (64, false): return .uint64
            case (let bits, _): throw corruptArrow("column '\(column)' is a \(bits)-bit integer")
            }
        case TypeID.floatingPoint:
            switch try details.scalar(0, default: Int16(0)) {
            case 1: return .float32
            case 2: return .float64
            default: throw unsupported("Float16")
            }
        case TypeID.decimal:
            guard try details.scalar(2, default: Int32(128)) == 128 else { throw unsupported("Decimal256") }
            let precision = Int(try details.scalar(0, default: Int32(0)))
            let scale = Int(try details.scalar(1, default: Int32(0)))
            guard (1...38).contains(precision), abs(scale) <= 38 else {
                throw corruptArrow("column '\(column)' is decimal128(\(precision), \(scale))")
            }
            return .decimal128(precision: precision, scale: scale)
        case TypeID.date:
            return try details.scalar(0, default: Int16(1)) == 0 ? .date32 : .date64
        case TypeID.timestamp:
            let units: [ArrowType.TimeUnit] = [.second, .millisecond, .microsecond, .nanosecond]
            let unit = Int(try details.scalar(0, default: Int16(0)))
            guard units.indices.contains(unit) else { throw corruptArrow("column '\(column)' has time unit \(unit)") }
            let timezone = try details.string(1)
            return .timestamp(unit: units[unit], timezone: timezone?.isEmpty == false ? timezone : nil)
        default:
            throw unsupported(unsupportedTypeNames[id] ?? "number \(id)")
        }
    }
}
