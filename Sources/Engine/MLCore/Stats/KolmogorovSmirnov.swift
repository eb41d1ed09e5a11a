import Foundation

/// The two-sample Kolmogorov–Smirnov test, two-sided, computed as `scipy.stats.ks_2samp` computes
/// it with its default `method='auto'`.
///
/// The statistic is the largest distance between the two samples' empirical distribution
/// functions, each evaluated at every value of both samples. When neither sample has more than
/// `exactLimit` values the p-value is exact: the share of lattice paths from (0, 0) to (n1, n2)
/// that leave the band |x/n1 − y/n2| < D (Hodges 1958, "The significance probability of the
/// Smirnov two-sample test"; counted column by column as probabilities, after Viehmann 2021,
/// arXiv:2102.08037), with the statistic first rounded to the lattice's grid h / lcm(n1, n2);
/// for equal sizes the alternating sum over reflections in closed form. Larger samples use the
/// one-sample Kolmogorov distribution at n = round(n1·n2 / (n1 + n2)), as scipy's `kstwo.sf`
/// (see `KolmogorovDistribution`).
///
/// For example:
/// ```swift
/// let test = try KolmogorovSmirnov.twoSample([1, 2, 3, 4], [3, 4, 5, 6, 7])
/// // test.statistic == 0.6, test.pValue == 2/7 (exact)
/// ```
public enum KolmogorovSmirnov {
    /// The largest sample size for which the p-value is exact (scipy's `MAX_AUTO_N`).
    public static let exactLimit = 10_000

    /// The statistic, its p-value, and whether the p-value is exact.
    public struct Result: Sendable, Equatable {
        public let statistic: Double
        public let pValue: Double
        public let isExact: Bool
    }

    /// Tests whether `first` and `second` come from the same continuous distribution.
    ///
    /// - Throws: `EngineError.invalidData` when a sample is empty or holds NaN.
    public static func twoSample(_ first: [Double], _ second: [Double]) throws -> Result {
        guard !first.isEmpty, !second.isEmpty else {
            throw EngineError(.invalidData, "the Kolmogorov–Smirnov test needs values in both samples")
        }
        guard !first.contains(where: \.isNaN), !second.contains(where: \.isNaN) else {
            throw EngineError(.invalidData, "the Kolmogorov–Smirnov test cannot compare NaN")
        }
        let a = first.sorted()
        let b = second.sorted()
        let n1 = a.count
        let n2 = b.count
        var d = statistic(sortedFirst: a, sortedSecond: b)
        if max(n1, n2) <= exactLimit {
            // An exact computation that fails (leaves [0, 1]) still rounds the statistic, as scipy's.
            let exact = exactPValue(n1, n2, statistic: d)
            if let p = exact.pValue { return Result(statistic: exact.statistic, pValue: p, isExact: true) }
            d = exact.statistic
        }
        let (m, n) = (Double(max(n1, n2)), Double(min(n1, n2)))
        let effective = (m * n / (m + n)).rounded(.toNearestOrEven)
        let p = KolmogorovDistribution.survival(n: Int(effective), d)
        return Result(statistic: d, pValue: min(max(p, 0), 1), isExact: false)
    }

    /// The largest |F1 − F2| over the values of both sorted samples, each distribution function
    /// counting the values at or below the point.
    static func statistic(sortedFirst a: [Double], sortedSecond b: [Double]) -> Double {
        let n1 = Double(a.count)
        let n2 = Double(b.count)
        var i = 0
        var j = 0
        var largest = 0.0
        var smallest = 0.0
        while i < a.count || j < b.count {
            let point = j == b.count || (i < a.count && a[i] <= b[j]) ? a[i] : b[j]
            while i < a.count && a[i] <= point { i += 1 }
            while j < b.count && b[j] <= point { j += 1 }
            let difference = Double(i) / n1 - Double(j) / n2
            largest = max(largest, difference)
            smallest = min(smallest, difference)
        }
        return max(largest, min(max(-smallest, 0), 1))
    }

    /// The statistic rounded to the lattice's grid, and the exact p-value, nil when the
    /// computation leaves [0, 1] (the asymptotic form is used then).
    static func exactPValue(_ n1: Int, _ n2: Int, statistic d: Double) -> (statistic: Double, pValue: Double?) {
        let g = gcd(n1, n2)
        let lcm = (n1 / g) * n2
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let rounded = Double(h) * 1.0 / Double(lcm)
        if h == 0 { return (rounded, 1.0) }
        let p = n1 == n2 ? outsideSquare(n: n1, h: h) : outsideBand(n1, n2, g: g, h: h)
        return (rounded, p.isFinite && p >= 0 && p <= 1 ? p : nil)
    }

    /// P(D ≥ h/n) for two samples of size n: 2·Σ (−1)^(k−1) C(2n, n−kh) / C(2n, n), each term
    /// divided by C(2n, n) and nested Horner-like to avoid cancellation.
    static func outsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var term = 1.0
            for j in 0..<h { term = Double(n - k * h - j) * term / Double(n + k * h + j + 1) }
            p = term * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// The share of lattice paths from (0, 0) to (m, n) that touch or leave the band
    /// |x/m − y/n| < h/lcm(m, n), one column of the recursion at a time (a sliding window of it).
    ///
    /// A cell holds the probability that a path to it has already left the band: 1 outside it,
    /// and inside the average of its two predecessors weighted by how many paths come from each.
    static func outsideBand(_ first: Int, _ second: Int, g: Int, h: Int) -> Double {
        let (m, n) = (max(first, second), min(first, second))
        let mg = m / g
        let ng = n / g
        var low = 0
        var high = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var length = high - low
        let size = min(2 * high + 2, n + 1)
        var column = [Double](repeating: 1, count: size)
        for j in low..<min(high, size) { column[j] = 0 }
        for i in 1...m {
            let (previousLow, previousLength) = (low, length)
            low = min(max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0), n)
            high = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if high <= low { return 1.0 }
            var value = low == 0 ? 0.0 : 1.0
            for offset in 0..<(high - low) {
                let j = offset + low
                value = (column[offset + low - previousLow] * Double(i) + value * Double(j)) / Double(i + j)
                column[offset] = value
            }
            length = high - low
            if previousLength > length {
                for k in length..<min(previousLength, size) { column[k] = 1 }
            }
        }
        return column[high - low - 1]
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
