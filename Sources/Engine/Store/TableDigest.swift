import CCrypto

/// SHA-256 of a table's content, streamed as rows are written.
///
/// The hashed bytes (format "plateshell-table-v1") are: the column count, then each column's name
/// (length-prefixed UTF-8) and type tag; then, row by row, each cell as a tag byte (0 missing,
/// 1 integer, 2 real, 3 text) followed by 8 little-endian bytes (integer value or the real's IEEE
/// bits) or a length-prefixed UTF-8 text. Equal tables give equal digests however they were
/// produced (loaded from CSV, saved from a frame, appended).
final class TableDigest {
    private let context: OpaquePointer
    private var pending: [UInt8] = []

    init(schema: [ColumnSchema]) {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        pending.reserveCapacity(1 << 16)
        append(Array("plateshell-table-v1".utf8))
        appendInteger(Int64(schema.count))
        for column in schema {
            appendText(Array(column.name.utf8))
            pending.append(column.type.tag)
        }
    }

    deinit { EVP_MD_CTX_free(context) }

    func integer(_ value: Int64) {
        pending.append(1)
        appendInteger(value)
    }

    func real(_ value: Double) {
        pending.append(2)
        appendInteger(Int64(bitPattern: value.bitPattern))
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) {
        pending.append(3)
        appendInteger(Int64(bytes.count))
        pending.append(contentsOf: bytes)
        flushIfFull()
    }

    func missing() { pending.append(0) }

    func endRow() { flushIfFull() }

    /// The digest as `sha256:` and 64 hex digits.
    func finish() -> String {
        flush()
        var bytes = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &bytes, &length)
        return "sha256:" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    private func appendInteger(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { pending.append(contentsOf: $0) }
    }

    private func appendText(_ bytes: [UInt8]) {
        appendInteger(Int64(bytes.count))
        pending.append(contentsOf: bytes)
    }

    private func append(_ bytes: [UInt8]) { pending.append(contentsOf: bytes) }

    private func flushIfFull() { if pending.count >= 1 << 16 { flush() } }

    private func flush() {
        pending.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        pending.removeAll(keepingCapacity: true)
    }
}

extension ColumnType {
    /// The type's tag byte in the digest format.
    var tag: UInt8 {
        switch self {
        case .integer: 1
        case .real: 2
        case .text: 3
        }
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
