import Foundation

/// Exact path-dependent TreeSHAP computed in polynomial form, the production path of `Explainer`
/// (`TreeSHAP`, the paper's Algorithm 2, stays as the reference it is tested against).
///
/// Each leaf v is a product game: with, for every feature j on its path, p_j (1 when the row
/// follows all of j's splits, else 0) and q_j (the product of j's cover ratios), the path-dependent
/// value function is v(S) = Σ_leaves value_v · Π_j (j ∈ S ? p_j : q_j). A product game's Shapley
/// value is a Beta integral, so
///
///     φ_i = Σ_{leaves v with i on the path} value_v · (p_i − q_i) · ∫₀¹ Π_{j ≠ i} (q_j + y·(p_j − q_j)) dy
///
/// (the integral form of Linear TreeShap, Yu et al. 2022). The integrand is a polynomial of
/// degree < the path's distinct features, so Gauss–Legendre quadrature with N ≥ (that number + 1)/2
/// nodes integrates it exactly. The products are kept at the nodes during a depth-first walk;
/// each feature's factor 1/(q + y(p − q)) is stored once per split, so a leaf costs one short dot
/// product per path feature instead of TreeSHAP's quadratic unwinding — and no divisions chain.
enum QuadratureTreeSHAP {
    /// Gauss–Legendre nodes and weights on [0, 1] for `count` points.
    static func gaussLegendre(_ count: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: count)
        var weights = nodes
        for i in 0..<count {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(count) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var previous = 1.0
                var current = x
                for order in 2...max(count, 2) {
                    let next = ((2 * Double(order) - 1) * x * current - Double(order - 1) * previous) / Double(order)
                    previous = current
                    current = next
                }
                if count == 1 {
                    current = x
                    previous = 1
                }
                derivative = Double(count) * (x * current - previous) / (x * x - 1)
                let step = current / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes[i] = (x + 1) / 2
            weights[i] = 1 / ((1 - x * x) * derivative * derivative)
        }
        return (nodes, weights)
    }

    /// Quadrature tables in chunks of four lanes (SIMD): for `count` points, ⌈count/4⌉ chunks of
    /// nodes and weights, padded with weight 0 (the padding lanes contribute nothing).
    static let tables: [(nodes: [SIMD4<Double>], weights: [SIMD4<Double>])] = (0...64).map { count in
        guard count > 0 else { return ([], []) }
        let (nodes, weights) = gaussLegendre(count)
        let chunks = (count + 3) / 4
        return (
            (0..<chunks).map { c in SIMD4((0..<4).map { c * 4 + $0 < count ? nodes[c * 4 + $0] : 0.5 }) },
            (0..<chunks).map { c in SIMD4((0..<4).map { c * 4 + $0 < count ? weights[c * 4 + $0] : 0 }) }
        )
    }

    /// The quadrature size that is exact for a tree whose paths split on at most `depth` distinct
    /// features, out of `features`.
    static func pointCount(depth: Int, features: Int) -> Int { min(max(min(depth, features), 1), 126) / 2 + 1 }

    /// Per-thread scratch space, sized for trees up to `depth` and up to `points` quadrature points.
    struct Workspace {
        let chunks: Int
        let depth: Int
        let features: Int
        /// Per level: the product of the path's factors at the nodes.
        let products: UnsafeMutablePointer<SIMD4<Double>>
        /// Per feature: 1 / its current factor at the nodes.
        let inverses: UnsafeMutablePointer<SIMD4<Double>>
        /// Per level: the split feature's previous inverses, restored on the way back.
        let saved: UnsafeMutablePointer<SIMD4<Double>>
        let q: UnsafeMutablePointer<Double>
        let p: UnsafeMutablePointer<Double>
        let onPath: UnsafeMutablePointer<Bool>
        let pathFeatures: UnsafeMutablePointer<Int>
        var pathCount = 0

        init(features: Int, depth: Int, points: Int) {
            self.chunks = (points + 3) / 4
            self.depth = depth
            self.features = features
            products = .allocate(capacity: (depth + 2) * chunks)
            inverses = .allocate(capacity: features * chunks)
            inverses.initialize(repeating: SIMD4(repeating: 1), count: features * chunks)
            saved = .allocate(capacity: (depth + 2) * chunks)
            q = .allocate(capacity: features)
            q.initialize(repeating: 1, count: features)
            p = .allocate(capacity: features)
            p.initialize(repeating: 1, count: features)
            onPath = .allocate(capacity: features)
            onPath.initialize(repeating: false, count: features)
            pathFeatures = .allocate(capacity: depth + 2)
        }

        func deallocate() {
            products.deallocate()
            inverses.deallocate()
            saved.deallocate()
            q.deallocate()
            p.deallocate()
            onPath.deallocate()
            pathFeatures.deallocate()
        }
    }

    /// A tree's arrays copied into one allocation, so that explaining many rows does not set up
    /// buffer access per row. Free with `deallocate()`.
    struct PreparedTree: @unchecked Sendable {
        // @unchecked Sendable: raw pointers, written only by `init` and read-only while rows are
        // explained on concurrentPerform's threads, so sharing them is safe; freed after.
        let left: UnsafeMutablePointer<Int32>, right: UnsafeMutablePointer<Int32>, feature: UnsafeMutablePointer<Int32>
        let threshold: UnsafeMutablePointer<Double>, value: UnsafeMutablePointer<Double>
        /// Per node but the root: its cover over its parent's (the share of the parent's rows
        /// that reach it), divided once here instead of at every visit.
        let ratio: UnsafeMutablePointer<Double>
        let outputs: Int
        let points: Int
        /// The quadrature nodes and weights for `points` (`tables[points]`), in `chunks` lanes of four.
        let nodes: UnsafeMutablePointer<SIMD4<Double>>, weights: UnsafeMutablePointer<SIMD4<Double>>
        let chunks: Int

        init(_ tree: Tree, points: Int) {
            func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
                let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
                pointer.initialize(from: array, count: array.count)
                return pointer
            }
            (left, right, feature) = (copy(tree.left), copy(tree.right), copy(tree.feature))
            (threshold, value) = (copy(tree.threshold), copy(tree.value))
            var ratios = [Double](repeating: 1, count: tree.nodeCount)
            for node in 0..<tree.nodeCount where tree.left[node] >= 0 {
                for child in [Int(tree.left[node]), Int(tree.right[node])] {
                    ratios[child] = tree.cover[child] / tree.cover[node]
                }
            }
            ratio = copy(ratios)
            outputs = tree.outputs
            self.points = points
            (nodes, weights) = (copy(tables[points].nodes), copy(tables[points].weights))
            chunks = tables[points].nodes.count
        }

        func deallocate() {
            left.deallocate()
            right.deallocate()
            feature.deallocate()
            threshold.deallocate()
            value.deallocate()
            ratio.deallocate()
            nodes.deallocate()
            weights.deallocate()
        }
    }

    /// Adds each feature's Shapley value of `tree`'s outputs for one row to `phi` (features ×
    /// outputs), as `TreeSHAP.accumulate` does.
    static func accumulate(
        _ tree: Tree, points: Int, row: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>, outputs: Int,
        outputOffset: Int, scale: Double, workspace: inout Workspace
    ) {
        let prepared = PreparedTree(tree, points: points)
        defer { prepared.deallocate() }
        accumulate(
            prepared, row: row, phi: phi, outputs: outputs, outputOffset: outputOffset, scale: scale,
            workspace: &workspace)
    }

    /// `accumulate` for a prepared tree.
    static func accumulate(
        _ tree: PreparedTree, row: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>, outputs: Int,
        outputOffset: Int, scale: Double, workspace: inout Workspace
    ) {
        let chunks = tree.chunks
        precondition(chunks <= workspace.chunks, "workspace too small")
        for c in 0..<chunks { workspace.products[c] = SIMD4(repeating: 1) }
        func walk<Width: ChunkWidth>(_: Width.Type) {
            let walker = Walker<Width>(
                left: tree.left, right: tree.right, feature: tree.feature, threshold: tree.threshold,
                value: tree.value, ratio: tree.ratio, treeOutputs: tree.outputs,
                nodes: tree.nodes, weights: tree.weights, chunks: chunks,
                row: row, phi: phi, outputs: outputs, outputOffset: outputOffset, scale: scale)
            walker.visit(node: 0, level: 0, workspace: &workspace)
        }
        switch chunks {
        case 1: walk(OneChunk.self)
        case 2: walk(TwoChunks.self)
        case 3: walk(ThreeChunks.self)
        case 4: walk(FourChunks.self)
        default: walk(AnyChunks.self)
        }
    }

    /// How many chunks of four quadrature points the walker is compiled for: a fixed count lets
    /// every loop over the chunks unroll and keep its vectors in registers (up to 27 features a
    /// tree needs at most 14 points, four chunks); `AnyChunks` (0) takes the tree's count.
    protocol ChunkWidth { static var count: Int { get } }
    enum OneChunk: ChunkWidth { static var count: Int { 1 } }
    enum TwoChunks: ChunkWidth { static var count: Int { 2 } }
    enum ThreeChunks: ChunkWidth { static var count: Int { 3 } }
    enum FourChunks: ChunkWidth { static var count: Int { 4 } }
    enum AnyChunks: ChunkWidth { static var count: Int { 0 } }

    private struct Walker<Width: ChunkWidth> {
        let left: UnsafePointer<Int32>, right: UnsafePointer<Int32>, feature: UnsafePointer<Int32>
        let threshold: UnsafePointer<Double>, value: UnsafePointer<Double>, ratio: UnsafePointer<Double>
        let treeOutputs: Int
        let nodes: UnsafePointer<SIMD4<Double>>
        let weights: UnsafePointer<SIMD4<Double>>
        let chunks: Int
        let row: UnsafePointer<Double>
        let phi: UnsafeMutablePointer<Double>
        let outputs: Int
        let outputOffset: Int
        let scale: Double

        func visit(node: Int, level: Int, workspace w: inout Workspace) {
            let n = Width.count == 0 ? chunks : Width.count
            let leftChild = Int(left[node])
            let products = w.products + level * n
            if leftChild < 0 {
                // The weighted products, in registers when the width is fixed (up to four chunks).
                var weighted = (SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>(), SIMD4<Double>())
                if Width.count > 0 {
                    weighted.0 = weights[0] * products[0]
                    if n > 1 { weighted.1 = weights[1] * products[1] }
                    if n > 2 { weighted.2 = weights[2] * products[2] }
                    if n > 3 { weighted.3 = weights[3] * products[3] }
                }
                let leafValue = value + node &* treeOutputs
                for i in 0..<w.pathCount {
                    let f = w.pathFeatures[i]
                    let inverse = w.inverses + f &* n
                    var sum = SIMD4<Double>()
                    if Width.count > 0 {
                        sum = weighted.0 * inverse[0]
                        if n > 1 { sum += weighted.1 * inverse[1] }
                        if n > 2 { sum += weighted.2 * inverse[2] }
                        if n > 3 { sum += weighted.3 * inverse[3] }
                    } else {
                        for c in 0..<n { sum += weights[c] * products[c] * inverse[c] }
                    }
                    let factor = (w.p[f] - w.q[f]) * sum.sum() * scale
                    if factor == 0 { continue }
                    let target = phi + (f &* outputs &+ outputOffset)
                    for k in 0..<treeOutputs { target[k] += factor * leafValue[k] }
                }
                return
            }
            let split = Int(feature[node])
            let rightChild = Int(right[node])
            let hot = row[split] <= threshold[node] ? leftChild : rightChild
            let cold = hot == leftChild ? rightChild : leftChild
            let wasOnPath = w.onPath[split]
            let oldQ = w.q[split]
            let oldP = w.p[split]
            let saved = w.saved + level * n
            let inverse = w.inverses + split * n
            for c in 0..<n { saved[c] = inverse[c] }
            let next = w.products + (level + 1) * n
            for pass in 0..<2 {
                let follows = pass == 0
                let child = follows ? hot : cold
                let ratio = self.ratio[child]
                if !follows && ratio == 0 { continue }
                let q = (wasOnPath ? oldQ : 1) * ratio
                let p = follows ? (wasOnPath ? oldP : 1) : 0
                let qs = SIMD4<Double>(repeating: q)
                let slope = SIMD4<Double>(repeating: p - q)
                for c in 0..<n {
                    let factor = qs + nodes[c] * slope
                    next[c] = wasOnPath ? products[c] * factor * saved[c] : products[c] * factor
                    inverse[c] = 1 / factor
                }
                w.q[split] = q
                w.p[split] = p
                if !wasOnPath {
                    w.onPath[split] = true
                    w.pathFeatures[w.pathCount] = split
                    w.pathCount += 1
                }
                visit(node: child, level: level + 1, workspace: &w)
                if !wasOnPath {
                    w.onPath[split] = false
                    w.pathCount -= 1
                }
            }
            w.q[split] = oldQ
            w.p[split] = oldP
            for c in 0..<n { inverse[c] = saved[c] }
        }
    }
}
