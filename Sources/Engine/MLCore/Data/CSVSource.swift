import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a CSV file's bytes come from, so that the reader (which seeks, splits files by their
/// size and reads them twice) is only ever given a regular file.
///
/// A regular file with data is read where it is. Anything else — `-` (standard input), a pipe or
/// FIFO, `/dev/stdin`, `/dev/fd/N`, a `/proc` file (whose size reads as 0), a character device —
/// is first copied, as a stream, into a temporary file that is removed afterwards. Errors then
/// name what the user gave, not the copy.
///
/// For example:
/// ```swift
/// let table = try CSVSource.withRegularFile("-", cancellation: nil) { try CSVReader.readTable(path: $0) }
/// ```
public enum CSVSource {
    /// The path that means standard input: `load - as fsp.faults`.
    public static let standardInput = "-"

    /// How long a FIFO without a writer is given for one to open it before it is refused.
    static let writerGraceSeconds = 1.0

    /// How `path` reads in messages: "standard input" for `-`, else the path.
    public static func displayName(_ path: String) -> String {
        path == standardInput ? "standard input" : path
    }

    /// What a loaded version records as its source: "standard input" for `-`, else the
    /// absolute path.
    public static func recordedSource(_ path: String) -> String {
        path == standardInput ? displayName(path) : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Runs `body` with the path of a regular file holding what `path` gives: `path` itself when
    /// it is a regular file with data (or cannot be examined: the reader then says why), else a
    /// temporary copy of its stream, removed when `body` returns.
    ///
    /// - Throws: `EngineError.io` for standard input that is a terminal, a FIFO that nothing
    ///   writes to, or a read error; `EngineError.csv` for a stream that starts with a NUL byte
    ///   (`/dev/zero`, a binary file); `EngineError.cancelled`; whatever `body` throws, with the
    ///   copy's path replaced by `displayName(path)`.
    public static func withRegularFile<T>(
        _ path: String, cancellation: Cancellation?, _ body: (String) throws -> T
    ) throws -> T {
        var info = stat()
        if path != standardInput {
            guard stat(path, &info) == 0 else { return try body(path) }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR || (kind == S_IFREG && info.st_size > 0) { return try body(path) }
        }
        let copy = try spool(path, isFIFO: path != standardInput && (info.st_mode & S_IFMT) == S_IFIFO, cancellation)
        defer { unlink(copy) }
        do {
            return try body(copy)
        } catch let error as EngineError {
            throw error.replacingText(copy, with: displayName(path))
        }
    }

    /// Copies the stream `path` gives into a new temporary file and returns its path.
    private static func spool(_ path: String, isFIFO: Bool, _ cancellation: Cancellation?) throws -> String {
        let name = displayName(path)
        let input: Int32
        if path == standardInput {
            if isatty(0) != 0 {
                throw EngineError(
                    .io, "standard input is a terminal, not a CSV file",
                    hint: "pipe the file in, for example: plateshell -c 'load - as fsp.faults' < faults.csv")
            }
            input = 0
        } else {
            // Non-blocking: opening a FIFO waits for a writer, and reading one tells none (0) from
            // one that has not written yet (EAGAIN).
            input = open(path, O_RDONLY | O_NONBLOCK)
            guard input >= 0 else {
                throw EngineError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
            if isatty(input) != 0 {
                close(input)
                throw EngineError(
                    .io, "'\(path)' is a terminal, not a CSV file", hint: "give a file, a pipe, or - for standard input"
                )
            }
        }
        let ownsInput = path != standardInput
        defer { if ownsInput { close(input) } }
        var template = Array((NSTemporaryDirectory() + "/plateshell-load-XXXXXX.csv").utf8CString)
        let output = mkstemps(&template, 4)
        guard output >= 0 else {
            throw EngineError(
                .io, "cannot make a temporary file to hold \(name): \(String(cString: strerror(errno)))",
                hint: "check that $TMPDIR (or /tmp) exists and has room")
        }
        let copy = String(cString: template)
        defer { close(output) }
        do {
            try pump(from: input, to: output, name: name, isFIFO: isFIFO, nonBlocking: ownsInput, cancellation)
        } catch {
            unlink(copy)
            throw error
        }
        return copy
    }

    /// Reads `input` to its end into `output`, waiting with `poll` so that Ctrl-C stops a stalled
    /// writer. A `nonBlocking` input is also read when `poll` times out: a FIFO nobody has opened
    /// for writing reports nothing to `poll`, and its read says so (0 rather than EAGAIN).
    private static func pump(
        from input: Int32, to output: Int32, name: String, isFIFO: Bool, nonBlocking: Bool,
        _ cancellation: Cancellation?
    ) throws {
        let capacity = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        var noWriterSince: Date?
        while true {
            var request = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, 200)
            try cancellation?.check()
            if ready < 0 && errno != EINTR {
                throw EngineError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if ready <= 0 && !nonBlocking { continue }
            let count = read(input, buffer, capacity)
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw EngineError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                // With nothing read yet, a FIFO's end of file means no writer has it open: give one
                // a moment to arrive (a writer started just after), then refuse rather than wait.
                guard isFIFO && total == 0 else { return }
                let since = noWriterSince ?? Date()
                noWriterSince = since
                if Date().timeIntervalSince(since) >= writerGraceSeconds {
                    throw EngineError(
                        .io, "nothing is writing to the FIFO '\(name)': it has no writer and gave no data",
                        hint: "start the program that writes it first, for example: cat faults.csv > \(name) &")
                }
                usleep(20_000)
                continue
            }
            if total == 0, let nul = UnsafeRawBufferPointer(start: buffer, count: min(count, 8192)).firstIndex(of: 0) {
                throw EngineError(
                    .csv, "\(name) looks like a binary stream (a NUL byte at offset \(nul)), not CSV text",
                    hint: "load takes comma-separated text with a header line")
            }
            var written = 0
            while written < count {
                let wrote = write(output, buffer + written, count - written)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw EngineError(
                        .io, "cannot copy \(name) to a temporary file: \(String(cString: strerror(errno)))",
                        hint: "check that $TMPDIR (or /tmp) has room")
                }
                written += wrote
            }
            total += count
        }
    }
}

extension EngineError {
    /// The error with `old` replaced by `new` in its message, hint and notes.
    func replacingText(_ old: String, with new: String) -> EngineError {
        EngineError(
            kind, message.replacingOccurrences(of: old, with: new),
            hint: hint?.replacingOccurrences(of: old, with: new), suggestions: suggestions,
            notes: notes.map { $0.replacingOccurrences(of: old, with: new) }, position: position)
    }
}
