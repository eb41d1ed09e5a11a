import Foundation

/// A hyperparameter value as written in the shell (`max_depth=10`, `bootstrap=true`, `max_depth=none`).
public enum ParameterValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case real(Double)
    case text(String)
    case bool(Bool)
    /// No value (`none`): no limit, as Python's `None`.
    case none

    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .real(let v): Value.format(v)
        case .text(let v): v
        case .bool(let v): v ? "true" : "false"
        case .none: "none"
        }
    }
}

/// One declared hyperparameter of a model: its values, default, meaning, and the values `tune`
/// draws from. The declaration validates, documents and completes (docs/STYLE.md §5).
public struct ModelParameter: Sendable {
    public let name: String
    /// The values it accepts (the command table's parameters declare theirs with the same type).
    public let constraint: Constraint
    public let defaultValue: ParameterValue
    public let help: String
    /// The values `tune` samples from (empty: not tuned).
    public let searchSpace: [ParameterValue]

    public init(
        _ name: String, _ constraint: Constraint, default defaultValue: ParameterValue, help: String,
        search: [ParameterValue] = []
    ) {
        self.name = name
        self.constraint = constraint
        self.defaultValue = defaultValue
        self.help = help
        self.searchSpace = search
    }

    /// Parses and checks a value written in the shell.
    ///
    /// - Throws: `EngineError.invalidArgument` saying what the parameter takes, with the closest
    ///   choices as suggestions.
    public func parse(_ text: String, model: String) throws -> ParameterValue {
        guard let value = constraint.value(of: text) else {
            throw EngineError(
                .invalidArgument,
                "the '\(name)' parameter of \(model) must be \(constraint.description); got '\(text)'",
                hint: help, suggestions: Suggestions.closest(to: text, among: constraint.completions))
        }
        return value
    }
}

/// The hyperparameters of one model, each declared and checked.
public struct ModelSettings: Sendable, Equatable, Hashable, Codable {
    public private(set) var values: [String: ParameterValue]

    public init(_ values: [String: ParameterValue]) { self.values = values }

    public subscript(name: String) -> ParameterValue { values[name] ?? .none }

    /// The settings with one value replaced.
    public func setting(_ name: String, _ value: ParameterValue) -> ModelSettings {
        var copy = self
        copy.values[name] = value
        return copy
    }

    /// `name=value` pairs in name order.
    public var summary: String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
    }
}
