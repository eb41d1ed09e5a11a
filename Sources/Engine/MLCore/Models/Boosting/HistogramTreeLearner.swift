import CPrefetch
import Foundation

/// Grows one regression tree on gradients and hessians from binned features (LightGBM's
/// histogram tree learner): per leaf, a histogram of gradient and hessian sums per feature bin;
/// the best split of a leaf is one scan over its histogram; the smaller child's histogram is
/// built from its rows and the larger child's is the parent's minus it (histogram subtraction).
/// Leaves are split best-gain first (leaf-wise) or shallowest first (depth-wise).
struct HistogramTreeLearner {
    struct Settings: Sendable, Equatable {
        var leaves = 31
        var maxDepth: Int?
        var minDataInLeaf = 20
        var minSumHessian = 1e-3
        var l2 = 0.0
        var minSplitGain = 0.0
        var leafWise = true
    }

    /// Row-major bins (rows × features): a row's bins together, for building histograms.
    let bins: [UInt8]
    /// Feature-major bins (features × rows): one feature's bins together, for partitioning rows.
    let binsByFeature: [UInt8]
    let rowCount: Int
    let featureCount: Int
    let mapper: BinMapper
    let settings: Settings
    /// Where each feature's bins start in a histogram.
    let offsets: [Int]
    let totalBins: Int
    let threads: Int

    init(bins: [UInt8], rowCount: Int, mapper: BinMapper, settings: Settings, threads: Int) {
        self.bins = bins
        self.rowCount = rowCount
        let d = mapper.upperBounds.count
        var byFeature = [UInt8](repeating: 0, count: bins.count)
        byFeature.withUnsafeMutableBufferPointer { out in
            bins.withUnsafeBufferPointer { rowMajor in
                for r in 0..<rowCount {
                    for f in 0..<d { out[f * rowCount + r] = rowMajor[r * d + f] }
                }
            }
        }
        self.binsByFeature = byFeature
        self.featureCount = mapper.upperBounds.count
        self.mapper = mapper
        self.settings = settings
        var offsets = [Int]()
        var total = 0
        for f in 0..<featureCount {
            offsets.append(total)
            total += mapper.binCount(f)
        }
        self.offsets = offsets
        self.totalBins = total
        self.threads = threads
    }

    /// From how many rows a histogram is built on several threads (fewer are not worth it).
    static let parallelHistogramRows = 50_000

    /// Gradient and hessian sums per bin of every feature, interleaved so that one update touches
    /// one cache line. Row counts are not kept: as LightGBM does, a bin's count is estimated from its
    /// hessian sum and the leaf's rows per unit of hessian.
    struct Histogram {
        var sums: [Double]
        /// One bit per bin: a bin whose bit is clear holds exactly zero, so the split scan may pass
        /// it by (adding zeros changes no sum, and its split repeats its neighbour's gain). All set
        /// unless the rows were few next to the bins (see `tracksOccupancy`).
        var occupied: [UInt64]

        init(bins: Int) {
            sums = [Double](repeating: 0, count: bins * 2)
            occupied = [UInt64](repeating: ~0, count: (bins + 63) / 64)
        }

        /// From how many occupied bins of 64 a word's bins are cleared or subtracted all together,
        /// which is faster than bin by bin.
        static let denseWord = 16

        /// Zeroes the sums, every bin marked occupied or (`clearOccupancy`) none. Only the bins
        /// marked occupied can hold non-zero sums, so a histogram of few rows is cleared bin by bin
        /// instead of whole.
        mutating func reset(clearOccupancy: Bool) {
            let bins = sums.count / 2
            sums.withUnsafeMutableBufferPointer { sums in
                occupied.withUnsafeMutableBufferPointer { occupied in
                    for word in occupied.indices {
                        var bits = occupied[word]
                        occupied[word] = clearOccupancy ? 0 : ~0
                        if bits.nonzeroBitCount >= Self.denseWord {
                            let first = word << 6
                            (sums.baseAddress! + 2 * first).update(repeating: 0, count: 2 * min(64, bins - first))
                            continue
                        }
                        while bits != 0 {
                            let bin = word << 6 | bits.trailingZeroBitCount
                            bits &= bits &- 1
                            sums[2 * bin] = 0
                            sums[2 * bin + 1] = 0
                        }
                    }
                }
            }
        }

