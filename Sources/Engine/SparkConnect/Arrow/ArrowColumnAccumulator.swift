import Engine

#if _endian(big)
    #error("Arrow buffers are little-endian; this decoder copies them as they are")
#endif

/// One column's array in one record batch: its row count, null count and body buffers, all bounds-checked.
struct ArrowArray {
    let length: Int
    let nullCount: Int
    /// The validity bitmap (a set bit marks a present cell), or nil when no cell is null.
    let validity: UnsafeRawBufferPointer?
    /// The buffers after the validity bitmap: the values, or the offsets and the bytes.
    let buffers: [UnsafeRawBufferPointer]

    func isNull(_ row: Int) -> Bool {
        guard let validity else { return false }
        return validity.load(fromByteOffset: row >> 3, as: UInt8.self) & (1 << (row & 7)) == 0
    }
}

/// The rows of one column gathered so far, in the PlateShell storage its Arrow type is read as.
struct ArrowColumnAccumulator {
    let field: ArrowField
    private var integers: [Int64] = []
    private var reals: [Double] = []
    private var texts: [String] = []
    /// One flag per row gathered so far, true where the cell is missing; empty while none is.
    private var missing: [Bool] = []
    private(set) var count = 0

    init(field: ArrowField) {
        self.field = field
    }

    /// How many body buffers an array of this column has, the validity bitmap included.
    var bufferCount: Int {
        switch field.type {
        case .null: 0
        case .utf8, .largeUtf8, .binary: 3
        default: 2
        }
    }

    /// The column as PlateShell holds it.
    func column() -> Column {
        let storage: Column.Storage =
            switch field.type.columnType {
            case .integer: .integer(integers)
            case .real: .real(reals)
            case .text: .text(texts)
            }
        return Column(name: field.name, storage: storage, missing: missing)
    }

    /// Drops everything after the first `rows` rows, undoing appends that a later error made void.
    mutating func truncate(to rows: Int) {
        integers.removeSubrange(min(rows, integers.count)...)
        reals.removeSubrange(min(rows, reals.count)...)
        texts.removeSubrange(min(rows, texts.count)...)
        missing.removeSubrange(min(rows, missing.count)...)
        count = min(count, rows)
    }

    /// Checks that an array's first buffer is large enough for its rows, so that a corrupt batch is
    /// refused before any column takes rows from it.
    func check(_ array: ArrowArray) throws {
        guard let first = array.buffers.first else { return }
        let rows = array.length
        let needed =
            switch field.type {
            case .boolean: (rows + 7) / 8
            case .utf8, .largeUtf8, .binary: rows == 0 ? 0 : (rows + 1) * valueWidth
            default: rows * valueWidth
            }
        guard first.count >= needed else {
            throw corruptArrow("column '\(field.name)' has \(first.count) bytes where its \(rows) rows need \(needed)")
        }
    }

    /// The bytes per row of the first buffer after the validity bitmap (values or offsets).
    private var valueWidth: Int {
        switch field.type {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32, .date32, .utf8, .binary: 4
        case .int64, .uint64, .float64, .date64, .timestamp, .largeUtf8: 8
        case .decimal128: 16
        case .boolean, .null: 0
        }
    }

