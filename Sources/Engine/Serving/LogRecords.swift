import Foundation
import MLCore

/// Scored requests packed into bytes as they are accepted: what an inference log's writer hands
/// its storage (`LogBatch`), and what the workspace store keeps as one chunk per commit until
/// it settles the chunk into rows (`TableStore.settleLog`). Packing copies the request's input
/// matrix and answer once, into a buffer the writer reuses, so logging allocates nothing per
/// request and writing a commit is one copy of its bytes.
///
/// One record per request, numbers little-endian: the model's index in the batch's `models`
/// (UInt32), the rows (UInt32), the time (seconds since 1970, Float64), the latency in
/// milliseconds (Float64), the request id (UInt32 length and UTF-8), the input matrix row after
/// row (Float64, the model's inputs in order), then each output column in the model's order: its
/// type tag (`ColumnType.tag`) and one cell per row: a real as Float64 (NaN for missing); an
/// integer or text as a presence byte and, when present, 8 bytes or a UInt32 length and UTF-8.
public struct LogRecords: Sendable {
    /// The packed records.
    public private(set) var bytes: [UInt8] = []
    /// The rows the records hold.
    public private(set) var rows = 0

    public init() {}

    /// Packs `request`, scored by the model at `model` in the batch's `models`.
    mutating func append(_ request: ScoredRequest, model: Int) {
        let inputs = request.inputs
        precondition(
            inputs.columns == request.model.inputs.count && request.outputs.count == request.model.outputs.count,
            "a scored request carries its model's inputs and outputs")
        // Room for the fixed fields, the inputs and the reals, and some for ids and labels.
        bytes.reserveCapacity(
            bytes.count + 64 + request.requestID.utf8.count + 8 * inputs.values.count
                + request.outputs.count * (1 + 9 * inputs.rows) + 16 * inputs.rows)
        appendWord32(model)
        appendWord32(inputs.rows)
        appendWord64(request.time.timeIntervalSince1970.bitPattern)
        appendWord64(request.latencyMilliseconds.bitPattern)
        var id = request.requestID
        id.withUTF8 { appendText($0) }
        inputs.values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        for column in request.outputs {
            bytes.append(column.type.tag)
            switch column.storage {
            case .real(let values):
                if column.missing.isEmpty {
                    values.withUnsafeBytes { bytes.append(contentsOf: $0) }
                } else {
                    for row in values.indices { appendWord64((column.isMissing(row) ? .nan : values[row]).bitPattern) }
                }
            case .integer(let values):
                for row in values.indices {
                    bytes.append(column.isMissing(row) ? 0 : 1)
                    if !column.isMissing(row) { appendWord64(UInt64(bitPattern: values[row])) }
                }
            case .text(let values):
                for row in values.indices {
                    bytes.append(column.isMissing(row) ? 0 : 1)
                    if !column.isMissing(row) {
                        var text = values[row]
                        text.withUTF8 { appendText($0) }
                    }
                }
            }
        }
        rows += inputs.rows
    }

    /// Appends the records of `other` (whose model indices are this one's).
    mutating func append(contentsOf other: LogRecords) {
        bytes.append(contentsOf: other.bytes)
        rows += other.rows
    }

    /// Appends the one record `record` holds, naming the model at `model` instead: a request
    /// is packed before the log's lock is taken, and only copied in under it.
    mutating func append(record: LogRecords, model: Int) {
        let start = bytes.count
        bytes.append(contentsOf: record.bytes)
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(model).littleEndian, toByteOffset: start, as: UInt32.self)
        }
        rows += record.rows
    }

    /// Empties the records, keeping the buffer for the next ones.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        rows = 0
    }

    private mutating func appendWord32(_ value: Int) {
        Swift.withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendWord64(_ value: UInt64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        appendWord32(text.count)
        bytes.append(contentsOf: text)
    }
}

/// The model versions a batch's records name: what a log row says of the model that scored it,
/// and the names of its inputs and outputs (an alias move switches versions between requests).
public struct LogModel: Sendable, Codable, Equatable {
    public let model: String
    public let version: Int?
    public let digest: String
    public let inputs: [String]
    public let outputs: [String]

    init(_ identity: ServedModel.Identity) {
        model = identity.model
        version = identity.version
        digest = identity.digest
        inputs = identity.inputs
        outputs = identity.outputs
    }
}

/// One commit of an inference log: the records accepted since the last, and the models they name.
public struct LogBatch: Sendable {
    public let records: LogRecords
    public let models: [LogModel]

    public var rows: Int { records.rows }

    /// Unpacks the records into `sink`, one log row per scored row in `schema`'s columns: the
    /// inputs and outputs by name (a column the scoring model lacks is missing), the request's
    /// own fields repeated on each of its rows.
    ///
    /// - Throws: `EngineError.invalidData` when the records are damaged; what `sink` throws.
    public func write<Sink: RowSink>(schema: [ColumnSchema], into sink: inout Sink) throws {
        try records.bytes.withUnsafeBytes { bytes in
            try Self.write(records: bytes, models: models, schema: schema, into: &sink)
        }
    }

