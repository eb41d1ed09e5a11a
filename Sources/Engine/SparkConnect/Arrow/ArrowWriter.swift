import Engine
import Foundation

/// Writes PlateShell tables as Arrow IPC streams, as Spark Connect's `LocalRelation.data` expects.
///
/// Integer columns are written as int64, real columns as float64 and text columns as utf8; every field is
/// nullable, and missing cells (and NaN in real columns) are written as nulls.
public enum ArrowStreamWriter {
    /// One complete IPC stream (schema, record batches of at most `batchRows` rows, EOS marker) holding
    /// `table`'s rows `rows` (a range; default all).
    ///
    /// A batch is cut short where a text column would exceed the 2 GiB that Arrow's utf8 offsets address.
    public static func stream(_ table: Table, rows: Range<Int>? = nil, batchRows: Int = 65_536) -> Data {
        let range = (rows ?? 0..<table.rowCount).clamped(to: 0..<table.rowCount)
        var stream = Data()
        stream.reserveCapacity(1024 + range.count * table.columns.count * 9)
        ArrowMessageWriter.append(metadata: schemaMessage(table), body: Data(), to: &stream)
        var start = range.lowerBound
        while start < range.upperBound {
            let end = batchEnd(table, from: start, limit: min(range.upperBound, start + max(1, batchRows)))
            appendBatch(table, rows: start..<end, to: &stream)
            start = end
        }
        ArrowMessageWriter.appendEndOfStream(to: &stream)
        return stream
    }

    /// The Arrow schema a table is written with: integer → int64, real → float64 (nullable), text → utf8.
    public static func fields(of table: Table) -> [ArrowField] {
        table.columns.map { column in
            let type: ArrowType =
                switch column.type {
                case .integer: .int64
                case .real: .float64
                case .text: .utf8
                }
            return ArrowField(name: column.name, type: type, nullable: true)
        }
    }

    private static func schemaMessage(_ table: Table) -> [UInt8] {
        var builder = FlatBufferBuilder()
        let fields = table.columns.map { column in
            let name = builder.string(column.name)
            let (typeID, type) = typeTable(of: column.type, in: &builder)
            let children = builder.vector(of: [])
            builder.startTable(fieldCount: 6)
            builder.add(offset: name, field: 0)
            builder.add(offset: type, field: 3)
            builder.add(offset: children, field: 5)
            builder.add(true, field: 1)
            builder.add(typeID, field: 2)
            return builder.endTable()
        }
        let fieldVector = builder.vector(of: fields)
        builder.startTable(fieldCount: 2)
        builder.add(offset: fieldVector, field: 1)
        builder.add(Int16(0), field: 0) // little-endian
        let schema = builder.endTable()
        return finishMessage(&builder, headerID: ArrowMessage.HeaderID.schema, header: schema, bodyLength: 0)
    }

    /// The `Type` union member for a column type, and its table.
    private static func typeTable(
        of type: ColumnType, in builder: inout FlatBufferBuilder
    ) -> (UInt8, FlatBufferBuilder.Offset) {
        switch type {
        case .integer:
            builder.startTable(fieldCount: 2)
            builder.add(Int32(64), field: 0)
            builder.add(true, field: 1)
            return (ArrowField.TypeID.int, builder.endTable())
        case .real:
            builder.startTable(fieldCount: 1)
            builder.add(Int16(2), field: 0) // Precision.DOUBLE
            return (ArrowField.TypeID.floatingPoint, builder.endTable())
        case .text:
            builder.startTable(fieldCount: 0)
            return (ArrowField.TypeID.utf8, builder.endTable())
        }
    }

    private static func finishMessage(
        _ builder: inout FlatBufferBuilder, headerID: UInt8, header: FlatBufferBuilder.Offset, bodyLength: Int
    ) -> [UInt8] {
        builder.startTable(fieldCount: 4)
        builder.add(Int64(bodyLength), field: 3)
        builder.add(offset: header, field: 2)
        builder.add(ArrowMessage.version5, field: 0)
        builder.add(headerID, field: 1)
        return builder.finish(root: builder.endTable())
    }

