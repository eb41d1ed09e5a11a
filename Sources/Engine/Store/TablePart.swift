import MLCore

/// A part of a stored table read instead of all of it (`use TABLE sample=0.01 seed=7`,
/// `use TABLE limit=1000`): how a table larger than memory is explored in part.
public enum TablePart: Equatable, Sendable, CustomStringConvertible {
    /// Each row kept with probability `fraction` (Bernoulli sampling), repeatably for a seed: on
    /// Spark with Spark's sampler (the rows PySpark's `df.sample(fraction=…, seed=…)` gives), on
    /// the workspace store with PlateShell's seeded generator.
    case sample(fraction: Double, seed: Int)
    /// The first `count` rows the store returns.
    case limit(Int)

    /// How messages and lineage name the part: "a 1% sample (seed 7)", "the first 1000 rows".
    public var description: String {
        switch self {
        case .sample(let fraction, let seed): "a \(Self.percent(fraction))% sample (seed \(seed))"
        case .limit(let count): "the first \(count) row\(count == 1 ? "" : "s")"
        }
    }

    /// The part's fields for a dataset input's source: `sample` and `seed`, or `limit`.
    public var sourceFields: [(String, JSON)] {
        switch self {
        case .sample(let fraction, let seed): [("sample", .number(fraction)), ("seed", .integer(Int64(seed)))]
        case .limit(let count): [("limit", .integer(Int64(count)))]
        }
    }

    /// The rows of `table` this part keeps, read whole (for stores whose tables fit in memory).
    public func rows(of table: Table) -> [Int] {
        switch self {
        case .limit(let count):
            return Array(0..<min(count, table.rowCount))
        case .sample(let fraction, let seed):
            var random = SeededRandom(seed: UInt64(bitPattern: Int64(seed)))
            return (0..<table.rowCount).filter { _ in random.nextUnit() < fraction }
        }
    }

    private static func percent(_ fraction: Double) -> String {
        let percent = fraction * 100
        return percent == percent.rounded() ? String(Int(percent)) : String(percent)
    }
}