    /// Unpacks packed records (`LogRecords.bytes`) naming `models` into `sink`.
    static func write<Sink: RowSink>(
        records: UnsafeRawBufferPointer, models: [LogModel], schema: [ColumnSchema], into sink: inout Sink
    ) throws {
        var reader = RecordReader(bytes: records)
        var sources: [Int: [CellSource]] = [:]
        var times = TimeText()
        while !reader.isAtEnd {
            let index = Int(try reader.word32())
            guard models.indices.contains(index) else {
                throw reader.damaged("it names model \(index) of \(models.count)")
            }
            let model = models[index]
            let rows = Int(try reader.word32())
            let time = times.text(Date(timeIntervalSince1970: Double(bitPattern: try reader.word64())))
            let latency = Double(bitPattern: try reader.word64())
            let requestID = try reader.text()
            let inputs = try reader.bytes(rows * model.inputs.count * 8)
            var outputs: [OutputCells] = []
            for _ in model.outputs { outputs.append(try OutputCells(rows: rows, reader: &reader)) }
            let cells = sources[index] ?? schema.map { CellSource(column: $0.name, model: model) }
            sources[index] = cells
            for row in 0..<rows {
                for (column, source) in cells.enumerated() {
                    switch source {
                    case .time: sink.set(.text(time), column: column)
                    case .requestID: sink.setText(requestID.assumingMemoryBound(to: UInt8.self), column: column)
                    case .row: sink.setInteger(Int64(row), column: column)
                    case .model: sink.set(.text(model.model), column: column)
                    case .version: sink.set(model.version.map { .integer(Int64($0)) } ?? .missing, column: column)
                    case .digest: sink.set(.text(model.digest), column: column)
                    case .input(let input):
                        let offset = (row * model.inputs.count + input) * 8
                        let bits = UInt64(littleEndian: inputs.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                        sink.set(.real(Double(bitPattern: bits)), column: column)
                    case .output(let output): outputs[output].write(row: row, column: column, into: &sink)
                    case .latency: sink.set(.real(latency), column: column)
                    case .absent: sink.setMissing(column: column)
                    }
                }
                try sink.endRow()
            }
        }
    }

    /// Where a log column's cells come from in a record.
    private enum CellSource {
        case time, requestID, row, model, version, digest, latency, absent
        case input(Int)
        case output(Int)

        init(column: String, model: LogModel) {
            switch column {
            case "time": self = .time
            case "request_id": self = .requestID
            case "row": self = .row
            case "model": self = .model
            case "model_version": self = .version
            case "model_digest": self = .digest
            case "latency_ms": self = .latency
            default:
                if let input = model.inputs.firstIndex(of: column) {
                    self = .input(input)
                } else if let output = model.outputs.firstIndex(of: column) {
                    self = .output(output)
                } else {
                    self = .absent
                }
            }
        }
    }
}

/// One output column of a record: its cells, found by row.
private struct OutputCells {
    private let type: ColumnType
    /// Reals: all rows' Float64s. Integers and texts: the cells one after another.
    private let cells: UnsafeRawBufferPointer
    /// For integers and texts, where each row's cell starts in `cells`.
    private let starts: [Int]

    init(rows: Int, reader: inout RecordReader) throws {
        let tag = try reader.byte()
        switch tag {
        case ColumnType.real.tag:
            type = .real
            cells = try reader.bytes(rows * 8)
            starts = []
        case ColumnType.integer.tag, ColumnType.text.tag:
            type = tag == ColumnType.integer.tag ? .integer : .text
            let start = reader.offset
            var starts: [Int] = []
            starts.reserveCapacity(rows)
            for _ in 0..<rows {
                starts.append(reader.offset - start)
                if try reader.byte() == 1 {
                    if type == .integer { _ = try reader.word64() } else { _ = try reader.text() }
                }
            }
            self.starts = starts
            cells = UnsafeRawBufferPointer(rebasing: reader.bytes[start..<reader.offset])
        default: throw reader.damaged("an output column has type tag \(tag)")
        }
    }

    func write<Sink: RowSink>(row: Int, column: Int, into sink: inout Sink) {
        switch type {
        case .real:
            let bits = UInt64(littleEndian: cells.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self))
            sink.set(.real(Double(bitPattern: bits)), column: column)
        case .integer, .text:
            let at = starts[row]
            guard cells[at] == 1 else { return sink.setMissing(column: column) }
            if type == .integer {
                let bits = UInt64(littleEndian: cells.loadUnaligned(fromByteOffset: at + 1, as: UInt64.self))
                sink.setInteger(Int64(bitPattern: bits), column: column)
            } else {
                let count = Int(UInt32(littleEndian: cells.loadUnaligned(fromByteOffset: at + 1, as: UInt32.self)))
                let text = UnsafeRawBufferPointer(rebasing: cells[(at + 5)..<(at + 5 + count)])
                sink.setText(text.assumingMemoryBound(to: UInt8.self), column: column)
            }
        }
    }
}

/// Reads packed records, refusing to read past their end.
private struct RecordReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func bytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else { throw damaged("it ends early") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    mutating func byte() throws -> UInt8 { try bytes(1)[0] }

    mutating func word32() throws -> UInt32 { UInt32(littleEndian: try bytes(4).loadUnaligned(as: UInt32.self)) }

    mutating func word64() throws -> UInt64 { UInt64(littleEndian: try bytes(8).loadUnaligned(as: UInt64.self)) }

    /// A UInt32 length and that many bytes.
    mutating func text() throws -> UnsafeRawBufferPointer { try bytes(Int(try word32())) }

    func damaged(_ why: String) -> EngineError {
        EngineError(
            .invalidData, "an inference log's stored records are damaged: \(why) (at byte \(offset))",
            hint: "the store's file was changed outside PlateShell; log to a new table with log=TABLE")
    }
}

/// Times as log text (ISO 8601 in UTC with milliseconds), the date and time formatted once per second.
private struct TimeText {
    private let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    private var second: Double = .nan
    private var prefix = ""

    mutating func text(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        if whole != second {
            second = whole
            prefix = String(formatter.string(from: Date(timeIntervalSince1970: whole)).dropLast())
        }
        let milliseconds = min(999, Int(((seconds - whole) * 1000).rounded(.down)))
        return prefix + "." + String(milliseconds).leftPadded(to: 3) + "Z"
    }
}