    /// The end of the batch starting at `start`: `limit`, or earlier where a text column's bytes
    /// would overflow utf8's 32-bit offsets.
    private static func batchEnd(_ table: Table, from start: Int, limit: Int) -> Int {
        let texts = table.columns.compactMap { column -> [String]? in
            if case .text(let strings) = column.storage { strings } else { nil }
        }
        guard !texts.isEmpty else { return limit }
        var totals = [Int](repeating: 0, count: texts.count)
        for row in start..<limit {
            for (index, strings) in texts.enumerated() {
                totals[index] += strings[row].utf8.count
                if totals[index] > Int(Int32.max), row > start { return row }
            }
        }
        return limit
    }

    private static func appendBatch(_ table: Table, rows: Range<Int>, to stream: inout Data) {
        var body = BodyBuilder()
        var nodes: [(Int64, Int64)] = []
        for column in table.columns {
            let (bitmap, nullCount) = validity(of: column, rows: rows)
            nodes.append((Int64(rows.count), Int64(nullCount)))
            bitmap.withUnsafeBytes { body.append($0) }
            switch column.storage {
            case .integer(let values): values[rows].withUnsafeBytes { body.append($0) }
            case .real(let values): values[rows].withUnsafeBytes { body.append($0) }
            case .text(let strings): appendText(strings, rows: rows, column: column, to: &body)
            }
        }
        var builder = FlatBufferBuilder()
        let nodeVector = builder.int64PairVector(nodes)
        let bufferVector = builder.int64PairVector(body.buffers)
        builder.startTable(fieldCount: 3)
        builder.add(Int64(rows.count), field: 0)
        builder.add(offset: nodeVector, field: 1)
        builder.add(offset: bufferVector, field: 2)
        let batch = builder.endTable()
        let metadata = finishMessage(
            &builder, headerID: ArrowMessage.HeaderID.recordBatch, header: batch, bodyLength: body.data.count)
        ArrowMessageWriter.append(metadata: metadata, body: body.data, to: &stream)
    }

    /// The validity bitmap of a column's rows, empty when no cell is missing, and the missing count.
    private static func validity(of column: Column, rows: Range<Int>) -> (bitmap: [UInt8], nullCount: Int) {
        let isMissing: (Int) -> Bool
        switch column.storage {
        case .real(let values): isMissing = { column.isMissing($0) || values[$0].isNaN }
        default:
            guard !column.missing.isEmpty else { return ([], 0) }
            isMissing = column.isMissing
        }
        var bitmap = [UInt8](repeating: 0, count: (rows.count + 7) / 8)
        var nullCount = 0
        for (index, row) in rows.enumerated() {
            if isMissing(row) {
                nullCount += 1
            } else {
                bitmap[index >> 3] |= 1 << (index & 7)
            }
        }
        return nullCount == 0 ? ([], 0) : (bitmap, nullCount)
    }

    /// Appends the offsets and UTF-8 bytes of text cells; missing cells are empty.
    private static func appendText(_ strings: [String], rows: Range<Int>, column: Column, to body: inout BodyBuilder) {
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(rows.count + 1)
        var bytes: [UInt8] = []
        for row in rows {
            if !column.isMissing(row) {
                var text = strings[row]
                text.withUTF8 { bytes.append(contentsOf: $0) }
            }
            offsets.append(Int32(bytes.count))
        }
        offsets.withUnsafeBytes { body.append($0) }
        bytes.withUnsafeBytes { body.append($0) }
    }
}

/// A record batch body under construction: buffers padded to 8 bytes, and their offsets and lengths.
private struct BodyBuilder {
    private(set) var data = Data()
    private(set) var buffers: [(Int64, Int64)] = []

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffers.append((Int64(data.count), Int64(bytes.count)))
        data.append(contentsOf: bytes)
        data.append(contentsOf: repeatElement(0, count: (8 - bytes.count % 8) % 8))
    }
}
