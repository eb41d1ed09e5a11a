/// What values a parameter accepts, declared once (docs/STYLE.md §5): it checks a value written in the
/// shell, says in words what it wants, and gives completion its choices. The command table's
/// parameters and the models' hyperparameters both declare theirs with it, so there is one bool
/// parser and one way to write a range.
///
/// For example: `.int(1...)` reads "an int in [1, ∞)"; `.real(0...1, lowerInclusive: false)`
/// reads "a number in (0, 1]".
public enum Constraint: Sendable, Equatable, Hashable {
    /// An int in the range (`Int.max` as the upper bound: no upper bound).
    case int(ClosedRange<Int>)
    /// An int in the range, or `none` (no limit, as Python's `None`).
    case intOrNone(ClosedRange<Int>)
    /// A finite number between the bounds (`.infinity` as the upper bound: none), each bound in
    /// or out of the range.
    case real(ClosedRange<Double>, lowerInclusive: Bool = true, upperInclusive: Bool = true)
    /// One of the words (any case; the declared spelling is kept).
    case choice([String])
    /// `true`/`false`, also `on`/`off`, `yes`/`no`, `1`/`0`.
    case bool
    /// How many features a split considers: `sqrt`, `log2`, `none` (all), an int count, or a
    /// fraction in (0, 1].
    case featureCount

    /// An int with no upper bound from `lower`.
    public static func int(_ lower: PartialRangeFrom<Int>) -> Constraint { .int(lower.lowerBound...Int.max) }

    /// How the constraint reads in help and errors: "an int in [1, ∞)".
    public var description: String {
        switch self {
        case .int(let range): "an int in " + Self.interval(range.lowerBound, range.upperBound)
        case .intOrNone(let range): "an int in " + Self.interval(range.lowerBound, range.upperBound) + " or none"
        case .real(let range, let lowerInclusive, let upperInclusive):
            "a number in "
                + Self.interval(
                    range.lowerBound, range.upperBound, lowerInclusive: lowerInclusive, upperInclusive: upperInclusive)
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .bool: "true or false"
        case .featureCount: "sqrt, log2, none, an int count, or a fraction in (0, 1]"
        }
    }

    /// The words completion offers for it (empty for free numbers).
    public var completions: [String] {
        switch self {
        case .choice(let words): words
        case .bool: ["true", "false"]
        case .featureCount: ["sqrt", "log2", "none"]
        case .intOrNone: ["none"]
        case .int, .real: []
        }
    }

    /// The value `text` stands for, or nil when the constraint does not accept it.
    public func value(of text: String) -> ParameterValue? {
        let lowered = text.lowercased()
        switch self {
        case .int(let range):
            guard let v = Int(text), range.contains(v) else { return nil }
            return .int(v)
        case .intOrNone(let range):
            if lowered == "none" { return ParameterValue.none }
            guard let v = Int(text), range.contains(v) else { return nil }
            return .int(v)
        case .real(let range, let lowerInclusive, let upperInclusive):
            guard let v = Double(text), v.isFinite, range.contains(v),
                lowerInclusive || v != range.lowerBound, upperInclusive || v != range.upperBound
            else { return nil }
            return .real(v)
        case .choice(let words):
            return words.first { $0.lowercased() == lowered }.map(ParameterValue.text)
        case .bool:
            return Self.bool(text).map(ParameterValue.bool)
        case .featureCount:
            if ["sqrt", "log2"].contains(lowered) { return .text(lowered) }
            if lowered == "none" { return ParameterValue.none }
            if let v = Int(text), v >= 1 { return .int(v) }
            if let v = Double(text), v > 0, v <= 1 { return .real(v) }
            return nil
        }
    }

    /// The one bool parser: `true`, `on`, `yes`, `1` and `false`, `off`, `no`, `0`, any case.
    public static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "on", "yes", "1": true
        case "false", "off", "no", "0": false
        default: nil
        }
    }

    /// `[1, ∞)`, `(0, 1]`: a bound of `Int.max` or infinity reads ∞.
    static func interval<T: Comparable & CustomStringConvertible>(
        _ lower: T, _ upper: T, lowerInclusive: Bool = true,
        upperInclusive: Bool = true
    ) -> String {
        func text(_ bound: T) -> String {
            if let v = bound as? Double { return v.isInfinite ? "∞" : Value.format(v) }
            if let v = bound as? Int, v == Int.max { return "∞" }
            return bound.description
        }
        let unbounded = text(upper) == "∞"
        return (lowerInclusive ? "[" : "(") + text(lower) + ", " + text(upper)
            + (upperInclusive && !unbounded ? "]" : ")")
    }
}
