import Foundation

/// An ensemble of classification trees whose leaf class fractions are averaged: a decision tree
/// (one tree), a random forest (bootstrap rows, best splits on √features) or extremely randomized
/// trees (all rows, random thresholds), as scikit-learn builds them.
public struct Forest: FittedClassifier {
    public let trees: [Tree]
    public let classCount: Int

    /// How the ensemble is built.
    public struct Settings: Sendable {
        public var trees = 100
        public var bootstrap = false
        public var tree: TreeSettings
        public var classWeight = ClassWeighting.none
    }

    /// How rows are weighted by their class, as scikit-learn's `class_weight`.
    public enum ClassWeighting: String, Sendable, CaseIterable {
        /// Every row weighs 1.
        case none
        /// Weights n/(K·count of the row's class), counted over all rows.
        case balanced
        /// The same weights counted over each tree's bootstrap sample.
        case balancedSubsample = "balanced_subsample"
    }

    /// Grows the trees, in parallel on `data.threads` threads; tree i draws from the fit's
    /// generator derived for i, so the result does not depend on the thread count.
    public static func fit(_ data: TrainingData, _ settings: Settings) throws -> Forest {
        let columns = FeatureColumns(data.x)
        let n = data.x.rows
        let baseWeights = classWeights(data.y, classCount: data.classCount, balanced: settings.classWeight == .balanced)
        var trees = [Tree](repeating: Tree(outputs: data.classCount), count: settings.trees)
        let chunks = max(1, min(data.threads, settings.trees))
        trees.withDisjointSlots { trees in
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for index in stride(from: chunk, to: settings.trees, by: chunks) {
                    if data.cancellation?.isRequested == true { return }
                    var random = data.random.derived(index)
                    var weights = baseWeights
                    if settings.bootstrap {
                        var counts = [Double](repeating: 0, count: n)
                        for _ in 0..<n { counts[Int(random.next() % UInt64(n))] += 1 }
                        if settings.classWeight == .balancedSubsample {
                            let drawn = (0..<n).flatMap { Array(repeating: data.y[$0], count: Int(counts[$0])) }
                            let perClass = Forest.perClassWeights(drawn, classCount: data.classCount)
                            weights = (0..<n).map { counts[$0] * perClass[data.y[$0]] }
                        } else {
                            weights = (0..<n).map { counts[$0] * baseWeights[$0] }
                        }
                    }
                    let grower = TreeGrower(
                        columns: columns, y: data.y, weights: weights, classCount: data.classCount,
                        settings: settings.tree)
                    trees[index] = grower.grow(random: &random)
                }
            }
        }
        try data.cancellation?.check()
        return Forest(trees: trees, classCount: data.classCount)
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, columns: classCount)
        let classCount = classCount
        // Trees are read in place (`for tree in trees` would retain and release a tree's six
        // arrays per tree: a sixth of the time of a one-row request).
        trees.withUnsafeBufferPointer { trees in
            out.values.withUnsafeMutableBufferPointer { out in
                for t in trees.indices {
                    for r in 0..<x.rows {
                        let leaf = trees[t].leaf(x, row: r)
                        for k in 0..<classCount { out[r * classCount + k] += trees[t].value[leaf * classCount + k] }
                    }
                }
            }
        }
        let scale = 1 / Double(trees.count)
        for i in out.values.indices { out.values[i] *= scale }
        return out
    }

    /// Per-row weights: 1, or n/(K·count of the row's class) when `balanced`.
    static func classWeights(_ y: [Int], classCount: Int, balanced: Bool) -> [Double] {
        guard balanced else { return [Double](repeating: 1, count: y.count) }
        let perClass = perClassWeights(y, classCount: classCount)
        return y.map { perClass[$0] }
    }

    /// n/(K·count) per class, over the classes present.
    static func perClassWeights(_ y: [Int], classCount: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: classCount)
        for label in y { counts[label] += 1 }
        let present = Double(counts.filter { $0 > 0 }.count)
        return counts.map { $0 > 0 ? Double(y.count) / (present * $0) : 0 }
    }
}
