import CSplitScan

/// Finds a leaf's best split from its histogram, in two passes.
///
/// 1. Each feature's occupied bins are added up in order, and the running sums of the split points
///    that keep enough rows and hessian on both sides are written out (`leftGradients`,
///    `leftHessians`, `positions`). Which those are comes down to two bounds on the left hessian,
///    found once per leaf (`HessianBounds`); a feature stops at the first split past them.
/// 2. The gains of the written points are tested four at a time against the best so far without
///    dividing: gl²·q + gr²·p against (best + parent)·p·q, with p and q the children's hessians + λ.
///    Only the points this test cannot rule out get the gain computed exactly, in scan order, as
///    the one-pass scan did. This pass is C (`plateshell_best_split_point`), compiled for AVX2
///    and for the x86-64 baseline and picked at run time.
///
/// The result is the one-pass scan's, bit for bit: the running sums are added in the same order,
/// and a point is ruled out only when its exact gain is below the best by far more than rounding
/// could account for (the margin is argued at the kernel's `threshold`). The one-pass scan took
/// ~32 instructions and two divisions per point and was 55% of a gbm fit loop's profile; pass 1
/// takes 17 instructions per point, pass 2 about 4 and no division (the loop of 8 fits:
/// 1.19 → 0.81 s).
struct SplitScan {
    /// The running sums and histogram positions of the split points that pass 1 keeps.
    private var leftGradients: [Double]
    private var leftHessians: [Double]
    private var positions: [Int32]

    /// Buffers for a histogram of `bins` bins.
    init(bins: Int) {
        leftGradients = [Double](repeating: 0, count: bins)
        leftHessians = [Double](repeating: 0, count: bins)
        positions = [Int32](repeating: 0, count: bins)
    }

    /// What a leaf's split must satisfy, and the sums it starts from.
    struct Leaf {
        var gradient: Double
        var hessian: Double
        var rows: Int
        var minDataInLeaf: Int
        var minSumHessian: Double
        var l2: Double
        var minSplitGain: Double
    }

    /// The best split: the histogram position of its last bin on the left, its gain and the sums
    /// on its left.
    struct Split {
        var position: Int
        var gain: Double
        var leftGradient: Double
        var leftHessian: Double
    }

