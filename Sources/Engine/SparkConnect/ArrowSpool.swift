import Engine
import Foundation

/// Arrow IPC streams kept in a temporary file between reading them and sending them on: how a
/// transform on Spark holds its output with bounded memory while the input still streams (the
/// one connection handle is busy with the input until it ends). Removed when released.
final class ArrowSpool {
    private let url: URL
    private let writer: FileHandle
    /// The streams written.
    private(set) var count = 0

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plateshell-spool-\(UUID().uuidString).arrows")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw EngineError(
                .io, "cannot create a temporary file in \(url.deletingLastPathComponent().path)",
                hint: "set TMPDIR to a writable directory with room for the output")
        }
        writer = try FileHandle(forWritingTo: url)
    }

    deinit {
        try? writer.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// Appends one stream (its length, then its bytes).
    func append(_ stream: Data) throws {
        var length = UInt64(stream.count).littleEndian
        do {
            try writer.write(contentsOf: Data(bytes: &length, count: 8))
            try writer.write(contentsOf: stream)
        } catch {
            throw EngineError(
                .io, "cannot write the temporary file \(url.path): \(error.localizedDescription)",
                hint: "free space there, or set TMPDIR to a directory with room for the output")
        }
        count += 1
    }

    /// Reads the streams back in order, handing each to `body`.
    func readBack(_ body: (Data) throws -> Void) throws {
        try writer.synchronize()
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        for _ in 0..<count {
            guard let header = try reader.read(upToCount: 8), header.count == 8 else {
                throw EngineError(.io, "the temporary file \(url.path) ended early")
            }
            let length = header.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard let stream = try reader.read(upToCount: Int(length)), stream.count == Int(length) else {
                throw EngineError(.io, "the temporary file \(url.path) ended early")
            }
            try body(stream)
        }
    }
}
