import Engine
import Foundation

/// The shell's command history, persisted in the workspace.
///
/// Each entry is stored as one JSON string per line, so a multi-line entry (an `sql` query over
/// several lines) comes back whole after a restart. The file keeps the last `limit` entries;
/// it is rewritten atomically when it grows past the limit by a margin.
public final class CommandHistory {
    public let path: String
    public let limit: Int
    public private(set) var entries: [String]
    private var linesOnDisk: Int
    /// Whether saving failed once (it is said once; the commands run anyway).
    private var saveFailed = false

    /// Loads the history at `path` (an unreadable or damaged file gives an empty history, not an error).
    public init(path: String, limit: Int = 1000) {
        self.path = path
        self.limit = limit
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        entries = lines.compactMap { line in
            (try? JSONDecoder().decode(String.self, from: Data(line.utf8)))
        }
        linesOnDisk = lines.count
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
    }

    /// Adds an entry (not when it repeats the last one, nor when it is blank) and saves it.
    ///
    /// - Returns: the first time the file cannot be written (a full disk, a read-only workspace),
    ///   a sentence saying so, to be shown once; nil otherwise. The entry stays in this session.
    @discardableResult
    public func add(_ entry: String) -> String? {
        let trimmed = entry.trimmingCharacters(in: [" ", "\t", "\n"])
        guard !trimmed.isEmpty, trimmed != entries.last else { return nil }
        entries.append(trimmed)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        do {
            try save(appending: trimmed)
            return nil
        } catch {
            guard !saveFailed else { return nil }
            saveFailed = true
            let reason = (error as? EngineError)?.message ?? FileSystemProblem.reason(for: error, at: path)
            return "the command history cannot be saved (\(reason)); commands still run, but lines typed from "
                + "now on will not be recalled after a restart"
        }
    }

    private func save(appending entry: String) throws {
        var line = ""
        JSON.quote(entry, into: &line)
        line += "\n"
        if linesOnDisk + 1 > limit + limit / 10 {
            var text = ""
            for item in entries {
                JSON.quote(item, into: &text)
                text += "\n"
            }
            try AtomicFile.write(Data(text.utf8), to: path)
            linesOnDisk = entries.count
            return
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() } // the bytes are written or the write threw: closing cannot lose them
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(line.utf8))
            } catch {
                throw EngineError(.io, "cannot write '\(path)': \(FileSystemProblem.reason(for: error, at: path))")
            }
        } else {
            try AtomicFile.write(Data(line.utf8), to: path)
        }
        linesOnDisk += 1
    }
}
