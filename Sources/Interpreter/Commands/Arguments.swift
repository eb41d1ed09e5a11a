import Engine

/// A Swift type an argument's value is read as: text (`String`), an int, a number (`Double`), a
/// bool, or a list (`[String]`).
public protocol ArgumentType: Sendable {
    init?(argument: ArgumentValue)
}

extension String: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .text(let value) = argument else { return nil }
        self = value
    }
}

extension Int: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .int(let value) = argument else { return nil }
        self = value
    }
}

extension Double: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .number(let value) = argument else { return nil }
        self = value
    }
}

extension Bool: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .bool(let value) = argument else { return nil }
        self = value
    }
}

extension Array: ArgumentType where Element == String {
    public init?(argument: ArgumentValue) {
        guard case .list(let value) = argument else { return nil }
        self = value
    }
}

/// A declared argument that may be absent: `invocation[key]` reads it as `Value?`.
///
/// For example:
/// ```swift
/// static let top = Key<Int>("top")
/// ParameterSpec(top, .int(min: 1, max: nil), help: "show only the N most frequent values")
/// let shown = invocation[top].map { Array(entries.prefix($0)) } ?? entries
/// ```
public struct Key<Value: ArgumentType>: Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// A declared argument the row guarantees — required, or with a default —: `invocation[key]`
/// reads it as `Value`. The command table's tests check every such row.
public struct Given<Value: ArgumentType>: Sendable {
    public let name: String
    public init(_ name: String) { self.name = name }
}

extension Invocation {
    /// The value of an optional argument, nil when it was not given.
    public subscript<Value>(_ key: Key<Value>) -> Value? {
        value(named: key.name).flatMap(Value.init(argument:))
    }

    /// The value of a required or defaulted argument.
    public subscript<Value>(_ key: Given<Value>) -> Value {
        guard let value = value(named: key.name).flatMap(Value.init(argument:)) else {
            preconditionFailure("\(spec.name) declares '\(key.name)' as given but bound no \(Value.self) for it")
        }
        return value
    }

    /// Whether the argument was given (or defaulted).
    public func has<Value>(_ key: Key<Value>) -> Bool { value(named: key.name) != nil }

    /// The text range of an argument (the whole command's when it was not written).
    public func range<Value>(of key: Key<Value>) -> SourceRange { range(of: key.name) }
    public func range<Value>(of key: Given<Value>) -> SourceRange { range(of: key.name) }

    /// Runs `body`, turning an `EngineError` it throws into a diagnostic pointing at the argument.
    public func at<Value, T>(_ key: Key<Value>, _ body: () throws -> T) throws -> T { try at(key.name, body) }
    public func at<Value, T>(_ key: Given<Value>, _ body: () throws -> T) throws -> T { try at(key.name, body) }
}

/// A closed set of words an argument takes, read as an enum rather than compared as text.
///
/// For example:
/// ```swift
/// enum Chart: String, ArgumentChoice { case pca, confusion, compare }
/// static let chart = Given<Chart>("chart")
/// .required(chart, .choice(of: Chart.self), help: "which chart")
/// switch invocation[chart] { case .pca: … }
/// ```
public protocol ArgumentChoice: ArgumentType, CaseIterable, RawRepresentable where RawValue == String {}

extension ArgumentChoice {
    public init?(argument: ArgumentValue) {
        guard case .text(let value) = argument else { return nil }
        self.init(rawValue: value)
    }

    /// The words, in declaration order.
    public static var words: [String] { allCases.map(\.rawValue) }
}

extension ValueKind {
    /// One of the words of `Choice`, read as a `Choice`.
    public static func choice<Choice: ArgumentChoice>(of _: Choice.Type) -> ValueKind { .choice(Choice.words) }
}

extension WriteMode: ArgumentChoice {}
extension Stage: ArgumentChoice {}
extension OutputFormat: ArgumentChoice {}
