import Engine
import Foundation

/// Accumulates record batches from one or more IPC streams into PlateShell columns.
///
/// Signed integers, unsigned integers up to 32 bits and uint64 values that fit become integer
/// columns; booleans become integer 0/1; float32, float64 and decimal128 become real columns; utf8,
/// large_utf8, binary (as hexadecimal), dates ("YYYY-MM-DD"), timestamps (ISO 8601) and the null type
/// become text. Null cells become missing cells. Other types, dictionary encoding and compressed
/// bodies are rejected with an `EngineError` that names the column.
///
/// ```swift
/// var builder = ArrowTableBuilder()
/// for batch in response.arrowBatches { try builder.append(stream: batch.data) }
/// let table = try builder.build()
/// ```
public struct ArrowTableBuilder {
    private var columns: [ArrowColumnAccumulator] = []
    private var hasSchema = false
    /// The most rows a batch whose columns are all of the null type (and so have no buffers to bound
    /// the row count) may claim; Spark's batches hold at most 10,000 rows by default.
    private static let rowsWithoutBuffers: Int64 = 1 << 24

    /// The rows appended so far.
    public private(set) var rowCount = 0
    /// Notes to show the user, e.g. "column 'price' is decimal(10,2) in Spark; read as double".
    public private(set) var notes: [String] = []

    public init() {}

    /// The columns of the streams appended so far; empty before the first stream.
    public var fields: [ArrowField] { columns.map(\.field) }

    /// Decodes one complete IPC stream (schema, record batches, optional EOS) and appends its rows.
    /// Every stream after the first must carry the same field names and types.
    ///
    /// A stream that fails to decode leaves the builder as it was.
    ///
    /// - Throws: `EngineError.invalidData` for a truncated or corrupt stream, a schema unlike the
    ///   first stream's, a column type PlateShell cannot read, or a compressed body.
    public mutating func append(stream bytes: UnsafeRawBufferPointer) throws {
        let before = (hasSchema: hasSchema, notes: notes, rowCount: rowCount)
        do {
            try decode(stream: bytes)
        } catch {
            if before.hasSchema {
                for index in columns.indices { columns[index].truncate(to: before.rowCount) }
            } else {
                columns = []
            }
            (hasSchema, notes, rowCount) = before
            throw error
        }
    }

    /// Decodes one complete IPC stream and appends its rows; see `append(stream:)` for raw bytes.
    public mutating func append(stream data: Data) throws {
        try data.withUnsafeBytes { try append(stream: $0) }
    }

    /// The accumulated rows as a Table, columns in schema order.
    ///
    /// - Throws: `EngineError.invalidData` when two columns share a name.
    public func build() throws -> Table {
        try Table(columns: columns.map { $0.column() })
    }

    private mutating func decode(stream bytes: UnsafeRawBufferPointer) throws {
        var messages = ArrowMessageReader(bytes)
        guard let first = try messages.next() else {
            throw EngineError(
                .invalidData, "the Arrow stream is empty; expected a schema first",
                hint: "the server sent no Arrow data; run the query again")
        }
        guard case .schema(let schema) = first.header else {
            throw corruptArrow("the stream starts with a record batch; expected a schema")
        }
        try adopt(try Self.fields(of: schema))
        while let message = try messages.next() {
            guard case .recordBatch(let batch) = message.header else {
                throw corruptArrow("the stream holds a second schema")
            }
            try appendBatch(batch, body: message.body)
        }
    }

    private static func fields(of schema: FlatTable) throws -> [ArrowField] {
        guard try schema.scalar(0, default: Int16(0)) == 0 else {
            throw EngineError(
                .invalidData, "the Arrow stream is big-endian, which PlateShell cannot read",
                hint: "send little-endian Arrow data")
        }
        return try (schema.tables(1) ?? []).map(ArrowField.init(decoding:))
    }

    /// Takes the first stream's fields as the table's columns; checks later streams against them.
    private mutating func adopt(_ streamFields: [ArrowField]) throws {
        guard hasSchema else {
            columns = streamFields.map(ArrowColumnAccumulator.init)
            notes = streamFields.compactMap(\.conversionNote)
            hasSchema = true
            return
        }
        let known = fields
        guard streamFields.map(\.name) == known.map(\.name), streamFields.map(\.type) == known.map(\.type) else {
            func list(_ fields: [ArrowField]) -> String {
                fields.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
            }
            throw EngineError(
                .invalidData, "an Arrow stream has columns (\(list(streamFields))); the first had (\(list(known)))",
                hint: "every part of a result must have the same columns")
        }
    }

