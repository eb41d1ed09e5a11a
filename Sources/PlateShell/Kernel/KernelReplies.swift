import Engine
import Foundation
import Interpreter

/// The replies that need only the request and the session's knowledge, as pure functions:
/// `kernel_info`, `complete`, `inspect`, `is_complete` and `history`.
enum KernelReplies {
    static func kernelInfo() -> JSON {
        .object([
            ("status", .string("ok")), ("protocol_version", .string(WireMessage.protocolVersion)),
            ("implementation", .string(PlateShellLanguage.kernelName)),
            ("implementation_version", .string(PlateShellVersion.current)),
            ("language_info", PlateShellLanguage.languageInfo),
            (
                "banner",
                .string(
                    "PlateShell \(PlateShellVersion.current): the Steel Plates Faults workflow. 'help' lists the commands."
                )
            ),
            ("help_links", KernelSpec.helpLinks()), ("debugger", .bool(false)),
        ])
    }

    /// Completion at `cursor` (Unicode code points into `code`, as the protocol counts) with the
    /// shell's own `Completer`, on the line holding the cursor. `cursor_start` and `cursor_end`
    /// are code points too.
    static func complete(code: String, cursor: Int, completer: Completer) -> JSON {
        let scalars = Array(code.unicodeScalars)
        let cursor = max(0, min(cursor, scalars.count))
        let lineStart = scalars[..<cursor].lastIndex(of: "\n").map { $0 + 1 } ?? 0
        let lineEnd = scalars[cursor...].firstIndex(of: "\n") ?? scalars.count
        let line = String(String.UnicodeScalarView(scalars[lineStart..<lineEnd]))
        let prefix = String(String.UnicodeScalarView(scalars[lineStart..<cursor]))
        let candidates = completer.complete(line: line, cursor: prefix.utf8.count)
        let range =
            candidates.first.map { codePoints(in: line, utf8: $0.range) }
            ?? ((cursor - lineStart)..<(cursor - lineStart))
        let start = lineStart + range.lowerBound
        let end = lineStart + range.upperBound
        let types = candidates.map { candidate -> JSON in
            .object([
                ("start", .integer(Int64(start))), ("end", .integer(Int64(end))), ("text", .string(candidate.text)),
                ("type", .string(candidate.kind.rawValue)),
            ])
        }
        return .object([
            ("status", .string("ok")), ("matches", .array(candidates.map { .string($0.text) })),
            ("cursor_start", .integer(Int64(start))), ("cursor_end", .integer(Int64(end))),
            ("metadata", .object([("_jupyter_types_experimental", .array(types))])),
        ])
    }

    /// A UTF-8 byte range of `text` as a range of code points.
    static func codePoints(in text: String, utf8 range: Range<Int>) -> Range<Int> {
        let bytes = Array(text.utf8)
        func count(_ end: Int) -> Int {
            String(decoding: bytes[..<min(end, bytes.count)], as: UTF8.self).unicodeScalars.count
        }
        return count(range.lowerBound)..<count(range.upperBound)
    }

    /// `help COMMAND` for the command whose name is at (or just before) the cursor, else the
    /// command the cursor's line starts with.
    static func inspect(code: String, cursor: Int) -> JSON {
        let scalars = Array(code.unicodeScalars)
        let cursor = max(0, min(cursor, scalars.count))
        func isWord(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isAlphabetic || scalar == "_" }
        var start = cursor
        var end = cursor
        while start > 0, isWord(scalars[start - 1]) { start -= 1 }
        while end < scalars.count, isWord(scalars[end]) { end += 1 }
        let word = String(String.UnicodeScalarView(scalars[start..<end]))
        let lineStart = scalars[..<cursor].lastIndex(of: "\n").map { $0 + 1 } ?? 0
        let verb = String(
            String.UnicodeScalarView(scalars[lineStart...].drop { $0 == " " || $0 == "\t" }.prefix { isWord($0) }))
        guard let spec = CommandTable.spec(named: word) ?? CommandTable.spec(named: verb) else {
            return .object([
                ("status", .string("ok")), ("found", .bool(false)), ("data", .object([])), ("metadata", .object([])),
            ])
        }
        let text = Reference.text(for: spec)
        return .object([
            ("status", .string("ok")), ("found", .bool(true)),
            ("data", .object([("text/plain", .string(text))])), ("metadata", .object([])),
        ])
    }

    /// Whether a cell is complete by the script rules: a trailing `\`, an open quote or an `sql`
    /// query awaiting its end make it incomplete.
    static func isComplete(code: String) -> JSON {
        switch Parser.completeness(of: code) {
        case .complete: return .object([("status", .string("complete"))])
        case .incomplete: return .object([("status", .string("incomplete")), ("indent", .string(""))])
        }
    }

    /// The workspace's command history: `tail` (the last `n`), `range` (`start`..<`stop`, from
    /// 1) or `search` (a glob `pattern`, optionally `unique`, the last `n`). Each entry is
    /// `[session, line, input]`, session 0 being the workspace's history.
    static func history(_ request: JSON, entries: [String]) -> JSON {
        let numbered = entries.enumerated().map { (line: $0.offset + 1, input: $0.element) }
        var chosen: [(line: Int, input: String)]
        switch request["hist_access_type"]?.stringValue ?? "tail" {
        case "range":
            let start = max(1, request["start"]?.intValue ?? 1)
            let stop = request["stop"]?.intValue ?? numbered.count + 1
            chosen = numbered.filter { $0.line >= start && $0.line < stop }
        case "search":
            let pattern = request["pattern"]?.stringValue ?? "*"
            chosen = numbered.filter { fnmatch(pattern, $0.input, 0) == 0 }
            if request["unique"]?.boolValue == true {
                var seen = Set<String>()
                chosen = chosen.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            if let n = request["n"]?.intValue { chosen = Array(chosen.suffix(max(0, n))) }
        default:
            chosen = Array(numbered.suffix(max(0, request["n"]?.intValue ?? numbered.count)))
        }
        return .object([
            ("status", .string("ok")),
            (
                "history",
                .array(
                    chosen.map { entry in
                        .array([.integer(0), .integer(Int64(entry.line)), .string(entry.input)])
                    })
            ),
        ])
    }
}
