import Foundation

/// Path-dependent TreeSHAP leaf by leaf, from tables where they pay, for trees whose paths split
/// on few distinct features (the idea of Fast TreeSHAP v2, Yang 2021, in the quadrature form of
/// `QuadratureTreeSHAP`).
///
/// A leaf's share of φ_i depends on the row only through which of its path's d features the row
/// follows on every split (the bits s_j, `QuadratureTreeSHAP`'s p_j): the cover-ratio products
/// q_j are the tree's. So
///
///     W(s)_i = (s_i − q_i) · Σ_c w_c · Π_{j ≠ i} (q_j + y_c·(s_j − q_j))
///
/// is either looked up in a table of the leaf's 2^d patterns, computed once per tree when 2^d is
/// not large next to the rows explained, or computed for the row (prefix and suffix products over the
/// path, no divisions). A row costs one walk that sets each leaf's pattern bits, then per leaf d
/// multiply-adds (a table) or a few per quadrature point (computed). `init?` declines trees where
/// much of that work would be computed per row; the walker explains those.
struct LeafPatternTable: @unchecked Sendable {
    // @unchecked Sendable: raw pointers, written only while `init` builds the tables and read-only
    // after, while the rows are explained on concurrentPerform's threads; freed once they are done.
    /// Per internal node: the position of its split feature among the distinct features on the
    /// path to it, and whether the feature is new on that path.
    private let bit: UnsafeMutablePointer<Int8>
    private let isNew: UnsafeMutablePointer<Bool>
    /// Per leaf node: where its path features and their q start in `pathFeatures` and `pathQ`,
    /// how many there are, and where its table starts in `weights` (−1: computed per row).
    private let featureStart: UnsafeMutablePointer<Int>
    private let featureCount: UnsafeMutablePointer<Int8>
    private let weightStart: UnsafeMutablePointer<Int>
    private let pathFeatures: UnsafeMutablePointer<Int32>
    private let pathQ: UnsafeMutablePointer<Double>
    private let weights: UnsafeMutablePointer<Double>
    private let nodes: UnsafeMutablePointer<Double>, nodeWeights: UnsafeMutablePointer<Double>
    private let points: Int
    private let left: UnsafeMutablePointer<Int32>, right: UnsafeMutablePointer<Int32>
    private let feature: UnsafeMutablePointer<Int32>
    private let threshold: UnsafeMutablePointer<Double>, value: UnsafeMutablePointer<Double>
    private let treeOutputs: Int

    /// Most distinct features on a path (a row's pattern is 32 bits).
    static let widestPath = 32
    /// Most distinct features on the path of a leaf with a table (4,096 patterns).
    static let widestTable = 12

