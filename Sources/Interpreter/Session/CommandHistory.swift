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
    public func add(_ entry: String) {
        let trimmed = entry.trimmingCharacters(in: [" ", "\t", "\n"])
        guard !trimmed.isEmpty, trimmed != entries.last else { return }
        entries.append(trimmed)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        save(appending: trimmed)
    }

    private func save(appending entry: String) {
        var line = ""
        JSON.quote(entry, into: &line)
        line += "\n"
        if linesOnDisk + 1 > limit + limit / 10 {
            var text = ""
            for item in entries {
                JSON.quote(item, into: &text)
                text += "\n"
            }
            try? AtomicFile.write(Data(text.utf8), to: path)
            linesOnDisk = entries.count
            return
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            try? AtomicFile.write(Data(line.utf8), to: path)
        }
        linesOnDisk += 1
    }
}
