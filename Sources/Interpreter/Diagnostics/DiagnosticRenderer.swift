/// Shows a diagnostic: a header line (`file:line:col: error: message`), the offending source
/// line with carets under the culprit, then notes, the hint, and the usage line.
///
/// Plain text for pipes and tests; with `color`, the severity is red and the carets green.
///
/// For example:
/// ```
/// 02-model-testing.plsh:12:5: error: 'k' must be an int in [1, ∞); got 0
///   pca k=0 on=plates
///       ^^^
///   usage: pca k=<int> [on=<table>]
/// ```
public struct DiagnosticRenderer: Sendable {
    public var color: Bool

    public init(color: Bool = false) { self.color = color }

    public func render(_ diagnostic: Diagnostic, source: String, origin: Origin) -> String {
        let location = range(diagnostic.range, in: source)
        var prefix = ""
        switch origin {
        case .script(let path, let line):
            prefix = "\(path):\(line + (location?.line ?? 0))"
            if let location { prefix += ":\(location.column + 1)" }
            prefix += ": "
        case .cell(let number, let line):
            prefix = "\(Origin.cellName(number)):\(line + (location?.line ?? 0))"
            if let location { prefix += ":\(location.column + 1)" }
            prefix += ": "
        case .commandLine, .console:
            break
        }
        let severity = diagnostic.severity.rawValue
        var lines = [
            prefix + paint(severity + ":", color: "1;31") + " " + Self.clipped(sanitized(diagnostic.fullMessage))
        ]
        if let location {
            let shown = Self.window(location.text, column: location.column, width: location.width)
            lines.append("  " + shown.text)
            lines.append(
                "  " + String(repeating: " ", count: shown.column)
                    + paint(String(repeating: "^", count: max(1, shown.width)), color: "1;32"))
        }
        for note in diagnostic.notes { lines.append("  " + Self.clipped(sanitized(note))) }
        if let hint = diagnostic.hint {
            lines.append("  " + paint("hint:", color: "1;36") + " " + Self.clipped(hint))
        }
        if let usage = diagnostic.usage { lines.append("  usage: " + usage) }
        return lines.joined(separator: "\n")
    }

    /// The longest source line shown whole; a longer one is shown as a window around the caret.
    public static let longestWholeLine = 160

    /// How many characters of a longer source line are shown around the caret.
    public static let windowWidth = 60

    /// How many characters of a message, note or hint are shown (one echoing a huge token is cut).
    public static let messageLimit = 500

    /// `text` cut to `messageLimit` characters, saying how many more there were.
    static func clipped(_ text: String) -> String {
        guard text.count > messageLimit else { return text }
        return String(text.prefix(messageLimit)) + "… (\(text.count - messageLimit) more characters)"
    }

    /// `line` when it is at most `longestWholeLine` characters, else `windowWidth` characters of it
    /// around `column`, with `…` where it was cut; with the caret's column and width within what is
    /// shown (a 10 MB line shows 60 characters).
    static func window(_ line: String, column: Int, width: Int) -> (text: String, column: Int, width: Int) {
        let characters = Array(line)
        guard characters.count > longestWholeLine else { return (line, column, width) }
        var start = max(0, min(column - windowWidth / 3, characters.count - windowWidth))
        let end = min(characters.count, start + windowWidth)
        start = max(0, min(start, end - windowWidth))
        let lead = start > 0 ? "…" : ""
        let trail = end < characters.count ? "…" : ""
        let shownColumn = min(max(column, start), end) - start + lead.count
        let shownWidth = max(1, min(column + width, end) - max(column, start))
        return (lead + String(characters[start..<end]) + trail, shownColumn, shownWidth)
    }

    /// The line holding the start of `range`, with the range's start column and width in characters.
    private func range(_ range: SourceRange?, in source: String) -> (line: Int, column: Int, width: Int, text: String)?
    {
        guard let range else { return nil }
        let bytes = Array(source.utf8)
        let start = min(range.lowerBound, bytes.count)
        var lineStart = 0
        var lineNumber = 0
        for i in 0..<start where bytes[i] == UInt8(ascii: "\n") {
            lineStart = i + 1
            lineNumber += 1
        }
        var lineEnd = start
        while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let text = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        let column = String(decoding: bytes[lineStart..<start], as: UTF8.self).count
        let end = min(max(range.upperBound, start), lineEnd)
        let width = String(decoding: bytes[start..<end], as: UTF8.self).count
        return (lineNumber, column, width, sanitized(text))
    }

    /// Control characters shown as `?`, so a hostile line cannot drive the terminal.
    /// Tabs become spaces (so carets line up).
    func sanitized(_ text: String) -> String {
        String(
            text.map { character -> Character in
                if character == "\t" { return " " }
                return character.unicodeScalars.allSatisfy {
                    $0.value >= 32 && $0.value != 127 && !(0x80...0x9F).contains($0.value)
                } ? character : "?"
            })
    }

    private func paint(_ text: String, color code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