        /// Subtracts a histogram of some of the same rows. Only the bins occupied in `other` can
        /// change (its other bins hold zero, and x − 0 is x), and bins empty here stay exactly zero,
        /// so the occupancy stays.
        mutating func subtract(_ other: Histogram) {
            let bins = sums.count / 2
            sums.withUnsafeMutableBufferPointer { mine in
                other.sums.withUnsafeBufferPointer { theirs in
                    for (word, wordBits) in other.occupied.enumerated() {
                        var bits = wordBits
                        if bits.nonzeroBitCount >= Self.denseWord {
                            let first = 2 * (word << 6)
                            for i in first..<min(first + 128, 2 * bins) { mine[i] -= theirs[i] }
                            continue
                        }
                        while bits != 0 {
                            let bin = word << 6 | bits.trailingZeroBitCount
                            bits &= bits &- 1
                            mine[2 * bin] -= theirs[2 * bin]
                            mine[2 * bin + 1] -= theirs[2 * bin + 1]
                        }
                    }
                }
            }
        }

        /// Adds a histogram of other rows (a part built on another thread; parts mark no
        /// occupancy, so both are all occupied).
        mutating func add(_ other: Histogram) {
            sums.withUnsafeMutableBufferPointer { mine in
                other.sums.withUnsafeBufferPointer { theirs in
                    for i in 0..<mine.count { mine[i] += theirs[i] }
                }
            }
        }
    }

    /// What `grow` reuses from tree to tree on one thread: histograms no longer needed (reused
    /// before new ones are allocated: a fresh histogram's zeroed pages cost more than filling it)
    /// and the split scan's buffers.
    struct Workspace {
        var spareHistograms: [Histogram] = []
        var scan = SplitScan(bins: 0)
    }

    /// A workspace for this learner's histograms.
    func makeWorkspace() -> Workspace { Workspace(scan: SplitScan(bins: totalBins)) }

    private struct Candidate {
        var feature: Int
        var bin: Int
        var gain: Double
        var leftGradient: Double, leftHessian: Double
    }

    private struct Leaf {
        var node: Int
        var start: Int
        var count: Int
        var gradient: Double
        var hessian: Double
        var depth: Int
        var histogram: Histogram
        var best: Candidate?

        /// Its histogram, leaving it an empty one.
        mutating func takeHistogram() -> Histogram {
            defer { histogram = Histogram(bins: 0) }
            return histogram
        }
    }

