import Engine
import Foundation

/// One encapsulated message of an Arrow IPC stream: its metadata header and its body.
///
/// On the wire a message is the continuation marker 0xFFFFFFFF (absent in the pre-0.15 legacy
/// format), the metadata length as a little-endian Int32, the FlatBuffers `Message` padded to
/// 8 bytes, and then `bodyLength` bytes of body. A length of zero marks the end of the stream.
struct ArrowMessage {
    enum Header {
        case schema(FlatTable)
        case recordBatch(FlatTable)
    }

    /// Arrow's numbering of the `MessageHeader` union in Message.fbs.
    enum HeaderID {
        static let schema: UInt8 = 1, dictionaryBatch: UInt8 = 2, recordBatch: UInt8 = 3
    }

    /// `MetadataVersion.V4` (Arrow 0.15 and later, read) and `.V5` (Arrow 1.0 and later, written).
    static let version4: Int16 = 3, version5: Int16 = 4

    static let continuationMarker = UInt32.max

    let header: Header
    let body: UnsafeRawBufferPointer
}

/// Splits an IPC stream into its messages, checking every length against the bytes at hand.
struct ArrowMessageReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The next message, or nil at the end-of-stream marker or the end of the bytes.
    mutating func next() throws -> ArrowMessage? {
        guard position < bytes.count else { return nil }
        var length = try readInt32()
        if UInt32(bitPattern: length) == ArrowMessage.continuationMarker { length = try readInt32() }
        if length == 0 {
            position = bytes.count
            return nil
        }
        guard length > 0, Int(length) <= bytes.count - position else {
            throw corruptArrow("a message claims \(length) bytes of metadata; \(bytes.count - position) remain")
        }
        let message = try FlatTable(root: bytes.checkedSlice(at: position, length: Int(length)))
        position += Int(length)
        let version = try message.scalar(0, default: Int16(0))
        guard version >= ArrowMessage.version4 else {
            throw EngineError(
                .invalidData, "the Arrow stream uses metadata version V\(version + 1), which is too old to read",
                hint: "use Arrow 0.15 or later")
        }
        let bodyLength = try message.scalar(3, default: Int64(0))
        guard bodyLength >= 0, bodyLength <= bytes.count - position else {
            throw corruptArrow("a message claims a body of \(bodyLength) bytes; \(bytes.count - position) remain")
        }
        let body = try bytes.checkedSlice(at: position, length: Int(bodyLength))
        position += Int(bodyLength)
        return ArrowMessage(header: try Self.header(of: message), body: body)
    }

    private mutating func readInt32() throws -> Int32 {
        guard bytes.count - position >= 4 else {
            throw corruptArrow("the stream ends inside a message prefix, at byte \(position) of \(bytes.count)")
        }
        defer { position += 4 }
        return try bytes.checkedLoad(Int32.self, at: position)
    }

    private static func header(of message: FlatTable) throws -> ArrowMessage.Header {
        let kind = try message.scalar(1, default: UInt8(0))
        guard let header = try message.table(2) else { throw corruptArrow("a message has no header") }
        switch kind {
        case ArrowMessage.HeaderID.schema: return .schema(header)
        case ArrowMessage.HeaderID.recordBatch: return .recordBatch(header)
        case ArrowMessage.HeaderID.dictionaryBatch:
            throw EngineError(
                .invalidData, "the Arrow stream holds a dictionary batch, which PlateShell cannot read",
                hint: "cast dictionary-encoded columns to their value type in the query")
        default:
            throw corruptArrow("a message has header type \(kind); expected a schema or a record batch")
        }
    }
}

/// Writes messages in the current stream format: continuation marker, 8-byte aligned metadata and body.
enum ArrowMessageWriter {
    /// Appends one message; `body` must already be padded to a multiple of 8 bytes.
    static func append(metadata: [UInt8], body: Data, to stream: inout Data) {
        let paddedLength = (metadata.count + 7) / 8 * 8
        appendInt32(Int32(bitPattern: ArrowMessage.continuationMarker), to: &stream)
        appendInt32(Int32(paddedLength), to: &stream)
        stream.append(contentsOf: metadata)
        stream.append(contentsOf: repeatElement(0, count: paddedLength - metadata.count))
        stream.append(body)
    }

    /// Appends the end-of-stream marker: a continuation marker and a zero length.
    static func appendEndOfStream(to stream: inout Data) {
        appendInt32(Int32(bitPattern: ArrowMessage.continuationMarker), to: &stream)
        appendInt32(0, to: &stream)
    }

    private static func appendInt32(_ value: Int32, to stream: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { stream.append(contentsOf: $0) }
    }
}
