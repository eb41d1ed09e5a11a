/// Splits command text into tokens: words, quoted strings, `key=value` words and `;`.
///
/// - Whitespace separates words; a backslash before a line break joins lines.
/// - `"..."` takes `\"`, `\\`, `\n` and `\t` escapes; `'...'` is literal.
/// - `#` at the start of a word begins a comment that runs to the end of the line.
/// - `key=value` is a word whose text before the first `=` is an identifier.
///
/// The lexer never fails: an unterminated quote is reported as `LexError` with its range, and
/// `Completeness` uses the same rules to decide whether the REPL should ask for more lines.
public struct Lexer {
    public struct LexError: Error, Equatable, Sendable {
        public let message: String
        public let range: SourceRange
    }

    private let bytes: [UInt8]
    public private(set) var position: Int

    public init(_ text: String, from position: Int = 0) {
        self.bytes = Array(text.utf8)
        self.position = position
    }

    /// All tokens up to the end of the text or the first error.
    public static func tokenize(_ text: String) -> (tokens: [Token], error: LexError?) {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            switch lexer.next() {
            case .success(nil): return (tokens, nil)
            case .success(let token?): tokens.append(token)
            case .failure(let error): return (tokens, error)
            }
        }
    }

    /// The next token, nil at the end of the text.
    public mutating func next() -> Result<Token?, LexError> {
        skipSpaceAndComments()
        guard position < bytes.count else { return .success(nil) }
        let start = position
        if bytes[position] == UInt8(ascii: ";") {
            position += 1
            return .success(Token(kind: .separator, text: ";", range: start..<position, keyLength: nil))
        }
        var text: [UInt8] = []
        var quotedParts = 0
        var firstQuoteAt: Int?
        var equalsAt: Int?
        while position < bytes.count {
            let byte = bytes[position]
            if isSpace(byte) || byte == UInt8(ascii: ";") { break }
            if byte == UInt8(ascii: "\\") && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\n") {
                break
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                if firstQuoteAt == nil { firstQuoteAt = text.count }
                quotedParts += 1
                switch readQuoted(into: &text) {
                case .success: continue
                case .failure(let error): return .failure(error)
                }
            }
            if byte == UInt8(ascii: "=") && equalsAt == nil && firstQuoteAt == nil { equalsAt = text.count }
            text.append(byte)
            position += 1
        }
        var keyLength: Int?
        if let equalsAt, equalsAt > 0, isIdentifier(text[0..<equalsAt]) { keyLength = equalsAt }
        let isWhollyQuoted =
            quotedParts == 1 && firstQuoteAt == 0 && bytes[start] == bytes[position - 1]
            && (bytes[start] == UInt8(ascii: "\"") || bytes[start] == UInt8(ascii: "'"))
        return .success(
            Token(
                kind: isWhollyQuoted ? .quoted : .word, text: String(decoding: text, as: UTF8.self),
                range: start..<position, keyLength: keyLength))
    }

    /// The offset of the first `;` at or after `start` that is outside SQL quotes and comments,
    /// or the end of the text.
    public static func endOfSQL(in text: String, from start: Int) -> Int {
        let bytes = Array(text.utf8)
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: ";"): return i
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                i += 1
                while i < bytes.count {
                    if bytes[i] == byte {
                        if i + 1 < bytes.count && bytes[i + 1] == byte {
                            i += 2
                            continue
                        }
                        break
                    }
                    i += 1
                }
            case UInt8(ascii: "["):
                while i < bytes.count && bytes[i] != UInt8(ascii: "]") { i += 1 }
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                i += 2
                while i + 1 < bytes.count && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) {
                    i += 1
                }
                i += 1
            default: break
            }
            i += 1
        }
        return bytes.count
    }

    /// Skips to the next non-space byte and returns its offset (used to find where an SQL query starts).
    public mutating func skipSpace() -> Int {
        skipSpaceAndComments(stopAtComment: true)
        return position
    }

    private mutating func readQuoted(into text: inout [UInt8]) -> Result<Void, LexError> {
        let quote = bytes[position]
        let opened = position
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == quote {
                position += 1
                return .success(())
            }
            if quote == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") && position + 1 < bytes.count {
                let escaped = bytes[position + 1]
                switch escaped {
                case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): text.append(escaped)
                default:
                    text.append(byte)
                    text.append(escaped)
                }
                position += 2
                continue
            }
            text.append(byte)
            position += 1
        }
        let name = quote == UInt8(ascii: "\"") ? "\"" : "'"
        return .failure(LexError(message: "this string has no closing \(name)", range: opened..<bytes.count))
    }

    private mutating func skipSpaceAndComments(stopAtComment: Bool = false) {
        while position < bytes.count {
            let byte = bytes[position]
            if isSpace(byte) {
                position += 1
                continue
            }
            if byte == UInt8(ascii: "\\") && position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\n") {
                position += 2
                continue
            }
            if byte == UInt8(ascii: "#") && !stopAtComment {
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
                continue
            }
            return
        }
    }

    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 11 || byte == 12
    }

    private func isIdentifier(_ text: ArraySlice<UInt8>) -> Bool {
        guard let first = text.first, isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return text.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "_") }
    }

    private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }
}
