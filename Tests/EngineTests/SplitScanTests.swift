import CSplitScan
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

@Suite("The gbm split scan")
struct SplitScanTests {
    /// The one-pass scan the two-pass one replaced: every split point's gain divided out, in order.
    static func onePassBest(
        sums: [Double], occupied: [UInt64], ranges: [Range<Int>], leaf: SplitScan.Leaf
    ) -> SplitScan.Split? {
        let l2 = leaf.l2
        let parentGain = leaf.gradient * leaf.gradient / (leaf.hessian + l2)
        let rowsPerHessian = Double(leaf.rows) / leaf.hessian
        let fewestLeft = Double(leaf.minDataInLeaf)
        let mostLeft = Double(leaf.rows - leaf.minDataInLeaf + 1)
        var best: SplitScan.Split?
        var bestGain = leaf.minSplitGain
        for range in ranges {
            var gl = 0.0
            var hl = 0.0
            scan: for position in range where occupied[position / 64] & (1 << UInt64(position % 64)) != 0 {
                gl += sums[2 * position]
                hl += sums[2 * position + 1]
                let leftRows = hl * rowsPerHessian + 0.5
                if leftRows < fewestLeft || hl < leaf.minSumHessian { continue }
                if leftRows >= mostLeft { break scan }
                let gr = leaf.gradient - gl
                let hr = leaf.hessian - hl
                if hr < leaf.minSumHessian { continue }
                let gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parentGain
                if gain > bestGain {
                    bestGain = gain
                    best = SplitScan.Split(position: position, gain: gain, leftGradient: gl, leftHessian: hl)
                }
            }
        }
        return best
    }

    /// A random leaf histogram: features of 1–300 bins, each occupied bin with a gradient in
    /// [−1, 1) and a hessian in [0, 0.25) (some exactly 0), densely or sparsely occupied; a third
    /// of the features repeat an earlier one, so that gains tie across features.
    static func randomCase(_ random: inout SeededRandom) -> (
        sums: [Double], occupied: [UInt64], ranges: [Range<Int>], leaf: SplitScan.Leaf
    ) {
        let features = 1 + Int(random.next() % 12)
        var binCounts = [Int]()
        for f in 0..<features {
            binCounts.append(f > 0 && random.nextUnit() < 0.33 ? binCounts[f - 1] : 1 + Int(random.next() % 300))
        }
        let totalBins = binCounts.reduce(0, +)
        var sums = [Double](repeating: 0, count: 2 * totalBins)
        var occupied = [UInt64](repeating: 0, count: (totalBins + 63) / 64)
        var ranges = [Range<Int>]()
        var start = 0
        for f in 0..<features {
            let repeatsPrevious = f > 0 && binCounts[f] == binCounts[f - 1] && random.nextUnit() < 0.8
            let share = random.nextUnit() < 0.5 ? 1.0 : random.nextUnit()
            for bin in 0..<binCounts[f] {
                let position = start + bin
                if repeatsPrevious {
                    let previous = position - binCounts[f]
                    sums[2 * position] = sums[2 * previous]
                    sums[2 * position + 1] = sums[2 * previous + 1]
                    occupied[position / 64] |=
                        ((occupied[previous / 64] >> UInt64(previous % 64)) & 1) << UInt64(position % 64)
                } else if random.nextUnit() < share {
                    sums[2 * position] = random.nextUnit() * 2 - 1
                    sums[2 * position + 1] = random.nextUnit() < 0.05 ? 0 : random.nextUnit() / 4
                    occupied[position / 64] |= 1 << UInt64(position % 64)
                }
            }
            ranges.append(start..<(start + binCounts[f] - 1))
            start += binCounts[f]
        }
        var gradient = 0.0
        var hessian = 0.0
        for position in 0..<binCounts[0] {
            gradient += sums[2 * position]
            hessian += sums[2 * position + 1]
        }
        let leaf = SplitScan.Leaf(
            gradient: gradient, hessian: max(hessian, 1e-3), rows: 2 + Int(random.next() % 2000),
            minDataInLeaf: Int(random.next() % 30), minSumHessian: random.nextUnit() < 0.2 ? 0 : 1e-3,
            l2: random.nextUnit() < 0.5 ? 0 : random.nextUnit() * 2,
            minSplitGain: random.nextUnit() < 0.7 ? 0 : random.nextUnit() / 10)
        return (sums, occupied, ranges, leaf)
    }

