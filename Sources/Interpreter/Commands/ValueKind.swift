import Engine

/// The kind of value a parameter or positional argument takes: it checks a value, names it in
/// usage lines, and tells completion what to offer.
///
/// Declared once per parameter (docs/STYLE.md §5), it writes every message about a bad value, for
/// example: `'top' must be an int in [1, ∞); got '0'`. Numbers, bools and fixed words are checked
/// by Engine's `Constraint`, the same type the models' hyperparameters declare.
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
    /// A command name.
    case command
    /// A number, bool or word the constraint accepts.
    case constrained(Constraint)

    /// An int in `min...max` (no upper bound when `max` is nil).
    public static func int(min: Int, max: Int?) -> ValueKind { .constrained(.int(min...(max ?? Int.max))) }

    /// A number above `min` (excluded) up to `max` (included when `maxInclusive`).
    public static func number(min: Double, max: Double, maxInclusive: Bool) -> ValueKind {
        .constrained(.real(min...max, lowerInclusive: false, upperInclusive: maxInclusive))
    }

    /// `true`/`false` (also `on`/`off`, `yes`/`no`, `1`/`0`).
    public static let bool = ValueKind.constrained(.bool)

    /// One of fixed words.
    public static func choice(_ words: [String]) -> ValueKind { .constrained(.choice(words)) }

    /// How the value reads in a usage line.
    public var placeholder: String {
        switch self {
        case .text(let name): "<\(name)>"
        case .path: "<path>"
        case .table: "<table>"
        case .column: "<column>"
        case .columns: "<columns>"
        case .values: "<values>"
        case .command: "<command>"
        case .constrained(.bool): "true|false"
        case .constrained(.choice(let words)): words.joined(separator: "|")
        case .constrained(.int), .constrained(.intOrNone): "<int>"
        case .constrained: "<number>"
        }
    }

    /// Whether the value is a comma-separated list.
    public var isList: Bool { self == .columns || self == .values }

    /// Checks `text` and converts it, or says what is wrong (the caller adds the range).
    public func parse(_ text: String, name: String) -> Result<ArgumentValue, Diagnostic> {
        switch self {
        case .text, .path, .table, .column, .command:
            if text.isEmpty { return .failure(.usage("'\(name)' is empty", at: nil)) }
            return .success(.text(text))
        case .columns, .values:
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: [" "])
            }
            if items.contains(where: \.isEmpty) {
                return .failure(
                    .usage("'\(name)' must be a comma-separated list without empty items; got '\(text)'", at: nil))
            }
            return .success(.list(items))
        case .constrained(let constraint):
            guard let value = constraint.value(of: text) else {
                return .failure(
                    .usage(
                        "'\(name)' must be \(constraint.description); got '\(text)'", at: nil,
                        suggestions: Suggestions.closest(to: text, among: constraint.completions)))
            }
            switch value {
            case .int(let v): return .success(.int(v))
            case .real(let v): return .success(.number(v))
            case .bool(let v): return .success(.bool(v))
            case .text(let v): return .success(.text(v))
            case .none: return .success(.text("none"))
            }
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