    /// The tables of `tree` for explaining `rows` rows, at most `budget` doubles of them; nil when
    /// a path splits on more than `widestPath` features or more than `computedShare` of the
    /// leaves' work (their path features) would be computed per row.
    init?(_ tree: Tree, points: Int, rows: Int, budget: Int, computedShare: Double = 0.1) {
        guard tree.nodeCount > 1 else { return nil }
        let nodeCount = tree.nodeCount
        var bits = [Int8](repeating: -1, count: nodeCount)
        var fresh = [Bool](repeating: false, count: nodeCount)
        // The paths, depth first: each leaf's distinct path features and their cover-ratio products.
        var leaves: [(node: Int, features: [Int32], q: [Double])] = []
        var features: [Int32] = []
        var q: [Double] = []
        func visit(_ node: Int) -> Bool {
            if tree.left[node] < 0 {
                leaves.append((node, features, q))
                return true
            }
            let split = tree.feature[node]
            let known = features.firstIndex(of: split)
            if known == nil && features.count == Self.widestPath { return false }
            bits[node] = Int8(known ?? features.count)
            fresh[node] = known == nil
            for child in [Int(tree.left[node]), Int(tree.right[node])] {
                let ratio = tree.cover[child] / tree.cover[node]
                if let known {
                    let kept = q[known]
                    q[known] *= ratio
                    defer { q[known] = kept }
                    guard visit(child) else { return false }
                } else {
                    features.append(split)
                    q.append(ratio)
                    defer {
                        features.removeLast()
                        q.removeLast()
                    }
                    guard visit(child) else { return false }
                }
            }
            return true
        }
        guard visit(0) else { return nil }
        // A leaf gets a table when it has at most four patterns per row explained (filled in
        // Gray-code order, a pattern costs a fraction of computing the leaf for a row), in the
        // order of the walk while the budget lasts.
        var starts = [Int](repeating: -1, count: nodeCount)
        var tableSize = 0
        var computed = 0
        var total = 0
        for leaf in leaves {
            let d = leaf.features.count
            total += d
            if d <= Self.widestTable && (1 << d) <= 4 * rows && tableSize + (d << d) <= budget {
                starts[leaf.node] = tableSize
                tableSize += d << d
            } else {
                computed += d
            }
        }
        // A computed leaf costs about as much per row as the walker's whole path to it.
        guard Double(computed) <= computedShare * Double(total) else { return nil }

        func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
            pointer.initialize(from: array, count: array.count)
            return pointer
        }
        (bit, isNew) = (copy(bits), copy(fresh))
        (left, right, feature) = (copy(tree.left), copy(tree.right), copy(tree.feature))
        (threshold, value) = (copy(tree.threshold), copy(tree.value))
        treeOutputs = tree.outputs
        let (quadratureNodes, quadratureWeights) = QuadratureTreeSHAP.gaussLegendre(points)
        (nodes, nodeWeights, self.points) = (copy(quadratureNodes), copy(quadratureWeights), points)
        var featureStarts = [Int](repeating: 0, count: nodeCount)
        var counts = [Int8](repeating: 0, count: nodeCount)
        var allFeatures: [Int32] = []
        var allQ: [Double] = []
        for leaf in leaves {
            featureStarts[leaf.node] = allFeatures.count
            counts[leaf.node] = Int8(leaf.features.count)
            allFeatures += leaf.features
            allQ += leaf.q
        }
        (featureStart, featureCount, weightStart) = (copy(featureStarts), copy(counts), copy(starts))
        (pathFeatures, pathQ) = (copy(allFeatures), copy(allQ))
        weights = .allocate(capacity: max(tableSize, 1))
        var scratch = Scratch(depth: 0)
        defer { scratch.deallocate() }
        for leaf in leaves where starts[leaf.node] >= 0 {
            let d = leaf.features.count
            let q = pathQ + featureStarts[leaf.node]
            let table = weights + starts[leaf.node]
            if leaf.q.allSatisfy({ $0 > 0 }) {
                fillInGrayCodeOrder(q: q, count: d, into: table)
                continue
            }
            for pattern in 0..<(1 << d) {
                weigh(pattern: UInt32(pattern), q: q, count: d, into: table + pattern * d, scratch: &scratch)
            }
        }
    }

    /// Writes a leaf's table visiting its patterns in Gray-code order: consecutive patterns
    /// differ in one bit, so each quadrature point's product over the path changes by one factor
    /// (the new one multiplied in, the old one divided out) instead of being formed again. Every
    /// q must be positive, so that no factor is zero.
    private func fillInGrayCodeOrder(q: UnsafePointer<Double>, count d: Int, into table: UnsafeMutablePointer<Double>) {
        let n = points
        // factors[(j · 2 + bit) · n + c]: path feature j's factor at quadrature point c.
        var factors = [Double](repeating: 0, count: d * 2 * n)
        var inverses = factors
        for j in 0..<d {
            for bit in 0..<2 {
                for c in 0..<n {
                    let factor = q[j] + nodes[c] * (Double(bit) - q[j])
                    factors[(j * 2 + bit) * n + c] = factor
                    inverses[(j * 2 + bit) * n + c] = 1 / factor
                }
            }
        }
        var products = [Double](repeating: 1, count: n)
        for c in 0..<n {
            for j in 0..<d { products[c] *= factors[j * 2 * n + c] }
        }
        var pattern = 0
        for step in 0..<(1 << d) {
            if step > 0 {
                let j = step.trailingZeroBitCount
                let old = (pattern >> j) & 1
                pattern ^= 1 << j
                for c in 0..<n { products[c] *= factors[(j * 2 + 1 - old) * n + c] * inverses[(j * 2 + old) * n + c] }
            }
            for i in 0..<d {
                let bit = (pattern >> i) & 1
                var sum = 0.0
                for c in 0..<n { sum += nodeWeights[c] * products[c] * inverses[(i * 2 + bit) * n + c] }
                table[pattern * d + i] = (Double(bit) - q[i]) * sum
            }
        }
    }

    /// Per-thread space for `accumulate`: the walk's stack and the products of a computed leaf.
    struct Scratch {
        let stack: UnsafeMutablePointer<(node: Int32, pattern: UInt32)>
        let factors: UnsafeMutablePointer<Double>, prefix: UnsafeMutablePointer<Double>
        let suffix: UnsafeMutablePointer<Double>, sums: UnsafeMutablePointer<Double>

        /// Space for trees up to `depth` levels.
        init(depth: Int) {
            stack = .allocate(capacity: depth + 2)
            let width = LeafPatternTable.widestPath + 1
            (factors, prefix, suffix, sums) = (
                .allocate(capacity: width), .allocate(capacity: width),
                .allocate(capacity: width), .allocate(capacity: width)
            )
        }

        func deallocate() {
            stack.deallocate()
            factors.deallocate()
            prefix.deallocate()
            suffix.deallocate()
            sums.deallocate()
        }
    }

    /// Writes W(pattern)_i for the `count` path features whose q are at `q` (bit i of `pattern`:
    /// the row follows every split on path feature i).
    @inline(__always)
    private func weigh(
        pattern: UInt32, q: UnsafePointer<Double>, count d: Int, into out: UnsafeMutablePointer<Double>,
        scratch: inout Scratch
    ) {
        let (factors, prefix, suffix, sums) = (scratch.factors, scratch.prefix, scratch.suffix, scratch.sums)
        for i in 0..<d { sums[i] = 0 }
        prefix[0] = 1
        suffix[d] = 1
        for c in 0..<points {
            let y = nodes[c]
            for j in 0..<d {
                let p = Double((pattern >> UInt32(j)) & 1)
                factors[j] = q[j] + y * (p - q[j])
            }
            for j in 0..<d { prefix[j + 1] = prefix[j] * factors[j] }
            for j in stride(from: d - 1, through: 0, by: -1) { suffix[j] = suffix[j + 1] * factors[j] }
            for i in 0..<d { sums[i] += nodeWeights[c] * prefix[i] * suffix[i + 1] }
        }
        for i in 0..<d { out[i] = (Double((pattern >> UInt32(i)) & 1) - q[i]) * sums[i] }
    }

    func deallocate() {
        bit.deallocate()
        isNew.deallocate()
        featureStart.deallocate()
        featureCount.deallocate()
        weightStart.deallocate()
        pathFeatures.deallocate()
        pathQ.deallocate()
        weights.deallocate()
        nodes.deallocate()
        nodeWeights.deallocate()
        left.deallocate()
        right.deallocate()
        feature.deallocate()
        threshold.deallocate()
        value.deallocate()
    }

    /// Adds each feature's Shapley value of the tree's outputs for one row to `phi` (features ×
    /// outputs), as `QuadratureTreeSHAP.accumulate` does. `scratch` has room for the tree's depth.
    func accumulate(
        row: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>, outputs: Int, outputOffset: Int,
        scale: Double, scratch: inout Scratch
    ) {
        let stack = scratch.stack
        stack[0] = (0, 0)
        var top = 1
        while top > 0 {
            top -= 1
            let (node32, pattern) = stack[top]
            let node = Int(node32)
            let leftChild = left[node]
            if leftChild < 0 {
                let d = Int(featureCount[node])
                let path = pathFeatures + featureStart[node]
                var w = UnsafePointer(weights + max(weightStart[node], 0) + Int(pattern) * d)
                if weightStart[node] < 0 {
                    weigh(
                        pattern: pattern, q: pathQ + featureStart[node], count: d, into: scratch.sums, scratch: &scratch
                    )
                    w = UnsafePointer(scratch.sums)
                }
                for i in 0..<d {
                    let target = Int(path[i]) * outputs + outputOffset
                    let factor = w[i] * scale
                    for k in 0..<treeOutputs { phi[target + k] += factor * value[node * treeOutputs + k] }
                }
                continue
            }
            let mask = UInt32(1) << UInt32(bit[node])
            let followed = isNew[node] ? pattern | mask : pattern
            let leftFollowed = row[Int(feature[node])] <= threshold[node]
            stack[top] = (right[node], leftFollowed ? pattern & ~mask : followed)
            stack[top + 1] = (leftChild, leftFollowed ? followed : pattern & ~mask)
            top += 2
        }
    }
}
