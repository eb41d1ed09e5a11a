import Engine
import Foundation

/// A Jupyter message and its wire form: the routing identities, the `<IDS|MSG>` delimiter, the
/// HMAC signature, then the header, parent header, metadata and content as JSON, then any binary
/// buffers.
struct WireMessage: Sendable {
    var identities: [[UInt8]] = []
    var header: JSON
    var parentHeader: JSON = .object([])
    var metadata: JSON = .object([])
    var content: JSON
    var buffers: [[UInt8]] = []

    static let delimiter = Array("<IDS|MSG>".utf8)
    /// The protocol version PlateShell speaks.
    static let protocolVersion = "5.3"

    /// The message type (`execute_request` ...), empty when the header has none.
    var type: String { header["msg_type"]?.stringValue ?? "" }

    /// Reads a message from its frames, checking the signature, and with `history`, that the
    /// signature was not seen before.
    ///
    /// - Throws: `WireError` when the delimiter is missing, frames are missing, the signature does
    ///   not match or repeats an earlier message's, or a part is not a JSON object.
    static func decode(_ frames: [[UInt8]], signer: MessageSigner, history: SignatureHistory? = nil) throws
        -> WireMessage
    {
        guard let split = frames.firstIndex(of: delimiter) else { throw WireError.noDelimiter }
        let parts = Array(frames[(split + 1)...])
        guard parts.count >= 5 else { throw WireError.missingFrames(parts.count) }
        guard signer.verify(parts[0], Array(parts[1...4])) else { throw WireError.badSignature }
        if let history, !signer.key.isEmpty, !history.admit(parts[0]) { throw WireError.replayedSignature }
        func object(_ index: Int, _ name: String) throws -> JSON {
            let text = String(decoding: parts[index], as: UTF8.self)
            guard let value = try? JSON.parse(text), value.objectPairs != nil else { throw WireError.notAnObject(name) }
            return value
        }
        let header = try object(1, "header")
        guard header["msg_type"]?.stringValue != nil else { throw WireError.noMessageType }
        return WireMessage(
            identities: Array(frames[..<split]), header: header, parentHeader: try object(2, "parent header"),
            metadata: try object(3, "metadata"), content: try object(4, "content"), buffers: Array(parts.dropFirst(5)))
    }

    /// The frames to send, signed.
    func encode(signer: MessageSigner) -> [[UInt8]] {
        let parts = [header, parentHeader, metadata, content].map { Array($0.serialized().utf8) }
        return identities + [Self.delimiter, Array(signer.signature(parts).utf8)] + parts + buffers
    }

    /// A new message of `type` from the kernel's `session`, in reply to (or caused by) `parent`.
    init(type: String, content: JSON, parent: WireMessage?, session: String, identities: [[UInt8]] = []) {
        self.identities = identities
        self.header = .object([
            ("msg_id", .string(UUID().uuidString.lowercased())), ("session", .string(session)),
            ("username", .string("plateshell")), ("date", .string(Self.timestamp())),
            ("msg_type", .string(type)), ("version", .string(Self.protocolVersion)),
        ])
        self.parentHeader = parent?.header ?? .object([])
        self.content = content
    }

    init(identities: [[UInt8]], header: JSON, parentHeader: JSON, metadata: JSON, content: JSON, buffers: [[UInt8]]) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
        self.buffers = buffers
    }

    /// ISO 8601 with microseconds, in UTC (as ipykernel dates its messages).
    static func timestamp(_ date: Date = Date()) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let micros = Int(date.timeIntervalSince1970 * 1_000_000) % 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }
}

/// Why an incoming message was dropped (logged, never executed).
enum WireError: Error, Equatable, CustomStringConvertible {
    case noDelimiter
    case missingFrames(Int)
    case badSignature
    case replayedSignature
    case notAnObject(String)
    case noMessageType

    var description: String {
        switch self {
        case .noDelimiter: "no <IDS|MSG> delimiter frame"
        case .missingFrames(let count):
            "\(count) frames after the delimiter; a message needs a signature, header, parent header, metadata and content"
        case .badSignature: "the HMAC-SHA256 signature does not match the connection file's key"
        case .replayedSignature:
            "the signature repeats an earlier message's (a replayed message; each message is signed anew)"
        case .notAnObject(let part): "the \(part) is not a JSON object"
        case .noMessageType: "the header has no msg_type"
        }
    }
}
