import Foundation
import MLCore

/// A minimal Protocol Buffers encoder: the wire format's varints and length-delimited fields,
/// enough to write the handful of ONNX messages PlateShell emits (`ONNXModel` and its parts).
///
/// Fields are appended in the order they are written; callers write them in field-number order
/// and repeated scalars unpacked, as the official proto2 serializers do, so the bytes equal
/// Python's `SerializeToString()` for the same message.
///
/// For example:
/// ```swift
/// var writer = ProtobufWriter()
/// writer.int64(1, 8)               // field 1, varint 8:  08 08
/// writer.string(2, "plateshell")   // field 2, length-delimited: 12 0a 70 6c ...
/// ```
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0
        case lengthDelimited = 2
    }

    private mutating func key(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// An `int64` or `int32` field (negative values take ten bytes, as protobuf encodes them).
    mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A `bytes` field.
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// An embedded message, written by `body` into its own writer.
    mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }
}
