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

    public func int(_ name: String) -> Int {
        if case .int(let v) = self[name] { return v }
        preconditionFailure("parameter \(name) is not an int: \(self[name])")
    }

    /// An int, or nil for `none`.
    public func optionalInt(_ name: String) -> Int? {
        if case .int(let v) = self[name] { return v }
        return nil
    }

    public func real(_ name: String) -> Double {
        switch self[name] {
        case .real(let v): return v
        case .int(let v): return Double(v)
        default: preconditionFailure("parameter \(name) is not a number: \(self[name])")
        }
    }

    public func bool(_ name: String) -> Bool {
        if case .bool(let v) = self[name] { return v }
        preconditionFailure("parameter \(name) is not a bool: \(self[name])")
    }

    public func text(_ name: String) -> String { self[name].description }

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

extension ModelSettings {
    /// How many features a split considers, from a `featureCount` parameter and the feature count.
    public func featureCount(_ name: String, of features: Int) -> Int {
        switch self[name] {
        case .text("sqrt"): return max(1, Int(Double(features).squareRoot()))
        case .text("log2"): return max(1, Int(log2(Double(features))))
        case .int(let v): return min(max(v, 1), features)
        case .real(let v): return max(1, Int(v * Double(features)))
        default: return features
        }
    }
}