    /// Grows a tree on the rows `rows` (reordered in place: each final leaf's rows end up
    /// contiguous). Returns the tree, whose leaf values are already multiplied by `shrinkage`, and
    /// for each leaf its row range in `rows`.
    /// Every histogram goes back to `workspace` at the end.
    func grow(
        gradients: [Double], hessians: [Double], gradientOffset: Int, rows: inout [Int32],
        features: [Bool], shrinkage: Double, workspace: inout Workspace
    ) -> (tree: Tree, leaves: [(node: Int, start: Int, count: Int)]) {
        var tree = Tree(outputs: 1)
        // The histogram positions of each used feature's split points (its last bin splits nothing).
        let splitRanges = (0..<featureCount).filter { features[$0] }.map {
            offsets[$0]..<(offsets[$0] + mapper.binCount($0) - 1)
        }
        var scratch = [Int32](repeating: 0, count: rows.count)
        var totalGradient = 0.0
        var totalHessian = 0.0
        for r in rows {
            totalGradient += gradients[gradientOffset + Int(r)]
            totalHessian += hessians[gradientOffset + Int(r)]
        }
        let root = tree.addNode(value: [leafValue(totalGradient, totalHessian) * shrinkage], cover: Double(rows.count))
        // The root is made in place in `leaves`: a second copy of it would share its histogram,
        // and subtracting from that histogram would then copy it.
        var leaves = [
            Leaf(
                node: root, start: 0, count: rows.count, gradient: totalGradient, hessian: totalHessian, depth: 0,
                histogram: histogram(
                    rows: rows, start: 0, count: rows.count, gradients: gradients,
                    hessians: hessians, offset: gradientOffset, spare: &workspace.spareHistograms))
        ]
        leaves[0].best = bestSplit(leaves[0], ranges: splitRanges, scan: &workspace.scan)
        defer {
            for leaf in leaves where !leaf.histogram.sums.isEmpty { workspace.spareHistograms.append(leaf.histogram) }
        }
        while leaves.count < settings.leaves {
            let eligible = leaves.indices.filter { leaves[$0].best != nil }
            guard
                let chosen = settings.leafWise
                    ? eligible.max(by: {
                        leaves[$0].best!.gain < leaves[$1].best!.gain
                            || (leaves[$0].best!.gain == leaves[$1].best!.gain && $0 > $1)
                    })
                    : eligible.min(by: {
                        (leaves[$0].depth, -leaves[$0].best!.gain) < (leaves[$1].depth, -leaves[$1].best!.gain)
                    })
            else { break }
            var parentHistogram = leaves[chosen].takeHistogram()
            let parent = leaves[chosen]
            let split = parent.best!
            // The rows whose bin of the split feature is ≤ the split bin go left.
            let leftCount = binsByFeature.withUnsafeBufferPointer { all in
                let column = all.baseAddress! + split.feature * rowCount
                return stablePartition(&rows, start: parent.start, count: parent.count, scratch: &scratch) {
                    Int(column[Int($0)]) <= split.bin
                }
            }
            let rightGradient = parent.gradient - split.leftGradient
            let rightHessian = parent.hessian - split.leftHessian
            let leftNode = tree.addNode(
                value: [leafValue(split.leftGradient, split.leftHessian) * shrinkage], cover: Double(leftCount))
            let rightNode = tree.addNode(
                value: [leafValue(rightGradient, rightHessian) * shrinkage], cover: Double(parent.count - leftCount))
            tree.split(
                parent.node, feature: split.feature, threshold: threshold(feature: split.feature, bin: split.bin),
                left: leftNode, right: rightNode)
            var left = Leaf(
                node: leftNode, start: parent.start, count: leftCount, gradient: split.leftGradient,
                hessian: split.leftHessian, depth: parent.depth + 1, histogram: Histogram(bins: 0))
            var right = Leaf(
                node: rightNode, start: parent.start + leftCount, count: parent.count - leftCount,
                gradient: rightGradient, hessian: rightHessian, depth: parent.depth + 1, histogram: Histogram(bins: 0))
            if leaves.count + 1 == settings.leaves {
                // The tree is full with these two leaves: they will not be split, so they need
                // neither histograms nor best splits.
                workspace.spareHistograms.append(parentHistogram)
                leaves[chosen] = left
                leaves.append(right)
                break
            }
            let smallerIsLeft = left.count <= right.count
            let small = smallerIsLeft ? left : right
            let smallHistogram = histogram(
                rows: rows, start: small.start, count: small.count, gradients: gradients,
                hessians: hessians, offset: gradientOffset, spare: &workspace.spareHistograms)
            parentHistogram.subtract(smallHistogram)
            if smallerIsLeft {
                left.histogram = smallHistogram
                right.histogram = parentHistogram
            } else {
                right.histogram = smallHistogram
                left.histogram = parentHistogram
            }
            left.best = bestSplit(left, ranges: splitRanges, scan: &workspace.scan)
            right.best = bestSplit(right, ranges: splitRanges, scan: &workspace.scan)
            // A leaf that cannot be split needs its histogram no more.
            if left.best == nil { workspace.spareHistograms.append(left.takeHistogram()) }
            if right.best == nil { workspace.spareHistograms.append(right.takeHistogram()) }
            leaves[chosen] = left
            leaves.append(right)
        }
        return (tree, leaves.map { ($0.node, $0.start, $0.count) })
    }

    /// −G/(H + λ): the leaf output that minimizes the second-order loss.
    @inline(__always)
    func leafValue(_ gradient: Double, _ hessian: Double) -> Double { -gradient / (hessian + settings.l2) }

    private func threshold(feature: Int, bin: Int) -> Double { mapper.upperBounds[feature][bin] }

