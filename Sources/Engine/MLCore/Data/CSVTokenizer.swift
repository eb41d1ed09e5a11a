#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One record of a CSV file: views of its fields' bytes, valid only during the callback that
/// receives it (the bytes live in the tokenizer's read buffer, readable for
/// `NumberParsing.readableBytesPastStart` bytes from any field's start).
struct CSVRecord {
    fileprivate let base: UnsafeMutablePointer<UInt8>
    fileprivate let starts: UnsafeMutablePointer<Int>
    fileprivate let ends: UnsafeMutablePointer<Int>
    /// The number of fields.
    let count: Int
    /// The line on which the record starts (1-based).
    let line: Int

    /// The bytes of field `index`, quotes removed and doubled quotes unescaped.
    @inline(__always)
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + starts[index], count: ends[index] - starts[index])
    }

    /// Field `index` as a string, or nil when its bytes are not valid UTF-8.
    func string(_ index: Int) -> String? {
        String(validating: field(index), as: UTF8.self)
    }
}

/// Splits a CSV file into records, reading it in chunks (RFC 4180: quoted fields with embedded
/// separators, doubled quotes and newlines; CRLF, LF or CR line ends; a UTF-8 byte-order mark).
///
/// Memory stays bounded by the chunk size and the longest record. The hot loop works on raw
/// pointers and local variables only: no allocation, reference counting or exclusivity checks per
/// byte or field (measured: this is what makes parsing faster than pandas).
final class CSVTokenizer {
    let path: String
    private let separator: UInt8
    private let fd: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var atEOF = false
    /// The file offset of `buffer[0]`.
    private var bufferOffset: Int
    /// Records starting at or after this file offset are not delivered.
    private let endOffset: Int
    private let firstLine: Int
    /// The file offset just past the last record delivered (or where reading started).
    private(set) var offsetAfterLastRecord: Int
    /// The line after the last record delivered.
    private(set) var lineAfterLastRecord: Int

    static let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// Opens `path` for reading the records that start in `start..<end` (the whole file by
    /// default); `firstLine` is the line number at `start`.
    ///
    /// - Throws: `EngineError.io` when the file is missing, unreadable or a directory.
    init(
        path: String, separator: UInt8, start: Int = 0, end: Int = .max, firstLine: Int = 1,
        chunkSize: Int = 1 << 20
    ) throws {
        self.path = path
        self.separator = separator
        self.bufferOffset = start
        self.endOffset = end
        self.firstLine = firstLine
        self.offsetAfterLastRecord = start
        self.lineAfterLastRecord = firstLine
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw EngineError(
                .io, "cannot open '\(path)': \(String(cString: strerror(errno)))",
                hint: "check the path; it is relative to the directory the shell started in")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw EngineError(.io, "'\(path)' is a directory, not a CSV file")
        }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw EngineError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        if start > 0 { lseek(fd, off_t(start), SEEK_SET) }
        capacity = max(chunkSize, 4)
        buffer = Self.allocateBuffer(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Calls `body` for each record in the file, skipping blank lines.
    ///
    /// - Throws: `EngineError.csv` for an unclosed quote, text after a closing quote, or a NUL byte
    ///   (a binary file); `EngineError.io` for read errors; whatever `body` throws.
    func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        var fields = FieldBounds()
        defer { fields.deallocate() }
        var position = 0
        var line = firstLine
        try fill(keepingFrom: 0)
        if bufferOffset == 0, filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        if let nul = (0..<min(filled, 8192)).first(where: { buffer[$0] == 0 }) {
            throw EngineError(
                .csv, "'\(path)' looks like a binary file (a NUL byte at offset \(nul)), not CSV text",
                hint: "load takes a comma-separated text file with a header line")
        }
        while true {
            if bufferOffset + position >= endOffset { return }
            if position >= filled {
                if atEOF { return }
                try fill(keepingFrom: position)
                position = 0
                continue
            }
            let outcome = try Self.parseRecord(
                buffer, from: position, filled: filled, atEOF: atEOF,
                separator: separator, fields: &fields, line: line, path: path)
            guard let (next, newlines) = outcome else {
                if position == 0 && filled == capacity { grow() }
                try fill(keepingFrom: position)
                position = 0
                continue
            }
            let isBlank =
                fields.count == 1 && fields.ends[0] == fields.starts[0] && next - position <= 2
                && buffer[position] != Self.quote
            let recordLine = line
            line += 1 + newlines
            position = next
            offsetAfterLastRecord = bufferOffset + next
            lineAfterLastRecord = line
            if !isBlank {
                fields.unescapeDoubledQuotes(in: buffer)
                try body(
                    CSVRecord(
                        base: buffer, starts: fields.starts, ends: fields.ends, count: fields.count, line: recordLine))
            }
        }
    }

    /// The first record of the file (the header), and the offset and line after it.
    func firstRecord<T>(_ body: (CSVRecord) throws -> T) throws -> (value: T, offset: Int, line: Int)? {
        var result: T?
        do {
            try forEachRecord { record in
                result = try body(record)
                throw StopReading()
            }
        } catch is StopReading {}
        guard let result else { return nil }
        return (result, offsetAfterLastRecord, lineAfterLastRecord)
    }