    @Test("the two-pass scan finds the one-pass scan's split bit for bit, on 3,000 random histograms")
    func twoPassEqualsOnePass() {
        var random = SeededRandom(seed: 5)
        var found = 0
        var scan = SplitScan(bins: 12 * 300)
        for _ in 0..<3000 {
            let (sums, occupied, ranges, leaf) = Self.randomCase(&random)
            let expected = Self.onePassBest(sums: sums, occupied: occupied, ranges: ranges, leaf: leaf)
            let actual = sums.withUnsafeBufferPointer { sums in
                occupied.withUnsafeBufferPointer { occupied in
                    scan.best(sums: sums, occupied: occupied, ranges: ranges, leaf: leaf)
                }
            }
            #expect(actual?.position == expected?.position)
            #expect(actual?.gain.bitPattern == expected?.gain.bitPattern)
            #expect(actual?.leftGradient.bitPattern == expected?.leftGradient.bitPattern)
            #expect(actual?.leftHessian.bitPattern == expected?.leftHessian.bitPattern)
            if expected != nil { found += 1 }
        }
        // Most cases have a split, and some have none: both outcomes are covered.
        #expect(found > 1500 && found < 3000)
    }

    @Test("the least number passing a test that stays true: from a close estimate, a far one, or none")
    func leastPassing() {
        let bounds = SplitScan.HessianBounds.self
        let rowsPerHessian = 883.0 / 217.3
        let target = 19.5
        let passes: (Double) -> Bool = { $0 * rowsPerHessian + 0.5 >= target }
        for estimate in [(target - 0.5) / rowsPerHessian, 0, 1e300, .nan, -5] {
            let least = bounds.least(estimate: estimate, where: passes)
            #expect(passes(least))
            #expect(!passes(least.nextDown))
        }
        #expect(bounds.least(estimate: 3, where: { _ in true }) == 0)
        #expect(bounds.least(estimate: 3, where: { $0.isInfinite }) == .infinity)
    }

    @Test("pass 2 compiled for AVX2 (where the processor has it) and for the baseline finds the exact scan's point")
    func bothCompiledVariants() {
        var random = SeededRandom(seed: 8)
        for _ in 0..<2000 {
            let count = Int(random.next() % 300)
            let hessian = 1 + random.nextUnit() * 300
            let minHessian = 1e-3
            let gradient = random.nextUnit() * 40 - 20
            // Running sums as pass 1 writes them: hessians rising within [min, H − min].
            var hl = (0..<count).map { _ in minHessian + random.nextUnit() * (hessian - 2 * minHessian) }.sorted()
            if count > 4 { hl[2] = hl[1] } // two points with the same sums: a tie
            var gl = (0..<count).map { _ in random.nextUnit() * 40 - 20 }
            if count > 4 { gl[2] = gl[1] }
            let l2 = random.nextUnit() < 0.5 ? 0 : random.nextUnit() * 3
            let parentGain = gradient * gradient / (hessian + l2)
            let minGain = random.nextUnit() < 0.7 ? 0 : random.nextUnit() * 5
            var expectedIndex = -1
            var expectedGain = minGain
            for i in 0..<count {
                let gr = gradient - gl[i]
                let hr = hessian - hl[i]
                let gain = gl[i] * gl[i] / (hl[i] + l2) + gr * gr / (hr + l2) - parentGain
                if gain > expectedGain {
                    expectedGain = gain
                    expectedIndex = i
                }
            }
            for kernel in [plateshell_best_split_point, plateshell_best_split_point_baseline] {
                var points = plateshell_split_points(
                    gradient: gradient, hessian: hessian, l2: l2, parent_gain: parentGain, best_gain: minGain,
                    testable: random.nextUnit() < 0.8 ? 1 : 0)
                let index = kernel(gl, hl, count, &points)
                #expect(index == expectedIndex)
                #expect(points.best_gain.bitPattern == expectedGain.bitPattern)
            }
        }
    }
}
