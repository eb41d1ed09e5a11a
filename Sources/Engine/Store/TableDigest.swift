import CCrypto
import MLCore

/// SHA-256 of a table's content, streamed as rows are written.
///
/// The hashed bytes (format "plateshell-table-v1") are: the column count, then each column's name
/// (length-prefixed UTF-8) and type tag; then, row by row, each cell as a tag byte (0 missing,
/// 1 integer, 2 real, 3 text) followed by 8 little-endian bytes (integer value or the real's IEEE
/// bits) or a length-prefixed UTF-8 text. Equal tables give equal digests however they were
/// produced (loaded from CSV, saved from a frame, appended).
///
/// Cells are gathered in a 64 KiB buffer between hash updates; the state lives behind raw
/// pointers so that the per-cell path does no allocation or reference counting. Call `finish()`
/// once, then `deallocate()`.
struct TableDigest {
    private let context: OpaquePointer
    private let buffer: UnsafeMutablePointer<UInt8>
    private var used = 0
    private static let capacity = 1 << 16

    init(schema: [ColumnSchema]) {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        buffer = .allocate(capacity: Self.capacity)
        append(Array("plateshell-table-v1".utf8))
        appendWord(UInt64(schema.count))
        for column in schema {
            let name = Array(column.name.utf8)
            appendWord(UInt64(name.count))
            append(name)
            appendByte(column.type.tag)
        }
    }

    @inline(__always) mutating func integer(_ value: Int64) {
        appendByte(1)
        appendWord(UInt64(bitPattern: value))
    }

    @inline(__always) mutating func real(_ value: Double) {
        appendByte(2)
        appendWord(value.bitPattern)
    }

    mutating func text(_ bytes: UnsafeBufferPointer<UInt8>) {
        appendByte(3)
        appendWord(UInt64(bytes.count))
        if bytes.count > Self.capacity - used { flush() }
        if bytes.count > Self.capacity {
            _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
        } else if let base = bytes.baseAddress {
            (buffer + used).update(from: base, count: bytes.count)
            used += bytes.count
        }
    }

    @inline(__always) mutating func missing() { appendByte(0) }

    /// The digest as `sha256:` and 64 hex digits.
    mutating func finish() -> String {
        flush()
        var bytes = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &bytes, &length)
        return "sha256:" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// An independent copy of the state so far (the copy must be deallocated on its own).
    func copy() -> TableDigest {
        var copy = TableDigest(copying: self)
        copy.used = used
        return copy
    }

    /// The digest of what was appended so far, leaving the state open for more rows.
    func current() -> String {
        var copy = copy()
        defer { copy.deallocate() }
        return copy.finish()
    }

    private init(copying other: TableDigest) {
        context = EVP_MD_CTX_new()
        EVP_MD_CTX_copy_ex(context, other.context)
        buffer = .allocate(capacity: Self.capacity)
        buffer.update(from: other.buffer, count: other.used)
    }

    /// Frees the hash state and buffer.
    func deallocate() {
        EVP_MD_CTX_free(context)
        buffer.deallocate()
    }

    @inline(__always) private mutating func appendByte(_ byte: UInt8) {
        if used == Self.capacity { flush() }
        buffer[used] = byte
        used += 1
    }

    @inline(__always) private mutating func appendWord(_ word: UInt64) {
        if used + 8 > Self.capacity { flush() }
        UnsafeMutableRawPointer(buffer + used).storeBytes(of: word.littleEndian, as: UInt64.self)
        used += 8
    }

    private mutating func append(_ bytes: [UInt8]) {
        for byte in bytes { appendByte(byte) }
    }

    private mutating func flush() {
        _ = EVP_DigestUpdate(context, buffer, used)
        used = 0
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

extension TableDigest {
    /// Hashes every row of `table`, in order.
    mutating func append(rowsOf table: Table) {
        for row in 0..<table.rowCount {
            for column in table.columns {
                switch column.value(at: row) {
                case .missing: missing()
                case .integer(let value): integer(value)
                case .real(let value): real(value)
                case .text(var text): text.withUTF8 { self.text($0) }
                }
            }
        }
    }
}

extension Table {
    /// The SHA-256 content digest of the rows (`sha256:` and 64 hex digits): the digest a store
    /// records when it writes the same rows, so a table read back from anywhere (Spark among them)
    /// can be checked against the version it was written as.
    public var contentDigest: String {
        var digest = TableDigest(schema: columns.map { ColumnSchema(name: $0.name, type: $0.type) })
        defer { digest.deallocate() }
        digest.append(rowsOf: self)
        return digest.finish()
    }
}

/// The content digest of a table that arrives in batches (rows streamed from Spark): after
/// `append`ing each batch, `finish()` equals `contentDigest` of all the batches' rows together.
/// Every batch must have the first one's columns.
public final class StreamingTableDigest {
    private var digest: TableDigest?
    /// The rows appended so far.
    public private(set) var rowCount = 0

    public init() {}

    /// Hashes the rows of the next batch.
    public func append(_ batch: Table) {
        if digest == nil {
            digest = TableDigest(schema: batch.columns.map { ColumnSchema(name: $0.name, type: $0.type) })
        }
        digest?.append(rowsOf: batch)
        rowCount += batch.rowCount
    }

    /// The digest of the rows appended (nil when no batch came); call once.
    public func finish() -> String? {
        guard var digest else { return nil }
        defer {
            digest.deallocate()
            self.digest = nil
        }
        return digest.finish()
    }

    deinit { digest?.deallocate() }
}