    /// Parses one record starting at `start`: the offset after it and the line breaks inside its
    /// quoted fields, or nil when the record is cut by the end of the buffer and the file has more.
    @inline(__always)
    private static func parseRecord(
        _ buffer: UnsafeMutablePointer<UInt8>, from start: Int, filled: Int, atEOF: Bool,
        separator sep: UInt8, fields: inout FieldBounds, line: Int,
        path: String
    ) throws -> (next: Int, newlines: Int)? {
        fields.reset()
        if let next = parsePlainRecord(buffer, from: start, filled: filled, separator: sep, fields: &fields) {
            return (next, 0)
        }
        fields.reset()
        var position = start
        var newlines = 0
        while true {
            if position < filled && buffer[position] == quote {
                let openedOnLine = line + newlines
                position += 1
                let contentStart = position
                var hasDoubled = false
                while true {
                    if position >= filled {
                        if atEOF {
                            throw EngineError(
                                .csv, "\(path):\(openedOnLine): a quoted field opened here is never closed",
                                hint: "close the field with \" (write \"\" for a quote inside a field)")
                        }
                        return nil
                    }
                    let byte = buffer[position]
                    if byte == quote {
                        if position + 1 >= filled && !atEOF { return nil }
                        if position + 1 < filled && buffer[position + 1] == quote {
                            hasDoubled = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if byte == newline { newlines += 1 }
                    if byte == 0 { throw binaryByte(path: path, line: line + newlines) }
                    position += 1
                }
                fields.append(start: contentStart, end: position, escaped: hasDoubled)
                position += 1
                if position < filled {
                    let next = buffer[position]
                    if next != sep && next != newline && next != carriageReturn {
                        throw EngineError(
                            .csv, "\(path):\(line + newlines): field \(fields.count) has text after its closing quote",
                            hint:
                                "a quoted field must end at a separator or the line end; write \"\" for a quote inside it"
                        )
                    }
                }
            } else {
                let fieldStart = position
                position = skipPlainBytes(buffer, from: position, filled: filled, separator: sep)
                while position < filled {
                    let byte = buffer[position]
                    if byte == sep || byte == newline || byte == carriageReturn { break }
                    if byte == 0 { throw binaryByte(path: path, line: line + newlines) }
                    position += 1
                }
                if position >= filled && !atEOF { return nil }
                fields.append(start: fieldStart, end: position, escaped: false)
            }
            if position >= filled { return (position, newlines) }
            let byte = buffer[position]
            if byte == sep {
                position += 1
                if position >= filled {
                    if !atEOF { return nil }
                    fields.append(start: position, end: position, escaped: false)
                    return (position, newlines)
                }
                continue
            }
            if byte == carriageReturn {
                if position + 1 >= filled && !atEOF { return nil }
                position += 1
                if position < filled && buffer[position] == newline { position += 1 }
                return (position, newlines)
            }
            return (position + 1, newlines)
        }
    }

    private static func binaryByte(path: String, line: Int) -> EngineError {
        EngineError(
            .csv, "\(path):\(line): a NUL byte: this looks like a binary file, not CSV text",
            hint: "load takes a comma-separated text file with a header line")
    }

    /// Moves the unparsed bytes from `keep` to the front and reads more after them.
    private func fill(keepingFrom keep: Int) throws {
        let remaining = filled - keep
        if remaining > 0 && keep > 0 { memmove(buffer, buffer + keep, remaining) }
        bufferOffset += keep
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

    /// A zeroed buffer of `capacity` bytes and `NumberParsing.readableBytesPastStart` more, so
    /// that the number parsers may read words past the end of any field.
    private static func allocateBuffer(capacity: Int) -> UnsafeMutablePointer<UInt8> {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + NumberParsing.readableBytesPastStart)
        buffer.initialize(repeating: 0, count: capacity + NumberParsing.readableBytesPastStart)
        return buffer
    }

    private func grow() {
        let bigger = Self.allocateBuffer(capacity: capacity * 2)
        bigger.update(from: buffer, count: filled)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
    }
}

/// Thrown by a record callback to stop reading early.
private struct StopReading: Error {}

/// The field boundaries of the record being parsed, in growable manually managed arrays.
struct FieldBounds {
    var starts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    var ends = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    var escaped = UnsafeMutablePointer<Bool>.allocate(capacity: 64)
    var capacity = 64
    var count = 0
    var anyEscaped = false

    mutating func reset() {
        count = 0
        anyEscaped = false
    }

    @inline(__always)
    mutating func append(start: Int, end: Int, escaped flag: Bool) {
        if count == capacity { grow() }
        starts[count] = start
        ends[count] = end
        escaped[count] = flag
        if flag { anyEscaped = true }
        count += 1
    }

    /// Collapses each `""` to `"` in place (the record is complete, so its bytes are never re-read).
    mutating func unescapeDoubledQuotes(in buffer: UnsafeMutablePointer<UInt8>) {
        guard anyEscaped else { return }
        anyEscaped = false
        for index in 0..<count where escaped[index] {
            var read = starts[index]
            var write = starts[index]
            while read < ends[index] {
                buffer[write] = buffer[read]
                read += buffer[read] == CSVTokenizer.quote ? 2 : 1
                write += 1
            }
            ends[index] = write
        }
    }

    private mutating func grow() {
        let bigger = capacity * 2
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let newEscaped = UnsafeMutablePointer<Bool>.allocate(capacity: bigger)
        newStarts.update(from: starts, count: count)
        newEnds.update(from: ends, count: count)
        newEscaped.update(from: escaped, count: count)
        deallocate()
        (starts, ends, escaped, capacity) = (newStarts, newEnds, newEscaped, bigger)
    }

    func deallocate() {
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
    }
}