    /// Appends one batch's array, which `check(_:)` has passed, converting its values to the column's
    /// PlateShell storage.
    mutating func append(_ array: ArrowArray) throws {
        appendMissingFlags(array)
        let rows = array.length
        switch field.type {
        case .int8: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as Int8) }
        case .int16: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as Int16) }
        case .int32: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as Int32) }
        case .uint8: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as UInt8) }
        case .uint16: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as UInt16) }
        case .uint32: Self.appendConverted(array.buffers[0], rows, to: &integers) { Int64($0 as UInt32) }
        case .int64: Self.appendCopied(array.buffers[0], rows, to: &integers)
        case .uint64: try appendUInt64(array)
        case .float32: Self.appendConverted(array.buffers[0], rows, to: &reals) { Double($0 as Float) }
        case .float64: Self.appendCopied(array.buffers[0], rows, to: &reals)
        case .boolean: appendBooleans(array)
        case .decimal128(_, let scale): appendDecimals(array, scale: scale)
        case .utf8: try appendStrings(array, offset: Int32.self) { String(decoding: $0, as: UTF8.self) }
        case .largeUtf8: try appendStrings(array, offset: Int64.self) { String(decoding: $0, as: UTF8.self) }
        case .binary: try appendStrings(array, offset: Int32.self, ArrowTextFormat.hex)
        case .date32: appendTexts(array, width: 4) { ArrowTextFormat.date(days: Int64($0 as Int32)) }
        case .date64: appendTexts(array, width: 8) { ArrowTextFormat.date(milliseconds: $0) }
        case .timestamp(let unit, let timezone):
            appendTexts(array, width: 8) { ArrowTextFormat.timestamp($0, unit: unit, utc: timezone != nil) }
        case .null: texts.append(contentsOf: repeatElement("", count: rows))
        }
        count += rows
    }

    private mutating func appendMissingFlags(_ array: ArrowArray) {
        let allMissing = field.type == .null
        guard array.nullCount > 0 || allMissing else {
            if !missing.isEmpty { missing.append(contentsOf: repeatElement(false, count: array.length)) }
            return
        }
        if missing.isEmpty { missing = [Bool](repeating: false, count: count) }
        let start = missing.count
        missing.append(contentsOf: repeatElement(allMissing, count: array.length))
        guard !allMissing else { return }
        missing.withUnsafeMutableBufferPointer { flags in
            for row in 0..<array.length { flags[start + row] = array.isNull(row) }
        }
    }

    /// Appends values whose Arrow layout is PlateShell's (Int64, Double) with one bulk copy.
    private static func appendCopied<Value: Numeric & BitwiseCopyable>(
        _ source: UnsafeRawBufferPointer, _ rows: Int, to target: inout [Value]
    ) {
        let start = target.count
        target.append(contentsOf: repeatElement(0, count: rows))
        guard rows > 0 else { return }
        target.withUnsafeMutableBytes { bytes in
            let stride = MemoryLayout<Value>.stride
            let target = bytes.baseAddress!.advanced(by: start * stride)
            target.copyMemory(from: source.baseAddress!, byteCount: rows * stride)
        }
    }

    /// Appends values converted one by one from a narrower Arrow type.
    private static func appendConverted<Source: BitwiseCopyable, Value: Numeric>(
        _ source: UnsafeRawBufferPointer, _ rows: Int, to target: inout [Value], _ convert: (Source) -> Value
    ) {
        let width = MemoryLayout<Source>.size
        let start = target.count
        target.append(contentsOf: repeatElement(0, count: rows))
        target.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                out[start + row] = convert(source.loadUnaligned(fromByteOffset: row * width, as: Source.self))
            }
        }
    }

    private mutating func appendUInt64(_ array: ArrowArray) throws {
        let source = array.buffers[0]
        for row in 0..<array.length {
            let value = source.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self)
            if value > UInt64(Int64.max), !array.isNull(row) {
                throw EngineError(
                    .invalidData,
                    "column '\(field.name)' holds \(value) in row \(count + row + 1), "
                        + "which is too large for a PlateShell integer",
                    hint: "cast the column to double or string in the query")
            }
            integers.append(Int64(truncatingIfNeeded: value))
        }
    }

    private mutating func appendBooleans(_ array: ArrowArray) {
        let bits = array.buffers[0]
        integers.append(
            contentsOf: (0..<array.length).lazy.map { (row: Int) -> Int64 in
                let byte: UInt8 = bits.load(fromByteOffset: row >> 3, as: UInt8.self)
                return Int64((byte >> UInt8(row & 7)) & 1)
            })
    }

    private mutating func appendDecimals(_ array: ArrowArray, scale: Int) {
        let source = array.buffers[0]
        let power = Self.powerOfTen(abs(scale))
        let start = reals.count
        reals.append(contentsOf: repeatElement(0, count: array.length))
        reals.withUnsafeMutableBufferPointer { out in
            for row in 0..<array.length {
                let low = source.loadUnaligned(fromByteOffset: 16 * row, as: UInt64.self)
                let high = source.loadUnaligned(fromByteOffset: 16 * row + 8, as: Int64.self)
                let unscaled = Self.double(low: low, high: high)
                out[start + row] = scale >= 0 ? unscaled / power : unscaled * power
            }
        }
    }

    /// A 128-bit two's-complement integer as the nearest Double (within one rounding step).
    private static func double(low: UInt64, high: Int64) -> Double {
        if high == 0 && low <= UInt64(Int64.max) || high == -1 && low > UInt64(Int64.max) {
            return Double(Int64(bitPattern: low))
        }
        let negative = high < 0
        var magnitudeLow = low
        var magnitudeHigh = UInt64(bitPattern: high)
        if negative {
            magnitudeLow = ~low &+ 1
            magnitudeHigh = ~magnitudeHigh &+ (magnitudeLow == 0 ? 1 : 0)
        }
        let magnitude = Double(magnitudeHigh) * 0x1p64 + Double(magnitudeLow)
        return negative ? -magnitude : magnitude
    }

    /// 10^exponent, correctly rounded.
    private static func powerOfTen(_ exponent: Int) -> Double {
        Double("1e\(exponent)") ?? .infinity
    }

    /// Appends text made from each present cell's fixed-width value; missing cells get "".
    private mutating func appendTexts<Source: BitwiseCopyable>(
        _ array: ArrowArray, width: Int, _ text: (Source) -> String
    ) {
        let source = array.buffers[0]
        for row in 0..<array.length {
            let isNull = array.isNull(row)
            texts.append(isNull ? "" : text(source.loadUnaligned(fromByteOffset: row * width, as: Source.self)))
        }
    }

    /// Appends text made from each present cell's variable-length bytes; missing cells get "".
    private mutating func appendStrings<Offset: FixedWidthInteger>(
        _ array: ArrowArray, offset: Offset.Type, _ text: (UnsafeRawBufferPointer) -> String
    ) throws {
        guard array.length > 0 else { return }
        let offsets = array.buffers[0]
        let bytes = array.buffers[1]
        let width = MemoryLayout<Offset>.size
        var start = Int(offsets.loadUnaligned(as: Offset.self))
        for row in 0..<array.length {
            let end = Int(offsets.loadUnaligned(fromByteOffset: (row + 1) * width, as: Offset.self))
            if array.isNull(row) {
                texts.append("")
            } else {
                guard start >= 0, start <= end, end <= bytes.count else {
                    throw corruptArrow(
                        "column '\(field.name)' row \(count + row + 1) spans bytes \(start)..<\(end) of \(bytes.count)")
                }
                texts.append(text(UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
            }
            start = end
        }
    }
}
