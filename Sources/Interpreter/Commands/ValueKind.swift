import Engine

/// The kind of value a parameter or positional argument takes: it checks a value, names it in
/// usage lines, and tells completion what to offer.
///
/// Declared once per parameter (STYLE §5), it writes every message about a bad value, for
/// example: `'top' must be an int in [1, ∞); got 0`.
public enum ValueKind: Sendable, Equatable {
    /// Free text; the placeholder names it in usage lines.
    case text(String)
    /// A file path (completed from the file system).
    case path
    /// A stored table name, `schema.table` (completed from the store).
    case table
    /// A column of the current frame.
    case column
    /// Columns of the current frame, comma-separated.
    case columns
    /// Values, comma-separated.
    case values
    /// An integer in `min...max` (no upper bound when `max` is nil).
    case int(min: Int, max: Int?)
    /// A number in the open or closed range given.
    case number(min: Double, max: Double, maxInclusive: Bool)
    /// `true`/`false` (also `on`/`off`, `yes`/`no`, `1`/`0`).
    case bool
    /// One of fixed words.
    case choice([String])
    /// A command name.
    case command

    /// How the value reads in a usage line.
    public var placeholder: String {
        switch self {
        case .text(let name): "<\(name)>"
        case .path: "<path>"
        case .table: "<table>"
        case .column: "<column>"
        case .columns: "<columns>"
        case .values: "<values>"
        case .int: "<int>"
        case .number: "<number>"
        case .bool: "true|false"
        case .choice(let words): words.joined(separator: "|")
        case .command: "<command>"
        }
    }

    /// Whether the value is a comma-separated list.
    public var isList: Bool { self == .columns || self == .values }

    /// Checks `text` and converts it, or says what is wrong (the caller adds the range).
    public func parse(_ text: String, name: String) -> Result<ArgumentValue, Diagnostic> {
        func bad(_ expected: String, _ suggestions: [String] = []) -> Result<ArgumentValue, Diagnostic> {
            .failure(.usage("'\(name)' must be \(expected); got '\(text)'", at: nil, suggestions: suggestions))
        }
        switch self {
        case .text, .path, .table, .column, .command:
            if text.isEmpty { return .failure(.usage("'\(name)' is empty", at: nil)) }
            return .success(.text(text))
        case .columns, .values:
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: [" "]) }
            if items.contains(where: \.isEmpty) { return bad("a comma-separated list without empty items") }
            return .success(.list(items))
        case .int(let low, let high):
            let range = "[\(low), \(high.map(String.init) ?? "∞")\(high == nil ? ")" : "]")"
            guard let value = Int(text) else { return bad("an int in \(range)") }
            if value < low || (high.map { value > $0 } ?? false) {
                return .failure(.usage("'\(name)' must be an int in \(range); got \(value)", at: nil))
            }
            return .success(.int(value))
        case .number(let low, let high, let inclusive):
            let range = "(\(Value.format(low)), \(Value.format(high))\(inclusive ? "]" : ")")"
            guard let value = Double(text), value.isFinite else { return bad("a number in \(range)") }
            if value <= low || value > high || (!inclusive && value == high) {
                return .failure(.usage("'\(name)' must be a number in \(range); got \(text)", at: nil))
            }
            return .success(.number(value))
        case .bool:
            switch text.lowercased() {
            case "true", "on", "yes", "1": return .success(.bool(true))
            case "false", "off", "no", "0": return .success(.bool(false))
            default: return bad("true or false")
            }
        case .choice(let words):
            if let match = words.first(where: { $0.lowercased() == text.lowercased() }) { return .success(.text(match)) }
            return bad("one of \(words.joined(separator: ", "))", Suggestions.closest(to: text, among: words))
        }
    }
}

/// A checked argument value.
public enum ArgumentValue: Sendable, Equatable {
    case text(String)
    case int(Int)
    case number(Double)
    case bool(Bool)
    case list([String])
}
