/// Maps each feature's values to at most `maxBins` ordered bins (LightGBM's and scikit-learn's
/// histogram binning): one bin per distinct value when there are few, quantile bins otherwise.
/// Bin boundaries are midpoints between neighbouring distinct values, so a split "bin ≤ b"
/// is the split "value ≤ upperBounds[f][b]" on raw values.
public struct BinMapper: Sendable, Equatable, Codable {
    /// Per feature, the upper bound of every bin but the last (which is unbounded).
    public let upperBounds: [[Double]]

    /// Rows sampled to find the bins of a large training set (LightGBM's bin_construct_sample_cnt).
    static let sampleLimit = 200_000

    public init(_ x: Matrix, maxBins: Int, random: inout SeededRandom) {
        var rows = Array(0..<x.rows)
        if x.rows > Self.sampleLimit {
            rows.shuffle(using: &random)
            rows = Array(rows.prefix(Self.sampleLimit))
        }
        upperBounds = (0..<x.columns).map { f in
            Self.bounds(rows.map { x[$0, f] }.sorted(), maxBins: maxBins)
        }
    }

    static func bounds(_ sorted: [Double], maxBins: Int) -> [Double] {
        var distinct: [Double] = []
        var counts: [Int] = []
        for v in sorted {
            if let last = distinct.last, v == last {
                counts[counts.count - 1] += 1
            } else {
                distinct.append(v)
                counts.append(1)
            }
        }
        guard distinct.count > 1 else { return [] }
        if distinct.count <= maxBins {
            return (0..<(distinct.count - 1)).map { (i: Int) -> Double in distinct[i] / 2 + distinct[i + 1] / 2 }
        }
        var bounds: [Double] = []
        var remaining = sorted.count
        var inBin = 0
        for i in 0..<(distinct.count - 1) {
            inBin += counts[i]
            let binsLeft = maxBins - bounds.count
            if Double(inBin) >= Double(remaining) / Double(binsLeft) && bounds.count < maxBins - 1 {
                bounds.append(distinct[i] / 2 + distinct[i + 1] / 2)
                remaining -= inBin
                inBin = 0
            }
        }
        return bounds
    }

    /// The number of bins of feature `f`.
    public func binCount(_ f: Int) -> Int { upperBounds[f].count + 1 }

    /// The bin of `value` for feature `f`.
    @inline(__always)
    public func bin(_ value: Double, feature f: Int) -> Int {
        upperBounds[f].withUnsafeBufferPointer { Self.lowerBound(value, $0) }
    }

    /// Every row's bins, row-major (rows × features), one byte each; rows in order, so the
    /// values are read once, front to back.
    public func binned(_ x: Matrix) -> [UInt8] {
        let flatBounds = upperBounds.flatMap { $0 }
        let starts = upperBounds.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        var out = [UInt8](repeating: 0, count: x.rows * x.columns)
        out.withUnsafeMutableBufferPointer { out in
            x.values.withUnsafeBufferPointer { values in
                flatBounds.withUnsafeBufferPointer { flatBounds in
                    for r in 0..<x.rows {
                        for f in 0..<x.columns {
                            let bounds = UnsafeBufferPointer(rebasing: flatBounds[starts[f]..<starts[f + 1]])
                            out[r * x.columns + f] = UInt8(Self.lowerBound(values[r * x.columns + f], bounds))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The first index whose bound is ≥ `value` (the bin of `value`).
    @inline(__always)
    static func lowerBound(_ value: Double, _ bounds: UnsafeBufferPointer<Double>) -> Int {
        var low = 0
        var count = bounds.count
        while count > 0 {
            let half = count / 2
            if bounds[low + half] < value {
                low += half + 1
                count -= half + 1
            } else {
                count = half
            }
        }
        return low
    }
}
