import Foundation

/// Writes files so that a crash never leaves half of one: the bytes go to a temporary file beside
/// the target, which is then renamed over it.
public enum AtomicFile {
    /// Replaces the file at `path` with `data`, creating parent directories as needed.
    ///
    /// - Throws: `EngineError.io` naming the path and the system's reason.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw EngineError(
                .io, "cannot write '\(path)': \(FileSystemProblem.reason(for: error, at: path))",
                hint: "write it somewhere else, or make the directory writable")
        }
    }
}
