import Foundation

/// The population stability index of a feature: how far the shares of its values in bins made
/// from the baseline's quantiles have moved.
///
/// The bins are cut at the baseline's deciles (`binCount` = 10 bins; NumPy's default "linear"
/// quantiles); cut points that coincide (a feature with many equal values) are merged, so such a
/// feature has fewer bins. Bin i holds the values v with cut[i−1] < v ≤ cut[i], the first bin
/// everything at or below the first cut and the last everything above the last. A share of 0 is
/// taken as `emptyShare` (1e-4) so that the logarithm stays finite; then
/// PSI = Σ (current − baseline) · ln(current / baseline) over the bins.
///
/// For example:
/// ```swift
/// let bins = QuantileBins(baseline: trainingThickness)
/// let psi = PopulationStability.index(
///     baseline: bins.shares(of: trainingThickness), current: bins.shares(of: newThickness))
/// ```
public enum PopulationStability {
    /// The number of quantile bins (before equal cut points are merged).
    public static let binCount = 10
    /// The share an empty bin is counted with.
    public static let emptyShare = 1e-4

    /// Σ (c − b) · ln(c / b) over bins whose shares are `baseline` and `current`, empty shares
    /// taken as `emptyShare`.
    public static func index(baseline: [Double], current: [Double]) -> Double {
        zip(baseline, current).reduce(0.0) { sum, pair in
            let b = max(pair.0, emptyShare)
            let c = max(pair.1, emptyShare)
            return sum + (c - b) * log(c / b)
        }
    }
}

/// Bins cut at quantiles of a baseline sample: cut[i−1] < v ≤ cut[i].
public struct QuantileBins: Sendable, Equatable {
    /// The cut points, ascending and distinct; there is one bin more than cut points.
    public let cuts: [Double]

    /// Bins cut at the baseline's `count`-quantiles (linear interpolation between order
    /// statistics, as NumPy's default), equal cut points merged.
    ///
    /// - Parameter baseline: the baseline's values, at least one, none NaN.
    public init(baseline: [Double], count: Int = PopulationStability.binCount) {
        let sorted = baseline.sorted()
        var cuts: [Double] = []
        for k in 1..<max(count, 1) {
            let cut = Self.quantile(sorted: sorted, Double(k) / Double(count))
            if cuts.last != cut { cuts.append(cut) }
        }
        self.cuts = cuts
    }

    /// The bin of `value`: the number of cut points below it.
    public func bin(of value: Double) -> Int {
        var low = 0
        var high = cuts.count
        while low < high {
            let middle = (low + high) / 2
            if cuts[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The share of `values` in each bin (all zero for no values).
    public func shares(of values: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: cuts.count + 1)
        for value in values { counts[bin(of: value)] += 1 }
        return counts.map { values.isEmpty ? 0 : Double($0) / Double(values.count) }
    }

    /// The q-quantile of sorted values, NumPy's "linear" method (index q·(n − 1), interpolated
    /// from whichever neighbour is nearer, as NumPy's `_lerp`).
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        let index = q * Double(sorted.count - 1)
        let below = Int(index.rounded(.down))
        let t = index - Double(below)
        let a = sorted[below]
        let b = sorted[min(below + 1, sorted.count - 1)]
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
    }
}
