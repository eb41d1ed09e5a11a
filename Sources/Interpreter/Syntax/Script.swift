/// Where an entry came from: typed at the prompt, given with `-c`, read from a script file, or
/// run in a notebook cell (the kernel's execution count and the line within the cell).
public enum Origin: Sendable, Equatable {
    case console
    case commandLine
    case script(path: String, line: Int)
    case cell(number: Int, line: Int)

    /// Whether a person enters the commands one at a time (the console, a notebook cell), as
    /// opposed to a script or the command line running them back to back.
    public var isInteractive: Bool {
        switch self {
        case .console, .cell: true
        case .commandLine, .script: false
        }
    }

    /// Whether a unique prefix of a command name (`des`) runs the command: only at the
    /// interactive prompt. Scripts, notebook cells and `-c` keep their meaning when a command
    /// is added, so they write names in full.
    public var acceptsPrefixes: Bool { self == .console }

    /// `file:line` for scripts, `In[N]:line` for cells, nil otherwise.
    public var label: String? {
        switch self {
        case .script(let path, let line): return "\(path):\(line)"
        case .cell(let number, let line): return "\(Self.cellName(number)):\(line)"
        case .console, .commandLine: return nil
        }
    }

    /// How a notebook cell is named in diagnostics: `In[3]`.
    public static func cellName(_ number: Int) -> String { "In[\(number)]" }
}

/// One unit of a `.plsh` script: a block of `##` narration, or a command entry (possibly spanning
/// lines) with the line it starts on.
public enum ScriptEntry: Sendable, Equatable {
    case narration(text: String, line: Int)
    case command(text: String, line: Int)
}

/// Splits a script into narration blocks and command entries, line by line (so piped input runs
/// as it arrives) or all at once.
///
/// - A line whose first non-space characters are `##` is narration; consecutive ones form one
///   block (the `##` and one following space are removed).
/// - A line starting with a single `#`, or blank, is skipped.
/// - Any other line starts a command entry, which takes further lines while `Parser.completeness`
///   says it is incomplete (a trailing `\`, an open quote, an `sql` query awaiting `;`).
public struct ScriptReader {
    private var narration: [String] = []
    private var narrationLine = 0
    private var pending: String?
    private var pendingLine = 0
    private var lineNumber = 0

    public init() {}

    /// Every entry of a whole script.
    public static func entries(of text: String) -> [ScriptEntry] {
        var reader = ScriptReader()
        var entries: [ScriptEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            entries += reader.feed(String(line))
        }
        return entries + reader.finish()
    }

    /// Takes the next line; returns the entries it completes.
    public mutating func feed(_ rawLine: String) -> [ScriptEntry] {
        let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : rawLine
        lineNumber += 1
        if let text = pending {
            let joined = text + "\n" + line
            if Parser.completeness(of: joined) == .incomplete {
                pending = joined
                return []
            }
            pending = nil
            return [.command(text: joined, line: pendingLine)]
        }
        let stripped = line.trimmingCharacters(in: [" ", "\t"])
        if stripped.hasPrefix("##") {
            if narration.isEmpty { narrationLine = lineNumber }
            var body = stripped.dropFirst(2)
            if body.first == " " { body = body.dropFirst() }
            narration.append(String(body))
            return []
        }
        var entries = flushNarration()
        if stripped.isEmpty || stripped.hasPrefix("#") { return entries }
        if Parser.completeness(of: line) == .incomplete {
            pending = line
            pendingLine = lineNumber
        } else {
            entries.append(.command(text: line, line: lineNumber))
        }
        return entries
    }

    /// The entries still held at the end of input (an unfinished command runs as it is, and
    /// reports its own error).
    public mutating func finish() -> [ScriptEntry] {
        var entries = flushNarration()
        if let text = pending { entries.append(.command(text: text, line: pendingLine)) }
        pending = nil
        return entries
    }

    private mutating func flushNarration() -> [ScriptEntry] {
        defer { narration = [] }
        return narration.isEmpty ? [] : [.narration(text: narration.joined(separator: "\n"), line: narrationLine)]
    }
}