    /// The histogram of the rows `rows[start..<start + count]`, in a spare histogram when there is one.
    private func histogram(
        rows: [Int32], start: Int, count: Int, gradients: [Double], hessians: [Double], offset: Int,
        spare: inout [Histogram]
    ) -> Histogram {
        var histogram = spare.popLast() ?? Histogram(bins: totalBins)
        let tracked = tracksOccupancy(rows: count)
        histogram.reset(clearOccupancy: tracked)
        let parts = count >= Self.parallelHistogramRows ? max(1, threads) : 1
        if parts == 1 {
            if tracked {
                accumulate(
                    into: &histogram, rows: rows, range: start..<(start + count), gradients: gradients,
                    hessians: hessians,
                    offset: offset, marking: true)
            } else {
                accumulate(
                    into: &histogram, rows: rows, range: start..<(start + count), gradients: gradients,
                    hessians: hessians,
                    offset: offset, marking: false)
            }
            return histogram
        }
        // Parts mark no occupancy: a histogram built in parts must be one that marks none.
        assert(!tracked, "a histogram of \(count) rows both tracks occupancy and is built in parts")
        var partials = [Histogram](repeating: Histogram(bins: 0), count: parts)
        partials.withDisjointSlots { partials in
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lower = start + count * part / parts
                let upper = start + count * (part + 1) / parts
                var partial = Histogram(bins: totalBins)
                accumulate(
                    into: &partial, rows: rows, range: lower..<upper, gradients: gradients, hessians: hessians,
                    offset: offset,
                    marking: false)
                partials[part] = partial
            }
        }
        for part in partials { histogram.add(part) }
        return histogram
    }

    /// Whether a histogram of `rows` rows marks its occupied bins: when the rows are fewer than a
    /// feature's bins on average, most bins are empty and the split scan gains by passing them by;
    /// with more rows, marking would cost more than it saves.
    private func tracksOccupancy(rows: Int) -> Bool { rows * featureCount < 2 * totalBins }

    /// From how many rows the histogram builder prefetches: a row's bins and gradients are then
    /// far apart in memory larger than the caches (1,000,000 rows: 27 MB of bins, 8 MB of
    /// gradients per class), and each row would otherwise wait for them.
    static let prefetchRows = 100_000
    /// How many rows ahead the histogram builder prefetches.
    static let prefetchDistance = 16

    /// Adds the gradients and hessians of `rows[range]` to their bins of `histogram`, and with
    /// `marking` marks those bins occupied (a constant where it is called, so each call site gets
    /// its own loop); prefetches rows ahead when the data is large (`prefetchRows`).
    @inline(__always)
    private func accumulate(
        into histogram: inout Histogram, rows: [Int32], range: Range<Int>, gradients: [Double], hessians: [Double],
        offset: Int, marking: Bool
    ) {
        let d = featureCount
        let prefetching = rowCount >= Self.prefetchRows
        bins.withUnsafeBufferPointer { bins in
            rows.withUnsafeBufferPointer { rows in
                offsets.withUnsafeBufferPointer { offsets in
                    gradients.withUnsafeBufferPointer { gradients in
                        hessians.withUnsafeBufferPointer { hessians in
                            histogram.sums.withUnsafeMutableBufferPointer { sums in
                                histogram.occupied.withUnsafeMutableBufferPointer { occupied in
                                    for i in range {
                                        if prefetching && i + Self.prefetchDistance < range.upperBound {
                                            let ahead = Int(rows[i + Self.prefetchDistance])
                                            plateshell_prefetch(bins.baseAddress! + ahead * d)
                                            plateshell_prefetch(bins.baseAddress! + ahead * d + d - 1)
                                            plateshell_prefetch(gradients.baseAddress! + offset + ahead)
                                            plateshell_prefetch(hessians.baseAddress! + offset + ahead)
                                        }
                                        let r = Int(rows[i])
                                        let g = gradients[offset + r]
                                        let h = hessians[offset + r]
                                        let row = bins.baseAddress! + r * d
                                        for f in 0..<d {
                                            let bin = offsets[f] + Int(row[f])
                                            sums[bin &* 2] += g
                                            sums[bin &* 2 &+ 1] += h
                                            if marking { occupied[bin >> 6] |= 1 << UInt64(bin & 63) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The leaf's best split over the split points `ranges` (see `SplitScan`).
    private func bestSplit(_ leaf: Leaf, ranges: [Range<Int>], scan: inout SplitScan) -> Candidate? {
        if let maxDepth = settings.maxDepth, leaf.depth >= maxDepth { return nil }
        if leaf.count < 2 * settings.minDataInLeaf { return nil }
        let limits = SplitScan.Leaf(
            gradient: leaf.gradient, hessian: leaf.hessian, rows: leaf.count, minDataInLeaf: settings.minDataInLeaf,
            minSumHessian: settings.minSumHessian, l2: settings.l2, minSplitGain: settings.minSplitGain)
        let split = leaf.histogram.sums.withUnsafeBufferPointer { sums in
            leaf.histogram.occupied.withUnsafeBufferPointer { occupied in
                scan.best(sums: sums, occupied: occupied, ranges: ranges, leaf: limits)
            }
        }
        guard let split else { return nil }
        // The feature whose bins hold the split's position: the last that starts at or before it.
        let feature = offsets.lastIndex { $0 <= split.position }!
        return Candidate(
            feature: feature, bin: split.position - offsets[feature], gain: split.gain,
            leftGradient: split.leftGradient, leftHessian: split.leftHessian)
    }
}
