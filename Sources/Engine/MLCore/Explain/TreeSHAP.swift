/// Exact path-dependent TreeSHAP: the Shapley values of a tree's prediction, where a missing
/// feature's effect is the cover-weighted average over the subtrees it would lead to.
///
/// Lundberg, Erion & Lee, "Consistent Individualized Feature Attribution for Tree Ensembles"
/// (2018), Algorithm 2. The names follow the paper: a *path* of *elements* (feature, zero
/// fraction, one fraction, weight) is *extended* at each split, *unwound* when a feature repeats,
/// and at each leaf every element's *unwound sum* weights the leaf value into that feature's φ.
/// Runs in O(leaves · depth²) per tree and row.
public enum TreeSHAP {
    /// One element of the path from the root to the current node.
    struct PathElement {
        var feature: Int
        /// The share of the training rows (cover) that reach here when the feature is absent.
        var zeroFraction: Double
        /// 1 when the row itself follows this branch, 0 otherwise (the feature is present).
        var oneFraction: Double
        /// The permutation weight of subsets of the size this element stands for.
        var weight: Double
    }

    /// Adds each feature's Shapley value of `tree`'s outputs for one row to `phi`
    /// (features × outputs, row-major), scaled by `scale`.
    ///
    /// - Parameters:
    ///   - row: the row's feature values.
    ///   - outputOffset: where the tree's first output goes in `phi`'s per-feature block (for a
    ///     boosting tree of class c, c); `outputs` is the block's width.
    ///   - workspace: scratch space, at least `workspaceSize(depth:)` of the deepest tree.
    static func accumulate(
        _ tree: Tree, row: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>, outputs: Int,
        outputOffset: Int = 0, scale: Double = 1, workspace: inout [PathElement]
    ) {
        workspace.withUnsafeMutableBufferPointer { buffer in
            tree.left.withUnsafeBufferPointer { left in
                tree.right.withUnsafeBufferPointer { right in
                    tree.feature.withUnsafeBufferPointer { feature in
                        tree.threshold.withUnsafeBufferPointer { threshold in
                            tree.value.withUnsafeBufferPointer { value in
                                tree.cover.withUnsafeBufferPointer { cover in
                                    reciprocals.withUnsafeBufferPointer { reciprocals in
                                        let context = Context(
                                            left: left.baseAddress!, right: right.baseAddress!,
                                            feature: feature.baseAddress!,
                                            threshold: threshold.baseAddress!, value: value.baseAddress!,
                                            cover: cover.baseAddress!,
                                            treeOutputs: tree.outputs, row: row, phi: phi, outputs: outputs,
                                            outputOffset: outputOffset, scale: scale,
                                            reciprocals: reciprocals.baseAddress!)
                                        recurse(
                                            context, node: 0, path: buffer.baseAddress!, depth: 0, zeroFraction: 1,
                                            oneFraction: 1,
                                            feature: -1)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Scratch elements a tree of `depth` needs (each recursion level keeps its own copy of the path).
    static func workspaceSize(depth: Int) -> Int {
        let levels = depth + 2
        return levels * (levels + 1) / 2 + levels + 1
    }

    /// A workspace for trees up to `depth`.
    static func workspace(depth: Int) -> [PathElement] {
        Array(
            repeating: PathElement(feature: 0, zeroFraction: 0, oneFraction: 0, weight: 0),
            count: workspaceSize(depth: depth))
    }

    /// The tree's expected output under its training distribution (the cover-weighted mean of
    /// its leaves): the base value that TreeSHAP's φ add up from.
    static func expectedValue(_ tree: Tree) -> [Double] {
        var total = [Double](repeating: 0, count: tree.outputs)
        let rootCover = tree.cover[0]
        for node in 0..<tree.nodeCount where tree.isLeaf(node) {
            for k in 0..<tree.outputs { total[k] += tree.cover[node] / rootCover * tree.value[node * tree.outputs + k] }
        }
        return total
    }

    private struct Context {
        let left: UnsafePointer<Int32>, right: UnsafePointer<Int32>, feature: UnsafePointer<Int32>
        let threshold: UnsafePointer<Double>, value: UnsafePointer<Double>, cover: UnsafePointer<Double>
        let treeOutputs: Int
        let row: UnsafePointer<Double>
        let phi: UnsafeMutablePointer<Double>
        let outputs: Int
        let outputOffset: Int
        let scale: Double
        let reciprocals: UnsafePointer<Double>
    }

    private static func recurse(
        _ c: Context, node: Int, path parent: UnsafeMutablePointer<PathElement>, depth: Int,
        zeroFraction: Double, oneFraction: Double, feature parentFeature: Int
    ) {
        let path = parent + depth + 1
        path.update(from: parent, count: depth + 1)
        extend(path, depth, zeroFraction, oneFraction, parentFeature, c.reciprocals)
        var depth = depth
        if c.left[node] < 0 {
            if depth == 0 { return }
            for i in 1...depth {
                let weight = unwoundSum(path, depth, i, c.reciprocals)
                let element = path[i]
                let factor = weight * (element.oneFraction - element.zeroFraction) * c.scale
                let base = element.feature * c.outputs + c.outputOffset
                for k in 0..<c.treeOutputs { c.phi[base + k] += factor * c.value[node * c.treeOutputs + k] }
            }
            return
        }
        let split = Int(c.feature[node])
        let goesLeft = c.row[split] <= c.threshold[node]
        let hot = Int(goesLeft ? c.left[node] : c.right[node])
        let cold = Int(goesLeft ? c.right[node] : c.left[node])
        let cover = c.cover[node]
        var incomingZero = 1.0
        var incomingOne = 1.0
        var index = 1
        while index <= depth && path[index].feature != split { index += 1 }
        if index <= depth {
            incomingZero = path[index].zeroFraction
            incomingOne = path[index].oneFraction
            unwind(path, depth, index)
            depth -= 1
        }
        recurse(
            c, node: hot, path: path, depth: depth + 1, zeroFraction: c.cover[hot] / cover * incomingZero,
            oneFraction: incomingOne, feature: split)
        recurse(
            c, node: cold, path: path, depth: depth + 1, zeroFraction: c.cover[cold] / cover * incomingZero,
            oneFraction: 0, feature: split)
    }

    /// 1/n for n in 0...255 (0 for n = 0): the loops below multiply instead of dividing.
    private static let reciprocals: [Double] = (0..<256).map { $0 == 0 ? 0 : 1 / Double($0) }

    /// EXTEND: adds an element for `feature` and updates the permutation weights.
    @inline(__always)
    private static func extend(
        _ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ zero: Double, _ one: Double, _ feature: Int,
        _ reciprocals: UnsafePointer<Double>
    ) {
        path[depth] = PathElement(feature: feature, zeroFraction: zero, oneFraction: one, weight: depth == 0 ? 1 : 0)
        let inverseLength = reciprocals[depth + 1]
        var i = depth - 1
        while i >= 0 {
            path[i + 1].weight += one * path[i].weight * Double(i + 1) * inverseLength
            path[i].weight = zero * path[i].weight * Double(depth - i) * inverseLength
            i -= 1
        }
    }

    /// UNWIND: removes element `index`, undoing its EXTEND.
    @inline(__always)
    private static func unwind(_ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ index: Int) {
        let one = path[index].oneFraction
        let zero = path[index].zeroFraction
        var next = path[depth].weight
        let length = Double(depth + 1)
        var i = depth - 1
        while i >= 0 {
            if one != 0 {
                let kept = path[i].weight
                path[i].weight = next * length / (Double(i + 1) * one)
                next = kept - path[i].weight * zero * Double(depth - i) / length
            } else {
                path[i].weight = path[i].weight * length / (zero * Double(depth - i))
            }
            i -= 1
        }
        for j in index..<depth {
            path[j].feature = path[j + 1].feature
            path[j].zeroFraction = path[j + 1].zeroFraction
            path[j].oneFraction = path[j + 1].oneFraction
        }
    }

    /// UNWOUNDSUM: the total permutation weight of the path with element `index` unwound,
    /// without changing the path.
    @inline(__always)
    private static func unwoundSum(
        _ path: UnsafeMutablePointer<PathElement>, _ depth: Int, _ index: Int,
        _ reciprocals: UnsafePointer<Double>
    ) -> Double {
        let one = path[index].oneFraction
        let zero = path[index].zeroFraction
        var next = path[depth].weight
        var total = 0.0
        var i = depth - 1
        if one != 0 {
            let inverseOne = 1 / one
            while i >= 0 {
                let share = next * inverseOne * reciprocals[i + 1]
                total += share
                next = path[i].weight - share * zero * Double(depth - i)
                i -= 1
            }
        } else if zero != 0 {
            let inverseZero = 1 / zero
            while i >= 0 {
                total += path[i].weight * reciprocals[depth - i]
                i -= 1
            }
            total *= inverseZero
        }
        return total * Double(depth + 1)
    }
}
