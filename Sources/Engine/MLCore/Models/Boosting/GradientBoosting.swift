import Foundation

/// Histogram gradient boosting for multiclass classification (LightGBM's `LGBMClassifier` and
/// scikit-learn's `HistGradientBoostingClassifier`): each iteration fits one regression tree per
/// class to the softmax loss's gradients and hessians (`HistogramTreeLearner`), shrinks it by the
/// learning rate and adds it to the scores. Rows and features can be subsampled per iteration and
/// per tree; training can stop early when a held-out share of rows stops improving.
public struct GradientBoostedTrees: FittedClassifier {
    public let initialScores: [Double]
    /// Iteration-major: the tree for class k of iteration i is `trees[i * classCount + k]`.
    public let trees: [Tree]
    public let classCount: Int

    /// What the booster is given.
    public struct Settings: Sendable, Equatable {
        public var iterations = 100
        public var learningRate = 0.1
        public var maxBins = 255
        public var subsample = 1.0
        public var featureFraction = 1.0
        /// Rounds without improvement on the validation rows before stopping (0: no early stopping).
        public var earlyStoppingRounds = 0
        public var validationFraction = 0.1
        var tree = HistogramTreeLearner.Settings()
    }

    public static func fit(_ data: TrainingData, _ settings: Settings) throws -> GradientBoostedTrees {
        let k = data.classCount
        var random = data.random
        var train = Array(0..<data.x.rows)
        var validation: [Int] = []
        if settings.earlyStoppingRounds > 0 {
            let split = Folds.holdout(
                data.y, classCount: k, testFraction: settings.validationFraction, stratify: true,
                seed: random.next())
            train = split.train
            validation = split.test
        }
        let x = validation.isEmpty ? data.x : data.x.selecting(rows: train)
        let y = validation.isEmpty ? data.y : train.map { data.y[$0] }
        let n = x.rows
        let mapper = BinMapper(x, maxBins: min(settings.maxBins, 255), random: &random)
        let learner = HistogramTreeLearner(
            bins: mapper.binned(x), rowCount: n, mapper: mapper, settings: settings.tree,
            threads: data.threads)
        let loss = SoftmaxLoss(classCount: k)
        let initial = loss.initialScores(y)
        var scores = [Double](repeating: 0, count: n * k)
        for r in 0..<n { for c in 0..<k { scores[r * k + c] = initial[c] } }
        let validationX = data.x.selecting(rows: validation)
        let validationY = validation.map { data.y[$0] }
        var validationScores = [Double](repeating: 0, count: validation.count * k)
        for r in 0..<validation.count { for c in 0..<k { validationScores[r * k + c] = initial[c] } }
        var gradients = [Double](repeating: 0, count: n * k)
        var hessians = gradients
        var trees: [Tree] = []
        // The K trees of an iteration are independent (each fits its class's gradients): on more
        // than one thread they grow at once, each thread with its own workspace. A
        // large training set instead splits each histogram across the threads (HistogramTreeLearner).
        let parallelClasses = n < HistogramTreeLearner.parallelHistogramRows ? max(1, min(data.threads, k)) : 1
        var workspaces = (0..<parallelClasses).map { _ in learner.makeWorkspace() }
        // The training rows' scores grow by their leaves' values. A tree's leaves hold the rows
        // of its bag (all rows without bagging), and only the rows out of the bag go through the
        // tree, as in LightGBM. A row's leaf by its bins is the leaf its values reach through the
        // thresholds, except for NaN (bin 0, so left; right through a threshold): with bagging
        // and NaN in the data every row goes through the tree, as it always did with bagging.
        let scoresFromLeaves = settings.subsample >= 1 || !x.values.contains { $0.isNaN }
        var bestLoss = Double.infinity
        var bestIterations = 0
        for iteration in 0..<settings.iterations {
            try data.cancellation?.check()
            loss.derivatives(scores: scores, y: y, gradients: &gradients, hessians: &hessians)
            var shuffled = Array(0..<Int32(n))
            if settings.subsample < 1 { shuffled.shuffle(using: &random) }
            let bagCount = settings.subsample < 1 ? max(1, Int(Double(n) * settings.subsample)) : n
            let bag = Array(shuffled[..<bagCount])
            // Each class's features are drawn in class order, as when the trees grew one by one.
            let featureSets = (0..<k).map { _ in
                var features = [Bool](repeating: true, count: x.columns)
                if settings.featureFraction < 1 {
                    var order = Array(0..<x.columns)
                    order.shuffle(using: &random)
                    let keep = max(1, Int(Double(x.columns) * settings.featureFraction))
                    features = [Bool](repeating: false, count: x.columns)
                    for f in order.prefix(keep) { features[f] = true }
                }
                return features
            }
            var grown = [GrownTree?](repeating: nil, count: k)
            let (bagRows, classGradients, classHessians) = (bag, gradients, hessians)
            grown.withDisjointSlots { grown in
                workspaces.withDisjointSlots { workspaces in
                    DispatchQueue.concurrentPerform(iterations: parallelClasses) { part in
                        // Taken out of its slot: a popped spare histogram must be referenced only
                        // here, or clearing it copies it.
                        var workspace = workspaces.take(part, leaving: HistogramTreeLearner.Workspace())
                        for c in stride(from: part, to: k, by: parallelClasses) {
                            var rows = bagRows
                            let (tree, leaves) = learner.grow(
                                gradients: classGradients, hessians: classHessians, gradientOffset: c * n, rows: &rows,
                                features: featureSets[c], shrinkage: settings.learningRate, workspace: &workspace)
                            grown[c] = GrownTree(tree: tree, leaves: leaves, rows: rows)
                        }
                        workspaces[part] = workspace
                    }
                }
            }
            for c in 0..<k {
                let (tree, leaves, rows) = (grown[c]!.tree, grown[c]!.leaves, grown[c]!.rows)
                if scoresFromLeaves {
                    for leaf in leaves {
                        let value = tree.value[leaf.node]
                        for i in leaf.start..<(leaf.start + leaf.count) { scores[Int(rows[i]) * k + c] += value }
                    }
                    for r in shuffled[bagCount...] { scores[Int(r) * k + c] += tree.value[tree.leaf(x, row: Int(r))] }
                } else {
                    for r in 0..<n { scores[r * k + c] += tree.value[tree.leaf(x, row: r)] }
                }
                for r in 0..<validation.count {
                    validationScores[r * k + c] += tree.value[tree.leaf(validationX, row: r)]
                }
                trees.append(tree)
            }
            if settings.earlyStoppingRounds > 0 {
                let current = loss.loss(scores: validationScores, y: validationY)
                if current < bestLoss - 1e-12 {
                    bestLoss = current
                    bestIterations = iteration + 1
                } else if iteration + 1 - bestIterations >= settings.earlyStoppingRounds {
                    break
                }
            }
        }
        if settings.earlyStoppingRounds > 0 { trees = Array(trees.prefix(max(bestIterations, 1) * k)) }
        return GradientBoostedTrees(initialScores: initial, trees: trees, classCount: k)
    }

    /// One class's tree of an iteration, its leaves' row ranges, and the rows in leaf order.
    private struct GrownTree {
        let tree: Tree
        let leaves: [(node: Int, start: Int, count: Int)]
        let rows: [Int32]
    }

    /// The raw (margin) scores, rows × classes, before softmax.
    public func rawScores(_ x: Matrix) -> Matrix {
        var out = Matrix(rows: x.rows, columns: classCount)
        for r in 0..<x.rows { for c in 0..<classCount { out[r, c] = initialScores[c] } }
        let classCount = classCount
        // Trees are read in place, not copied out of the array (no retain/release per tree).
        trees.withUnsafeBufferPointer { trees in
            out.values.withUnsafeMutableBufferPointer { out in
                for index in trees.indices {
                    let c = index % classCount
                    for r in 0..<x.rows { out[r * classCount + c] += trees[index].value[trees[index].leaf(x, row: r)] }
                }
            }
        }
        return out
    }

    public func probabilities(_ x: Matrix) -> Matrix { rawScores(x).softmaxRows() }

    /// Iterations kept (after early stopping).
    public var iterations: Int { trees.count / classCount }
}
