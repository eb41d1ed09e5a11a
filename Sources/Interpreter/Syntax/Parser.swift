/// A command as written: its verb and arguments with their positions, before it is checked
/// against the command table.
public struct CommandSyntax: Sendable, Equatable {
    public let verb: Token
    /// Positional words and `key=value` words, in order.
    public let arguments: [Token]
    /// For `sql`: the query text, verbatim, and its offset in the entry.
    public let query: (text: String, offset: Int)?
    /// From the verb to the end of the last argument.
    public let range: SourceRange

    public static func == (a: CommandSyntax, b: CommandSyntax) -> Bool {
        a.verb == b.verb && a.arguments == b.arguments && a.query?.text == b.query?.text
            && a.query?.offset == b.query?.offset && a.range == b.range
    }
}

/// An error in the text of a command, with the range it concerns.
public struct SyntaxError: Error, Sendable, Equatable {
    public let message: String
    public let range: SourceRange
    public let hint: String?
}

/// Whether a piece of input is a whole entry, or the REPL should ask for another line.
public enum Completeness: Sendable, Equatable {
    case complete
    /// An open quote, a trailing `\`, or an `sql` query still waiting for its `;`.
    case incomplete
}

/// Turns an entry (one or more lines) into commands, splitting at `;`.
///
/// `sql` takes the rest of its command verbatim: up to a `;` outside SQL quotes and comments, or
/// to the end of the entry. A query continues on the next line while it has no `;` and it starts
/// on the line after a bare `sql`, leaves a parenthesis or quote open, or ends where a query
/// cannot (after `select`, `from`, `where`, a comma, an operator ...).
public enum Parser {
    /// The commands in `text` (empty for blank lines and comments).
    public static func parse(_ text: String) -> Result<[CommandSyntax], SyntaxError> {
        var commands: [CommandSyntax] = []
        var lexer = Lexer(text)
        var current: [Token] = []
        func finish() {
            guard let verb = current.first else { return }
            commands.append(
                CommandSyntax(
                    verb: verb, arguments: Array(current.dropFirst()), query: nil,
                    range: verb.range.lowerBound..<current.last!.range.upperBound))
            current = []
        }
        while true {
            switch lexer.next() {
            case .failure(let error):
                return .failure(
                    SyntaxError(
                        message: error.message, range: error.range,
                        hint: "close the string, or write \\\" for a quote inside it"))
            case .success(nil):
                finish()
                return .success(commands)
            case .success(let token?):
                if token.kind == .separator {
                    finish()
                    continue
                }
                if current.isEmpty, token.kind == .word, CommandTable.spec(named: token.text)?.takesVerbatimText == true
                {
                    let start = lexer.skipSpace()
                    let end = Lexer.endOfSQL(in: text, from: start)
                    let query = String(decoding: Array(text.utf8)[start..<end], as: UTF8.self)
                    commands.append(
                        CommandSyntax(
                            verb: token, arguments: [], query: (query, start),
                            range: token.range.lowerBound..<max(end, token.range.upperBound)))
                    lexer = Lexer(text, from: min(end + 1, text.utf8.count))
                    continue
                }
                current.append(token)
            }
        }
    }

    /// Whether `text` is a complete entry.
    public static func completeness(of text: String) -> Completeness {
        let trimmed = text.trimmingCharacters(in: [" ", "\t", "\n", "\r"])
        if trimmed.hasSuffix("\\") && !trimmed.hasSuffix("\\\\") { return .incomplete }
        switch parse(text) {
        case .failure: return .incomplete
        case .success(let commands):
            guard let last = commands.last, let query = last.query else { return .complete }
            let bytes = Array(text.utf8)
            let endsWithSemicolon =
                last.range.upperBound < bytes.count && bytes[last.range.upperBound] == UInt8(ascii: ";")
            if endsWithSemicolon { return .complete }
            let body = query.text.trimmingCharacters(in: [" ", "\t", "\n", "\r"])
            if body.isEmpty { return .incomplete }
            let verbLine = bytes[last.verb.range.upperBound..<query.offset].contains(UInt8(ascii: "\n"))
            if verbLine || !isBalanced(query.text) || endsMidClause(body) { return .incomplete }
            return .complete
        }
    }

    /// Words after which an SQL query cannot end: a query ending in one continues on the next line.
    static let continuationWords: Set<String> = [
        "select", "from", "where", "and", "or", "not", "by", "group", "order", "having", "limit", "offset",
        "join", "inner", "left", "right", "outer", "cross", "natural", "on", "using", "as", "union", "all",
        "intersect", "except", "distinct", "in", "is", "like", "glob", "between", "case", "when", "then",
        "else", "with", "values", "set", "into",
    ]

    /// Whether SQL text stops where a query cannot end: after a comma, an operator, or a keyword that
    /// needs more (`select`, `from`, `where` ...).
    static func endsMidClause(_ sql: String) -> Bool {
        guard let last = sql.last else { return false }
        if ",(=<>+-*/|".contains(last) { return true }
        let words = sql.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        return words.last.map { continuationWords.contains(String($0)) } ?? false
    }

    /// Whether SQL text closes every parenthesis and quote it opens.
    static func isBalanced(_ sql: String) -> Bool {
        var depth = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"", "`": quote = character
            case "(": depth += 1
            case ")": depth -= 1
            default: break
            }
        }
        return depth <= 0 && quote == nil
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
