import Foundation

/// AdaBoost with the SAMME rule over decision stumps (scikit-learn's `AdaBoostClassifier`):
/// each stump is fitted to reweighted rows; misclassified rows gain weight; stumps vote with
/// weight `rate · (log((1 − err)/err) + log(K − 1))`; probabilities are the softmax of the
/// normalized votes divided by K − 1.
public struct AdaBoost: FittedClassifier {
    public let stumps: [Tree]
    public let stumpWeights: [Double]
    public let classCount: Int

    public static func fit(_ data: TrainingData, estimators: Int, learningRate: Double, maxDepth: Int) throws
        -> AdaBoost
    {
        let n = data.x.rows
        let k = data.classCount
        let columns = FeatureColumns(data.x)
        var weights = [Double](repeating: 1 / Double(n), count: n)
        var stumps: [Tree] = []
        var stumpWeights: [Double] = []
        let settings = TreeSettings(maxDepth: maxDepth, maxFeatures: data.x.columns)
        for index in 0..<estimators {
            try data.cancellation?.check()
            var random = data.random.derived(index)
            let stump = TreeGrower(columns: columns, y: data.y, weights: weights, classCount: k, settings: settings)
                .grow(random: &random)
            let predicted = (0..<n).map { r in Self.argmax(stump, leaf: stump.leaf(data.x, row: r)) }
            var wrongWeight = 0.0
            for r in 0..<n where predicted[r] != data.y[r] { wrongWeight += weights[r] }
            let error = wrongWeight / weights.reduce(0, +)
            if error <= 0 {
                stumps.append(stump)
                stumpWeights.append(1)
                break
            }
            if error >= 1 - 1 / Double(k) {
                if stumps.isEmpty {
                    throw EngineError(
                        .invalidData, "AdaBoost's first stump is no better than chance; the data cannot be boosted")
                }
                break
            }
            let stumpWeight = learningRate * (Foundation.log((1 - error) / error) + Foundation.log(Double(k) - 1))
            stumps.append(stump)
            stumpWeights.append(stumpWeight)
            if index == estimators - 1 { break }
            for r in 0..<n where predicted[r] != data.y[r] { weights[r] *= Foundation.exp(stumpWeight) }
            let total = weights.reduce(0, +)
            guard total > 0 else { break }
            for r in 0..<n { weights[r] /= total }
        }
        return AdaBoost(stumps: stumps, stumpWeights: stumpWeights, classCount: k)
    }

    /// The class a stump's leaf votes for: its largest class weight (the first on a tie).
    public static func argmax(_ tree: Tree, leaf: Int) -> Int {
        var best = 0
        for c in 1..<tree.outputs where tree.value[leaf * tree.outputs + c] > tree.value[leaf * tree.outputs + best] {
            best = c
        }
        return best
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        decision(x).softmaxRows()
    }

    /// The normalized votes before softmax (rows × classes).
    public func decision(_ x: Matrix) -> Matrix {
        var votes = Matrix(rows: x.rows, columns: classCount)
        for (stump, weight) in zip(stumps, stumpWeights) {
            for r in 0..<x.rows { votes[r, Self.argmax(stump, leaf: stump.leaf(x, row: r))] += weight }
        }
        let total = voteScale
        for i in votes.values.indices { votes.values[i] /= total }
        return votes
    }

    /// What the weighted votes are divided by: the stump weights' sum × (classes − 1).
    public var voteScale: Double { stumpWeights.reduce(0, +) * Double(max(classCount - 1, 1)) }
}
