/// Equal-width bins over a numeric column's range (NumPy's `histogram`: the last bin includes
/// the maximum).
public struct Histogram: Sendable, Equatable {
    /// Bin edges, one more than the counts.
    public let edges: [Double]
    public let counts: [Int]
    /// Missing cells, not binned.
    public let missing: Int

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
        let (start, stop) = low == high ? (low - 0.5, high + 0.5) : (low, high)
        let width = (stop - start) / Double(bins)
        edges = (0...bins).map { $0 == bins ? stop : start + Double($0) * width }
        var counts = [Int](repeating: 0, count: bins)
        for value in values {
            let index = Swift.min(Int((value - start) / width), bins - 1)
            counts[Swift.max(index, 0)] += 1
        }
        self.counts = counts
    }
}
