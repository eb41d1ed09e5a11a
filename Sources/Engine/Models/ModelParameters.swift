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
/// draws from. The declaration validates, documents and completes (STYLE §5).
public struct ModelParameter: Sendable {
    /// The values a parameter accepts.
    public enum Domain: Sendable, Equatable {
        case int(ClosedRange<Int>)
        /// An int, or `none` for no limit.
        case intOrNone(ClosedRange<Int>)
        case real(ClosedRange<Double>)
        case choice([String])
        case bool
        /// `sqrt`, `log2`, `none` (all), an int count, or a fraction in (0, 1].
        case featureCount
    }

    public let name: String
    public let domain: Domain
    public let defaultValue: ParameterValue
    public let help: String
    /// The values `tune` samples from (empty: not tuned).
    public let searchSpace: [ParameterValue]

    public init(_ name: String, _ domain: Domain, default defaultValue: ParameterValue, help: String,
                search: [ParameterValue] = []) {
        self.name = name
        self.domain = domain
        self.defaultValue = defaultValue
        self.help = help
        self.searchSpace = search
    }

    /// How the domain reads in help and errors.
    public var domainText: String {
        switch domain {
        case .int(let r): "an int in [\(r.lowerBound), \(r.upperBound == .max ? "∞" : String(r.upperBound))]"
        case .intOrNone(let r): "an int in [\(r.lowerBound), \(r.upperBound == .max ? "∞" : String(r.upperBound))] or none"
        case .real(let r): "a number in [\(Value.format(r.lowerBound)), \(r.upperBound.isInfinite ? "∞" : Value.format(r.upperBound))]"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        case .bool: "true or false"
        case .featureCount: "sqrt, log2, none, an int count, or a fraction in (0, 1]"
        }
    }

    /// Parses and checks a value written in the shell.
    public func parse(_ text: String, model: String) throws -> ParameterValue {
        func bad() -> EngineError {
            EngineError(.invalidArgument, "the '\(name)' parameter of \(model) must be \(domainText); got '\(text)'",
                        hint: help)
        }
        let lowered = text.lowercased()
        switch domain {
        case .int(let range):
            guard let v = Int(text), range.contains(v) else { throw bad() }
            return .int(v)
        case .intOrNone(let range):
            if lowered == "none" { return .none }
            guard let v = Int(text), range.contains(v) else { throw bad() }
            return .int(v)
        case .real(let range):
            guard let v = Double(text), v.isFinite, range.contains(v) else { throw bad() }
            return .real(v)
        case .choice(let words):
            guard let match = words.first(where: { $0.lowercased() == lowered }) else {
                throw EngineError(.invalidArgument, "the '\(name)' parameter of \(model) must be \(domainText); got '\(text)'",
                                  suggestions: Suggestions.closest(to: text, among: words))
            }
            return .text(match)
        case .bool:
            switch lowered {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: throw bad()
            }
        case .featureCount:
            if ["sqrt", "log2"].contains(lowered) { return .text(lowered) }
            if lowered == "none" { return .none }
            if let v = Int(text), v >= 1 { return .int(v) }
            if let v = Double(text), v > 0, v <= 1 { return .real(v) }
            throw bad()
        }
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

import Foundation
