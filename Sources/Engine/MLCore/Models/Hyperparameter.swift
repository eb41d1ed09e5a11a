import Foundation

/// A Swift type a hyperparameter's value is read as: how its declared `ParameterValue` maps to it,
/// and back for defaults and search spaces.
public protocol HyperparameterValue: Sendable {
    /// The value `parameterValue` stands for, or nil when it is of another kind.
    init?(parameterValue: ParameterValue)
    var parameterValue: ParameterValue { get }
}

extension Int: HyperparameterValue {
    public init?(parameterValue: ParameterValue) {
        guard case .int(let value) = parameterValue else { return nil }
        self = value
    }
    public var parameterValue: ParameterValue { .int(self) }
}

extension Double: HyperparameterValue {
    public init?(parameterValue: ParameterValue) {
        switch parameterValue {
        case .real(let value): self = value
        case .int(let value): self = Double(value)
        default: return nil
        }
    }
    public var parameterValue: ParameterValue { .real(self) }
}

extension Bool: HyperparameterValue {
    public init?(parameterValue: ParameterValue) {
        guard case .bool(let value) = parameterValue else { return nil }
        self = value
    }
    public var parameterValue: ParameterValue { .bool(self) }
}

/// An int with `none` for "no limit" (Python's `None`), as `max_depth=none`.
extension Optional: HyperparameterValue where Wrapped == Int {
    public init?(parameterValue: ParameterValue) {
        switch parameterValue {
        case .none: self = .none
        case .int(let value): self = .some(value)
        default: return nil
        }
    }
    public var parameterValue: ParameterValue { map(ParameterValue.int) ?? ParameterValue.none }
}

/// A closed set of words read as an enum (`criterion=gini`): the enum's raw values are the words.
public protocol HyperparameterChoice: HyperparameterValue, RawRepresentable, CaseIterable
where RawValue == String {}

extension HyperparameterChoice {
    public init?(parameterValue: ParameterValue) {
        guard case .text(let word) = parameterValue else { return nil }
        self.init(rawValue: word)
    }
    public var parameterValue: ParameterValue { .text(rawValue) }
}

/// How many features a split considers (`max_features`): `sqrt`, `log2`, a count, a fraction, or all.
public enum FeatureCount: HyperparameterValue, Equatable {
    case squareRoot, logarithm
    case count(Int)
    case fraction(Double)
    case all

    public init?(parameterValue: ParameterValue) {
        switch parameterValue {
        case .text("sqrt"): self = .squareRoot
        case .text("log2"): self = .logarithm
        case .int(let count): self = .count(count)
        case .real(let fraction): self = .fraction(fraction)
        case .none: self = .all
        default: return nil
        }
    }

    public var parameterValue: ParameterValue {
        switch self {
        case .squareRoot: .text("sqrt")
        case .logarithm: .text("log2")
        case .count(let count): .int(count)
        case .fraction(let fraction): .real(fraction)
        case .all: ParameterValue.none
        }
    }

    /// The number of features out of `features` (at least 1, at most all).
    public func of(_ features: Int) -> Int {
        switch self {
        case .squareRoot: max(1, Int(Double(features).squareRoot()))
        case .logarithm: max(1, Int(log2(Double(features))))
        case .count(let count): min(max(count, 1), features)
        case .fraction(let fraction): max(1, Int(fraction * Double(features)))
        case .all: features
        }
    }
}

/// One hyperparameter, typed: its declaration (what `fit`, `tune`, help and completion read) and the
/// Swift type a model's training code reads it as, `settings[Hyperparameter]`. Each initializer
/// derives the declaration's constraint from the type, so a declaration and its reads cannot disagree.
public struct Hyperparameter<Value: HyperparameterValue>: Sendable {
    public let declaration: ModelParameter
    let defaultValue: Value

    private init(_ declaration: ModelParameter, default defaultValue: Value) {
        self.declaration = declaration
        self.defaultValue = defaultValue
    }
}

extension Hyperparameter where Value == Int {
    /// An int in `range`.
    public init(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String, search: [Int] = []) {
        self.init(
            ModelParameter(
                name, .int(range), default: value.parameterValue, help: help, search: search.map(\.parameterValue)),
            default: value)
    }
}

extension Hyperparameter where Value == Int? {
    /// An int in `range`, or `none` (no limit).
    public init(_ name: String, _ range: ClosedRange<Int>, default value: Int?, help: String, search: [Int?] = []) {
        self.init(
            ModelParameter(
                name, .intOrNone(range), default: value.parameterValue, help: help,
                search: search.map(\.parameterValue)),
            default: value)
    }
}

extension Hyperparameter where Value == Double {
    /// A number in `range`.
    public init(
        _ name: String, _ range: ClosedRange<Double>, default value: Double, help: String, search: [Double] = []
    ) {
        self.init(
            ModelParameter(
                name, .real(range), default: value.parameterValue, help: help, search: search.map(\.parameterValue)),
            default: value)
    }
}

extension Hyperparameter where Value == Bool {
    /// `true` or `false`.
    public init(_ name: String, default value: Bool, help: String, search: [Bool] = []) {
        self.init(
            ModelParameter(
                name, .bool, default: value.parameterValue, help: help, search: search.map(\.parameterValue)),
            default: value)
    }
}

extension Hyperparameter where Value == FeatureCount {
    /// `sqrt`, `log2`, `none` (all), a count or a fraction.
    public init(_ name: String, default value: FeatureCount, help: String, search: [FeatureCount] = []) {
        self.init(
            ModelParameter(
                name, .featureCount, default: value.parameterValue, help: help, search: search.map(\.parameterValue)),
            default: value)
    }
}

extension Hyperparameter where Value: HyperparameterChoice {
    /// One of the enum's words.
    public init(_ name: String, default value: Value, help: String, search: [Value] = []) {
        self.init(
            ModelParameter(
                name, .choice(Value.allCases.map(\.rawValue)), default: value.parameterValue, help: help,
                search: search.map(\.parameterValue)),
            default: value)
    }
}

extension ModelSettings {
    /// The value of `parameter` in these settings. Settings made by `ModelKind.settings` hold values
    /// its declaration accepted, which always read as its type; anything else reads as its default.
    public subscript<Value>(_ parameter: Hyperparameter<Value>) -> Value {
        Value(parameterValue: self[parameter.declaration.name]) ?? parameter.defaultValue
    }
}
