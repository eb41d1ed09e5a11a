import Engine

// A minimal FlatBuffers reader and builder: just enough for Arrow's IPC metadata (Message, Schema,
// Field, RecordBatch). See https://flatbuffers.dev/internals/ for the encoding.

/// The error for metadata or data that does not follow the Arrow IPC format.
func corruptArrow(_ detail: String) -> EngineError {
    EngineError(
        .invalidData, "corrupt Arrow data: \(detail)",
        hint: "the stream is truncated or damaged; run the query again")
}

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`, or an error when it does not lie inside the buffer.
    func checkedLoad<T: FixedWidthInteger>(_: T.Type, at offset: Int) throws -> T {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size else {
            throw corruptArrow("a \(MemoryLayout<T>.size)-byte value at \(offset) lies outside \(count) bytes")
        }
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The bytes `offset..<offset + length`, or an error when they do not lie inside the buffer.
    func checkedSlice(at offset: Int, length: Int) throws -> UnsafeRawBufferPointer {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw corruptArrow("\(length) bytes at \(offset) lie outside \(count) bytes")
        }
        return UnsafeRawBufferPointer(rebasing: self[offset..<offset + length])
    }
}

/// A FlatBuffers table read in place; every access is bounds-checked and throws on corrupt data.
struct FlatTable {
    private let bytes: UnsafeRawBufferPointer
    private let position: Int
    private let vtable: Int
    private let vtableSize: Int
    private let tableSize: Int

    /// The root table of a finished FlatBuffer.
    init(root bytes: UnsafeRawBufferPointer) throws {
        try self.init(bytes, at: Int(try bytes.checkedLoad(UInt32.self, at: 0)))
    }

    private init(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        self.bytes = bytes
        self.position = position
        vtable = position - Int(try bytes.checkedLoad(Int32.self, at: position))
        vtableSize = Int(try bytes.checkedLoad(UInt16.self, at: vtable))
        tableSize = Int(try bytes.checkedLoad(UInt16.self, at: vtable + 2))
        guard vtableSize >= 4, vtableSize <= bytes.count - vtable, tableSize >= 4,
            tableSize <= bytes.count - position
        else { throw corruptArrow("a metadata table at \(position) has a bad vtable") }
    }

    /// Where field number `field` is stored, or nil when the table omits it.
    private func location(of field: Int) throws -> Int? {
        let slot = 4 + 2 * field
        guard slot + 2 <= vtableSize else { return nil }
        let offset = Int(try bytes.checkedLoad(UInt16.self, at: vtable + slot))
        guard offset != 0 else { return nil }
        guard offset < tableSize else { throw corruptArrow("a metadata field lies outside its table") }
        return position + offset
    }

    /// The target of the offset stored at `location` (offsets always point forward).
    private func target(at location: Int) throws -> Int {
        location + Int(try bytes.checkedLoad(UInt32.self, at: location))
    }

    func scalar<T: FixedWidthInteger>(_ field: Int, default value: T) throws -> T {
        guard let at = try location(of: field) else { return value }
        return try bytes.checkedLoad(T.self, at: at)
    }

    func bool(_ field: Int, default value: Bool) throws -> Bool {
        try scalar(field, default: UInt8(value ? 1 : 0)) != 0
    }

    func table(_ field: Int) throws -> FlatTable? {
        guard let at = try location(of: field) else { return nil }
        return try FlatTable(bytes, at: try target(at: at))
    }

    func string(_ field: Int) throws -> String? {
        guard let at = try location(of: field) else { return nil }
        let start = try target(at: at)
        let length = Int(try bytes.checkedLoad(UInt32.self, at: start))
        return String(decoding: try bytes.checkedSlice(at: start + 4, length: length), as: UTF8.self)
    }

    /// The tables of a vector of tables, or nil when the table omits the field.
    func tables(_ field: Int) throws -> [FlatTable]? {
        guard let (start, count) = try vector(field, elementSize: 4) else { return nil }
        return try (0..<count).map { try FlatTable(bytes, at: try target(at: start + 4 * $0)) }
    }

    /// A vector of structs made of `Int64` members (Arrow's FieldNode and Buffer), or nil when omitted.
    func int64Structs(_ field: Int, members: Int) throws -> FlatInt64Structs? {
        guard let (start, count) = try vector(field, elementSize: 8 * members) else { return nil }
        return FlatInt64Structs(bytes: try bytes.checkedSlice(at: start, length: count * 8 * members), members: members)
    }

    /// The first element's position and the element count of a vector field.
    private func vector(_ field: Int, elementSize: Int) throws -> (start: Int, count: Int)? {
        guard let at = try location(of: field) else { return nil }
        let start = try target(at: at)
        let count = Int(try bytes.checkedLoad(UInt32.self, at: start))
        _ = try bytes.checkedSlice(at: start + 4, length: count * elementSize)
        return (start + 4, count)
    }
}

/// A vector of structs whose members are all `Int64`, already bounds-checked as a whole.
struct FlatInt64Structs {
    fileprivate let bytes: UnsafeRawBufferPointer
    fileprivate let members: Int

    var count: Int { bytes.count / (8 * members) }

    func member(_ member: Int, of element: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * (element * members + member), as: Int64.self))
    }
}

/// Builds a FlatBuffer back to front, as the format expects: children are finished before the
/// tables that point at them. Positions (`Offset`) count bytes from the end of the buffer.
struct FlatBufferBuilder {
    typealias Offset = Int

    /// The finished part is `storage[head...]`; free space lies before `head`, always zeroed.
    private var storage = [UInt8](repeating: 0, count: 1024)
    private var head = 1024
    private var largestAlignment = 1
    private var fieldLocations: [Offset] = []
    private var tableStart: Offset = 0

    private var size: Int { storage.count - head }

    private mutating func reserve(_ count: Int) {
        guard head < count else { return }
        let used = size
        var larger = [UInt8](repeating: 0, count: max(2 * storage.count, used + count))
        let newHead = larger.count - used
        larger.replaceSubrange(newHead..., with: storage[head...])
        storage = larger
        head = newHead
    }

    /// Pads so that after `following` more bytes the position is a multiple of `alignment`.
    private mutating func align(_ alignment: Int, following: Int = 0) {
        largestAlignment = max(largestAlignment, alignment)
        let padding = (alignment - (size + following) % alignment) % alignment
        reserve(padding)
        head -= padding
    }

    private mutating func put<T: FixedWidthInteger>(_ value: T) {
        reserve(MemoryLayout<T>.size)
        head -= MemoryLayout<T>.size
        let at = head
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
    }

    private mutating func putOffset(_ offset: Offset) {
        align(4)
        put(UInt32(size + 4 - offset))
    }

    mutating func string(_ text: String) -> Offset {
        let utf8 = Array(text.utf8)
        align(4, following: utf8.count + 1)
        put(UInt8(0))
        reserve(utf8.count)
        head -= utf8.count
        storage.replaceSubrange(head..<head + utf8.count, with: utf8)
        put(UInt32(utf8.count))
        return size
    }

    mutating func vector(of offsets: [Offset]) -> Offset {
        align(4, following: 4 * offsets.count)
        for offset in offsets.reversed() { putOffset(offset) }
        put(UInt32(offsets.count))
        return size
    }

    /// A vector of structs with two `Int64` members each (Arrow's FieldNode and Buffer).
    mutating func int64PairVector(_ elements: [(Int64, Int64)]) -> Offset {
        align(4, following: 16 * elements.count)
        align(8, following: 16 * elements.count)
        for (first, second) in elements.reversed() {
            put(second)
            put(first)
        }
        put(UInt32(elements.count))
        return size
    }

    mutating func startTable(fieldCount: Int) {
        fieldLocations = [Offset](repeating: 0, count: fieldCount)
        tableStart = size
    }

    mutating func add<T: FixedWidthInteger>(_ value: T, field: Int) {
        align(MemoryLayout<T>.size)
        put(value)
        fieldLocations[field] = size
    }

    mutating func add(_ value: Bool, field: Int) {
        add(UInt8(value ? 1 : 0), field: field)
    }

    mutating func add(offset: Offset, field: Int) {
        putOffset(offset)
        fieldLocations[field] = size
    }

    /// Finishes the table with its vtable written just before it.
    mutating func endTable() -> Offset {
        align(4)
        put(Int32(0)) // the distance to the vtable, patched below
        let table = size
        for location in fieldLocations.reversed() { put(UInt16(location == 0 ? 0 : table - location)) }
        put(UInt16(table - tableStart))
        put(UInt16(2 * (fieldLocations.count + 2)))
        let vtableDistance = Int32(size - table)
        let at = storage.count - table
        storage.withUnsafeMutableBytes {
            $0.storeBytes(of: vtableDistance.littleEndian, toByteOffset: at, as: Int32.self)
        }
        return table
    }

    /// The finished buffer, with `root` as its root table.
    mutating func finish(root: Offset) -> [UInt8] {
        align(max(largestAlignment, 4), following: 4)
        putOffset(root)
        return Array(storage[head...])
    }
}
