import Engine

/// A Swift type an argument's value is read as: text (`String`), an int, a number (`Double`), a
/// bool, a list (`[String]`), or one of fixed words (an `ArgumentChoice`).
public protocol ArgumentType: Sendable, Equatable {
    init?(argument: ArgumentValue)
    /// The value as it is written in the shell (a default's text in `help` and the reference).
    var argumentText: String { get }
}

extension String: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .text(let value) = argument else { return nil }
        self = value
    }
    public var argumentText: String { self }
}

extension Int: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .int(let value) = argument else { return nil }
        self = value
    }
    public var argumentText: String { String(self) }
}

extension Double: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .number(let value) = argument else { return nil }
        self = value
    }
    public var argumentText: String { description }
}

extension Bool: ArgumentType {
    public init?(argument: ArgumentValue) {
        guard case .bool(let value) = argument else { return nil }
        self = value
    }
    public var argumentText: String { self ? "true" : "false" }
}

extension Array: ArgumentType where Element == String {
    public init?(argument: ArgumentValue) {
        guard case .list(let value) = argument else { return nil }
        self = value
    }
    public var argumentText: String { joined(separator: ",") }
}

/// A closed set of words an argument takes, read as an enum rather than compared as text.
///
/// For example:
/// ```swift
/// enum Chart: String, ArgumentChoice { case pca, confusion, compare }
/// let chart = Positional<Chart>("chart", .choice(of: Chart.self), help: "which chart")
/// switch arguments.chart { case .pca: … }
/// ```
public protocol ArgumentChoice: ArgumentType, CaseIterable, RawRepresentable where RawValue == String {}

extension ArgumentChoice {
    public init?(argument: ArgumentValue) {
        guard case .text(let value) = argument else { return nil }
        self.init(rawValue: value)
    }

    public var argumentText: String { rawValue }

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
