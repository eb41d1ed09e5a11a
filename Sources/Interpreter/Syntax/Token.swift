/// A span of a command's text, as UTF-8 offsets from the start of the entry.
public typealias SourceRange = Range<Int>

/// One lexical unit of a command line, keeping where it came from.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A bare word (possibly with quoted parts, as in `description="two words"`).
        case word
        /// A word that was entirely one quoted string.
        case quoted
        /// `;`, which ends a command.
        case separator
    }

    public let kind: Kind
    /// The text with quotes removed and escapes applied.
    public let text: String
    /// Where the token stands in the source.
    public let range: SourceRange
    /// For a `key=value` word: the key's length in UTF-8 bytes (the `=` follows it).
    public let keyLength: Int?

    /// The key of a `key=value` word.
    public var key: String? { keyLength.map { String(text.utf8.prefix($0))! } }
    /// The value of a `key=value` word.
    public var value: String? { keyLength.map { String(text.utf8.dropFirst($0 + 1))! } }
    public var keyRange: SourceRange? { keyLength.map { range.lowerBound..<(range.lowerBound + $0) } }
    public var valueRange: SourceRange? { keyLength.map { (range.lowerBound + $0 + 1)..<range.upperBound } }
}