    private mutating func appendBatch(_ batch: FlatTable, body: UnsafeRawBufferPointer) throws {
        if try batch.table(3) != nil {
            throw EngineError(
                .invalidData,
                "compressed Arrow batches are not supported; PlateShell reads only uncompressed Arrow data",
                hint: "turn off Arrow IPC compression on the server")
        }
        let length = try batch.scalar(0, default: Int64(0))
        guard length >= 0, length <= Int32.max else { throw corruptArrow("a record batch claims \(length) rows") }
        let nodes = try batch.int64Structs(1, members: 2)
        let buffers = try batch.int64Structs(2, members: 2)
        let bufferTotal = columns.reduce(0) { $0 + $1.bufferCount }
        guard nodes?.count ?? 0 == columns.count, buffers?.count ?? 0 == bufferTotal else {
            throw corruptArrow(
                "a record batch has \(nodes?.count ?? 0) arrays and \(buffers?.count ?? 0) buffers; "
                    + "the schema needs \(columns.count) and \(bufferTotal)")
        }
        var nextBuffer = 0
        let arrays = try columns.indices.map { index in
            let array = try Self.array(
                length: Int(length), node: index, nodes: nodes, firstBuffer: nextBuffer,
                bufferCount: columns[index].bufferCount, buffers: buffers, body: body)
            try columns[index].check(array)
            nextBuffer += columns[index].bufferCount
            return array
        }
        if bufferTotal == 0, !columns.isEmpty, length > Self.rowsWithoutBuffers {
            throw corruptArrow("a record batch of only null columns claims \(length) rows")
        }
        for index in columns.indices { try columns[index].append(arrays[index]) }
        rowCount += Int(length)
    }

    /// The array of one column: its node (length, null count) and its buffers cut from the body.
    private static func array(
        length: Int, node: Int, nodes: FlatInt64Structs?, firstBuffer: Int, bufferCount: Int,
        buffers: FlatInt64Structs?, body: UnsafeRawBufferPointer
    ) throws -> ArrowArray {
        guard let nodes else { throw corruptArrow("a record batch has no arrays") }
        let (nodeLength, nullCount) = (nodes.member(0, of: node), nodes.member(1, of: node))
        guard nodeLength == length, nullCount >= 0, nullCount <= length else {
            throw corruptArrow(
                "array \(node + 1) has \(nodeLength) rows and \(nullCount) nulls in a \(length)-row batch")
        }
        let slices = try (firstBuffer..<firstBuffer + bufferCount).map { buffer in
            guard let buffers else { throw corruptArrow("a record batch has no buffers") }
            let (offset, size) = (buffers.member(0, of: buffer), buffers.member(1, of: buffer))
            guard offset >= 0, size >= 0, offset <= body.count, size <= body.count - Int(offset) else {
                throw corruptArrow(
                    "buffer \(buffer + 1) spans \(size) bytes at \(offset) of a \(body.count)-byte body")
            }
            return UnsafeRawBufferPointer(rebasing: body[Int(offset)..<Int(offset + size)])
        }
        var validity: UnsafeRawBufferPointer?
        if nullCount > 0, let bitmap = slices.first {
            guard bitmap.count >= (length + 7) / 8 else {
                throw corruptArrow(
                    "array \(node + 1) has \(bitmap.count) bytes of validity bits for \(length) rows")
            }
            validity = bitmap
        }
        return ArrowArray(
            length: length, nullCount: Int(nullCount), validity: validity, buffers: Array(slices.dropFirst()))
    }
}

extension ArrowField {
    /// What the user should know about how PlateShell reads this column, if anything.
    var conversionNote: String? {
        switch type {
        case .decimal128(let precision, let scale):
            "column '\(name)' is decimal(\(precision),\(scale)) in Spark; read as double"
        case .boolean: "column '\(name)' is boolean in Spark; read as integer 0/1"
        case .binary: "column '\(name)' is binary in Spark; read as hexadecimal text"
        case .date32, .date64: "column '\(name)' is a date in Spark; read as text YYYY-MM-DD"
        case .timestamp(_, let timezone?):
            "column '\(name)' is a timestamp (\(timezone)) in Spark; read as ISO 8601 text in UTC"
        case .timestamp(_, nil):
            "column '\(name)' is a timestamp without time zone in Spark; read as ISO 8601 text without a zone"
        default: nil
        }
    }
}