    /// The split of greatest gain over the features' bins (`ranges[f]`: the positions of feature
    /// f's split points, its last bin excluded), the first in scan order among equals; nil when no
    /// split keeps `minDataInLeaf` rows and `minSumHessian` on both sides with a gain above
    /// `minSplitGain`. Only the bins marked in `occupied` are read (the others hold zero); the
    /// ranges must not overlap.
    mutating func best(
        sums: UnsafeBufferPointer<Double>, occupied: UnsafeBufferPointer<UInt64>, ranges: [Range<Int>], leaf: Leaf
    ) -> Split? {
        // Pass 1 writes through unchecked pointers, at most one point per histogram position.
        let bins = sums.count / 2
        precondition(bins <= positions.count && occupied.count * 64 >= bins)
        precondition(ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= bins })
        let count = collectSplitPoints(sums: sums, occupied: occupied, ranges: ranges, leaf: leaf)
        return bestOfSplitPoints(count: count, leaf: leaf)
    }

    /// Pass 1: writes the running sums of every split point that keeps enough rows and hessian on
    /// both sides, feature after feature; returns how many it wrote.
    private mutating func collectSplitPoints(
        sums: UnsafeBufferPointer<Double>, occupied: UnsafeBufferPointer<UInt64>, ranges: [Range<Int>], leaf: Leaf
    ) -> Int {
        let bounds = HessianBounds(leaf)
        var count = 0
        leftGradients.withUnsafeMutableBufferPointer { gradientsOut in
            leftHessians.withUnsafeMutableBufferPointer { hessiansOut in
                positions.withUnsafeMutableBufferPointer { positionsOut in
                    for range in ranges where !range.isEmpty {
                        var gl = 0.0
                        var hl = 0.0
                        let last = range.upperBound - 1
                        // Bins not occupied hold exactly zero: adding them changes no sum, and their
                        // split repeats the previous one's gain, which never wins a strict comparison.
                        scan: for word in (range.lowerBound >> 6)...(last >> 6) {
                            var bits = occupied[word]
                            if word == range.lowerBound >> 6 { bits &= ~0 << UInt64(range.lowerBound & 63) }
                            if word == last >> 6, range.upperBound & 63 != 0 {
                                bits &= (1 << UInt64(range.upperBound & 63)) &- 1
                            }
                            while bits != 0 {
                                let position = word << 6 | bits.trailingZeroBitCount
                                bits &= bits &- 1
                                gl += sums[position &* 2]
                                hl += sums[position &* 2 &+ 1]
                                // The left side only grows from here (hessians are not negative): no
                                // later split keeps enough rows or hessian on the right.
                                if hl >= bounds.stop { break scan }
                                gradientsOut[count] = gl
                                hessiansOut[count] = hl
                                positionsOut[count] = Int32(truncatingIfNeeded: position)
                                // Written always, kept only when the left side has enough.
                                count &+= hl >= bounds.keep ? 1 : 0
                            }
                        }
                    }
                }
            }
        }
        return count
    }

    /// The left hessian sums between which a split keeps enough rows and hessian on both sides.
    ///
    /// The left count is estimated as LightGBM's RoundInt does: Int(hl · rows per hessian + 0.5).
    /// With y = hl · rows per hessian + 0.5 ≥ 0, Int(y) ≥ minData ⇔ y ≥ minData, and the right side
    /// keeps minData rows ⇔ Int(y) ≤ rows − minData ⇔ y < rows − minData + 1. These tests, and the
    /// hessian tests hl ≥ min and total − hl < min, only change from false to true as hl grows (each
    /// floating-point step is monotonic), so each comes down to the least hl that passes it, found
    /// once per leaf: the scan then compares hl with two numbers.
    struct HessianBounds {
        /// A split is kept when its hl is at least this.
        var keep: Double
        /// The scan of a feature stops at the first split whose hl is at least this.
        var stop: Double

        init(_ leaf: Leaf) {
            let rowsPerHessian = Double(leaf.rows) / leaf.hessian
            let fewestLeft = Double(leaf.minDataInLeaf)
            let mostLeft = Double(leaf.rows - leaf.minDataInLeaf + 1)
            let minHessian = leaf.minSumHessian
            let enoughRowsLeft = Self.least(estimate: (fewestLeft - 0.5) / rowsPerHessian) {
                $0 * rowsPerHessian + 0.5 >= fewestLeft
            }
            keep = max(enoughRowsLeft, minHessian)
            let tooFewRowsRight = Self.least(estimate: (mostLeft - 0.5) / rowsPerHessian) {
                $0 * rowsPerHessian + 0.5 >= mostLeft
            }
            let tooLittleHessianRight = Self.least(estimate: leaf.hessian - minHessian) {
                leaf.hessian - $0 < minHessian
            }
            stop = min(tooFewRowsRight, tooLittleHessianRight)
        }

        /// The least x ≥ 0 for which `holds(x)` (+∞ if none), for a test that stays true once true
        /// as x grows. Starts from an estimate and steps to the neighbouring numbers; when the
        /// estimate is far off, searches the bit patterns (ordered as the numbers are).
        static func least(estimate: Double, where holds: (Double) -> Bool) -> Double {
            var x = estimate.isNaN ? 0 : min(max(estimate, 0), .greatestFiniteMagnitude)
            for _ in 0..<16 {
                if !holds(x) {
                    if x == .greatestFiniteMagnitude { return .infinity }
                    x = x.nextUp
                } else if x > 0 && holds(x.nextDown) {
                    x = x.nextDown
                } else {
                    return x
                }
            }
            guard holds(.greatestFiniteMagnitude) else { return .infinity }
            var low: UInt64 = 0
            var high = Double.greatestFiniteMagnitude.bitPattern
            while low < high {
                let middle = low + (high - low) / 2
                if holds(Double(bitPattern: middle)) { high = middle } else { low = middle + 1 }
            }
            return Double(bitPattern: low)
        }
    }

    /// Pass 2: the point of greatest gain among the first `count` collected, the first among equals
    /// (`plateshell_best_split_point`, in C).
    private func bestOfSplitPoints(count: Int, leaf: Leaf) -> Split? {
        let l2 = leaf.l2
        // The test rules points out only when p and q lie in [10⁻⁵⁰, 10⁵⁰] (both are at least the
        // minimum hessian and at most the leaf's hessian + λ) and the threshold in [10⁻¹⁵⁰, 10¹⁵⁰]
        // (the kernel checks that): then t·p·q is a normal number, and a product that underflows
        // could not have exceeded it. Otherwise every point gets its exact gain.
        var points = plateshell_split_points(
            gradient: leaf.gradient, hessian: leaf.hessian, l2: l2,
            parent_gain: leaf.gradient * leaf.gradient / (leaf.hessian + l2), best_gain: leaf.minSplitGain,
            testable: leaf.minSumHessian >= 1e-50 && l2 >= 0 && leaf.hessian + l2 <= 1e50 ? 1 : 0)
        let best = leftGradients.withUnsafeBufferPointer { gradients in
            leftHessians.withUnsafeBufferPointer { hessians in
                plateshell_best_split_point(gradients.baseAddress!, hessians.baseAddress!, count, &points)
            }
        }
        guard best >= 0 else { return nil }
        let index = Int(best)
        return Split(
            position: Int(positions[index]), gain: points.best_gain, leftGradient: leftGradients[index],
            leftHessian: leftHessians[index])
    }
}
