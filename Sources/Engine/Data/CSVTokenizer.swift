#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a CSV file into records, reading it in chunks (RFC 4180: quoted fields with embedded
/// separators, doubled quotes and newlines; CRLF, LF or CR line ends; a UTF-8 byte-order mark).
///
/// Memory stays bounded by the chunk size and the longest record. Fields are handed out as byte
/// views into the read buffer (valid only during the callback); a quoted field with doubled quotes
/// is unescaped into a scratch buffer first.
final class CSVTokenizer {
    let path: String
    private let separator: UInt8
    private let fd: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var atEOF = false
    private var consumedBeforeBuffer = 0
    private var scratch: [UInt8] = []

    /// Field boundaries of the current record, as offsets into `buffer`.
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var escaped: [Bool] = []

    /// The 1-based line on which the next record starts.
    private(set) var line = 1

    static let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// Opens `path` for reading.
    ///
    /// - Throws: `EngineError.io` when the file is missing, unreadable or a directory.
    init(path: String, separator: UInt8, chunkSize: Int = 1 << 20) throws {
        self.path = path
        self.separator = separator
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw EngineError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))",
                              hint: "check the path; it is relative to the directory the shell started in")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw EngineError(.io, "'\(path)' is a directory, not a CSV file")
        }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw EngineError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        capacity = chunkSize
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// A view of the current record, valid only inside the `forEachRecord` callback.
    struct Record {
        fileprivate let tokenizer: CSVTokenizer
        /// The line on which this record starts.
        let line: Int
        var count: Int { tokenizer.starts.count }

        /// Calls `body` with the bytes of field `index` (quotes removed, doubled quotes unescaped).
        func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
            try tokenizer.withField(index, body)
        }

        /// Field `index` as a string, or nil when its bytes are not valid UTF-8.
        func string(_ index: Int) -> String? {
            withField(index) { String(validating: $0, as: UTF8.self) }
        }
    }

    /// Calls `body` for each record in the file, skipping blank lines.
    ///
    /// - Throws: `EngineError.csv` for an unclosed quote, text after a closing quote, or a NUL byte
    ///   (a binary file); `EngineError.io` for read errors; whatever `body` throws.
    func forEachRecord(_ body: (Record) throws -> Void) throws {
        var position = 0
        try fill(keepingFrom: 0)
        if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        if let nul = (0..<min(filled, 8192)).first(where: { buffer[$0] == 0 }) {
            throw EngineError(.csv, "'\(path)' looks like a binary file (a NUL byte at offset \(nul)), not CSV text",
                              hint: "load takes a comma-separated text file with a header line")
        }
        while true {
            if position >= filled {
                if atEOF { return }
                try fill(keepingFrom: position)
                position = 0
                continue
            }
            switch try parseRecord(from: position) {
            case .needMoreData:
                if position == 0 && filled == capacity { grow() }
                try fill(keepingFrom: position)
                position = 0
            case .record(let next, let newlines):
                let isBlank = starts.count == 1 && ends[0] == starts[0] && !escaped[0]
                    && (next - position) <= 2
                if !isBlank { try body(Record(tokenizer: self, line: line)) }
                line += 1 + newlines
                position = next
            }
        }
    }

    private enum ParseOutcome { case needMoreData, record(next: Int, newlines: Int) }

    /// Parses one record starting at `start`; asks for more data when the record is cut by the
    /// end of the buffer and the file has more.
    private func parseRecord(from start: Int) throws -> ParseOutcome {
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        escaped.removeAll(keepingCapacity: true)
        var position = start
        var newlines = 0
        let sep = separator
        while true {
            if position < filled && buffer[position] == Self.quote {
                let openedOnLine = line + newlines
                position += 1
                let contentStart = position
                var hasDoubled = false
                while true {
                    if position >= filled {
                        if atEOF {
                            throw EngineError(.csv, "\(path):\(openedOnLine): a quoted field opened here is never closed",
                                              hint: "close the field with \" (write \"\" for a quote inside a field)")
                        }
                        return .needMoreData
                    }
                    let byte = buffer[position]
                    if byte == Self.quote {
                        if position + 1 >= filled && !atEOF { return .needMoreData }
                        if position + 1 < filled && buffer[position + 1] == Self.quote {
                            hasDoubled = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if byte == Self.newline { newlines += 1 }
                    if byte == 0 { throw binaryByte(line: line + newlines) }
                    position += 1
                }
                starts.append(contentStart)
                ends.append(position)
                escaped.append(hasDoubled)
                position += 1
                if position < filled {
                    let next = buffer[position]
                    if next != sep && next != Self.newline && next != Self.carriageReturn {
                        throw EngineError(.csv, "\(path):\(line + newlines): field \(starts.count) has text after its closing quote",
                                          hint: "a quoted field must end at a separator or the line end; write \"\" for a quote inside it")
                    }
                }
            } else {
                let fieldStart = position
                while position < filled {
                    let byte = buffer[position]
                    if byte == sep || byte == Self.newline || byte == Self.carriageReturn { break }
                    if byte == 0 { throw binaryByte(line: line + newlines) }
                    position += 1
                }
                if position >= filled && !atEOF { return .needMoreData }
                starts.append(fieldStart)
                ends.append(position)
                escaped.append(false)
            }
            if position >= filled { return .record(next: position, newlines: newlines) }
            let byte = buffer[position]
            if byte == sep {
                position += 1
                if position >= filled {
                    if !atEOF { return .needMoreData }
                    starts.append(position); ends.append(position); escaped.append(false)
                    return .record(next: position, newlines: newlines)
                }
                continue
            }
            if byte == Self.carriageReturn {
                if position + 1 >= filled && !atEOF { return .needMoreData }
                position += 1
                if position < filled && buffer[position] == Self.newline { position += 1 }
                return .record(next: position, newlines: newlines)
            }
            return .record(next: position + 1, newlines: newlines)
        }
    }

    private func binaryByte(line: Int) -> EngineError {
        EngineError(.csv, "\(path):\(line): a NUL byte: this looks like a binary file, not CSV text",
                    hint: "load takes a comma-separated text file with a header line")
    }

    private func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = starts[index], end = ends[index]
        if !escaped[index] {
            return try body(UnsafeBufferPointer(start: buffer + start, count: end - start))
        }
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while i < end {
            scratch.append(buffer[i])
            i += buffer[i] == Self.quote ? 2 : 1
        }
        return try scratch.withUnsafeBufferPointer { try body($0) }
    }

    /// Moves the unparsed bytes from `keep` to the front and reads more after them.
    private func fill(keepingFrom keep: Int) throws {
        let remaining = filled - keep
        if remaining > 0 && keep > 0 { memmove(buffer, buffer + keep, remaining) }
        consumedBeforeBuffer += keep
        filled = remaining
        while filled < capacity && !atEOF {
            let got = read(fd, buffer + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { throw EngineError.cancelled }
                throw EngineError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))")
            }
            if got == 0 { atEOF = true } else { filled += got }
        }
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }
}
