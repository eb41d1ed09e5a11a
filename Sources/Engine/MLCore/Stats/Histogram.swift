/// Equal-width bins over a numeric column's range (NumPy's `histogram`: the last bin includes
/// the maximum).
public struct Histogram: Sendable, Equatable {
    /// Bin edges, one more than the counts.
    public let edges: [Double]
    public let counts: [Int]
    /// Missing cells, not binned.
    public let missing: Int

    /// Bins counted elsewhere (by Spark, say).
    public init(edges: [Double], counts: [Int], missing: Int) {
        self.edges = edges
        self.counts = counts
        self.missing = missing
    }

    /// The equal-width bin edges between `low` and `high` (a constant column's bins straddle
    /// its value), as `init(_:bins:)` draws them.
    public static func edges(low: Double, high: Double, bins: Int) -> [Double] {
        let (start, stop) = low == high ? (low - 0.5, high + 0.5) : (low, high)
        let width = (stop - start) / Double(bins)
        return (0...bins).map { $0 == bins ? stop : start + Double($0) * width }
    }

    public init(_ column: Column, bins: Int) throws {
        guard column.type.isNumeric else {
            throw EngineError(
                .typeMismatch, "column '\(column.name)' is text; hist needs a numeric column",
                hint: "counts \(column.name) shows how often each value occurs")
        }
        let values = column.presentDoubles()
        missing = column.count - values.count
        guard let low = values.min(), let high = values.max() else {
            throw EngineError(.invalidData, "column '\(column.name)' has no values to bin")
        }
        edges = Self.edges(low: low, high: high, bins: bins)
        let start = edges[0]
        let width = (edges[bins] - start) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for value in values {
            let index = Swift.min(Int((value - start) / width), bins - 1)
            counts[Swift.max(index, 0)] += 1
        }
        self.counts = counts
    }
}
