import Foundation

/// Explains a fitted pipeline's predictions in the original features, choosing the exact method
/// the pipeline allows:
///
/// - tree ensembles (dt, rf, et, gbm, ada) on raw or standard-scaled features: exact
///   path-dependent TreeSHAP in its quadrature form (`QuadratureTreeSHAP`; scaling maps each
///   feature to itself, so the trees' φ are the raw features' φ); forests in probability space,
///   boosting in margin space, AdaBoost in vote space;
/// - linear models (lr, ridge, lda, svm), after scaling and PCA too (the whole pipeline is then
///   linear in the raw features): exact linear SHAP, φ = β·(x − mean of the background);
/// - anything else (PCA before trees, naive Bayes, QDA, k-NN): permutation SHAP in probability
///   space over a background sample, the number of permutations and the standard error stated.
public enum Explainer {
    public enum Method: Sendable, Equatable {
        case tree, linear, sampling

        public var description: String {
            switch self {
            case .tree: "exact path-dependent TreeSHAP"
            case .linear: "exact linear SHAP"
            case .sampling: "permutation SHAP (sampled)"
            }
        }
    }

    /// What to explain against, and how hard to sample.
    public struct Options: Sendable {
        /// Raw feature rows standing for "a typical plate" (means for linear SHAP, backgrounds
        /// for sampling).
        public var background: Matrix
        /// Permutations per row for sampling (in antithetic pairs).
        public var permutations = 32
        public var threads = 1
        public var seed: UInt64 = 42
        public var cancellation: Cancellation?

        public init(background: Matrix) { self.background = background }

        /// Options whose background is up to `backgroundLimit` rows of `frame`, drawn with `seed`
        /// (all of them when the frame is smaller): enough for means and sampling to settle, few
        /// enough that sampling stays fast.
        public init(backgroundFrom frame: Matrix, seed: UInt64, backgroundLimit: Int = 200) {
            var rows = Array(0..<frame.rows)
            var random = SeededRandom(seed: seed)
            rows.shuffle(using: &random)
            self.init(background: frame.selecting(rows: Array(rows.prefix(backgroundLimit))))
            self.seed = seed
        }
    }

    /// The method `explain` uses for this pipeline.
    public static func method(for pipeline: FittedPipeline) -> Method {
        switch pipeline.model {
        case .forest, .boosting, .adaBoost: pipeline.plan.pca == nil ? .tree : .sampling
        case .logistic, .linear: .linear
        default: .sampling
        }
    }

    /// SHAP values of the rows `x` (raw features, in the pipeline's feature order).
    public static func explain(_ pipeline: FittedPipeline, rows x: Matrix, options: Options) throws -> Explanation {
        switch method(for: pipeline) {
        case .tree: return try treeExplanation(pipeline, x, options)
        case .linear: return linearExplanation(pipeline, x, options)
        case .sampling: return try PermutationSHAP.explain(pipeline, rows: x, options: options)
        }
    }

    // MARK: - Trees

    /// The trees to explain, each with the output column it feeds, its scale, and the base value
    /// and output function of the ensemble.
    private static func ensemble(_ pipeline: FittedPipeline) -> (
        trees: [(Tree, offset: Int, scale: Double)], base: [Double],
        space: Explanation.Space, output: (Matrix) -> Matrix
    ) {
        let k = pipeline.classes.count
        switch pipeline.model {
        case .forest(let forest):
            let scale = 1 / Double(forest.trees.count)
            var base = [Double](repeating: 0, count: k)
            for tree in forest.trees {
                for (c, v) in TreeSHAP.expectedValue(tree).enumerated() { base[c] += scale * v }
            }
            return (forest.trees.map { ($0, 0, scale) }, base, .probability, { forest.probabilities($0) })
        case .boosting(let boosting):
            var base = boosting.initialScores
            let trees = boosting.trees.enumerated().map { index, tree -> (Tree, offset: Int, scale: Double) in
                base[index % k] += TreeSHAP.expectedValue(tree)[0]
                return (tree, index % k, 1)
            }
            return (trees, base, .margin, { boosting.rawScores($0) })
        case .adaBoost(let ada):
            let votes = ada.voteTrees()
            var base = [Double](repeating: 0, count: k)
            for tree in votes { for (c, v) in TreeSHAP.expectedValue(tree).enumerated() { base[c] += v } }
            return (votes.map { ($0, 0, 1) }, base, .decision, { ada.decision($0) })
        default:
            preconditionFailure("not a tree ensemble")
        }
    }

    /// Rows explained together, tree by tree.
    static let rowBlock = 32

    private static func treeExplanation(_ pipeline: FittedPipeline, _ x: Matrix, _ options: Options) throws
        -> Explanation
    {
        let transformed = pipeline.preprocessing.transform(x)
        let (trees, base, space, output) = ensemble(pipeline)
        let d = x.columns
        let k = pipeline.classes.count
        let depths = trees.map { $0.0.depth }
        let points = trees.map { QuadratureTreeSHAP.pointCount(depth: $0.0.maxDistinctFeaturesOnPath, features: d) }
        let deepest = depths.max() ?? 0
        var values = [Double](repeating: 0, count: x.rows * d * k)
        let parts = max(1, min(options.threads, x.rows))
        // Trees in chunks: each chunk's trees are prepared (leaf-pattern tables, or copies for the
        // walker) on every thread, then every thread explains its rows with them; each row still
        // adds its trees' values in tree order, so the values do not depend on the thread count.
        for first in stride(from: 0, to: trees.count, by: Self.treeChunk) {
            if options.cancellation?.isRequested == true { break }
            let chunk = first..<min(first + Self.treeChunk, trees.count)
            let explainers = prepare(trees[chunk].map(\.0), points: Array(points[chunk]), rows: x.rows, threads: parts)
            defer { for explainer in explainers { explainer.deallocate() } }
            values.withDisjointSlots { slots in
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let phi = slots.baseAddress!
                    var workspace = QuadratureTreeSHAP.Workspace(
                        features: d, depth: deepest, points: points[chunk].max() ?? 1)
                    defer { workspace.deallocate() }
                    var scratch = LeafPatternTable.Scratch(depth: deepest)
                    defer { scratch.deallocate() }
                    // Rows in blocks, each tree used for every row of a block before the next
                    // tree (the tree stays in cache).
                    let mine = Array(stride(from: part, to: x.rows, by: parts))
                    transformed.values.withUnsafeBufferPointer { rows in
                        for block in stride(from: 0, to: mine.count, by: Self.rowBlock) {
                            let blockRows = mine[block..<min(block + Self.rowBlock, mine.count)]
                            for (explainer, (_, offset, scale)) in zip(explainers, trees[chunk]) {
                                for r in blockRows {
                                    let row = rows.baseAddress! + r * d
                                    let target = phi + r * d * k
                                    switch explainer {
                                    case .table(let table):
                                        table.accumulate(
                                            row: row, phi: target, outputs: k, outputOffset: offset, scale: scale,
                                            scratch: &scratch)
                                    case .walker(let tree):
                                        QuadratureTreeSHAP.accumulate(
                                            tree, row: row, phi: target, outputs: k, outputOffset: offset,
                                            scale: scale, workspace: &workspace)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        try options.cancellation?.check()
        return Explanation(
            features: pipeline.features, classes: pipeline.classes, rows: x.rows, values: values, base: base,
            space: space, method: Method.tree.description, outputs: output(transformed), standardErrors: nil)
    }

    /// Trees prepared together, then used for every row before the next chunk.
    static let treeChunk = 16

    /// How one tree is explained: from leaf-pattern tables, or by the walker.
    private enum TreeExplainer {
        case table(LeafPatternTable)
        case walker(QuadratureTreeSHAP.PreparedTree)

        func deallocate() {
            switch self {
            case .table(let table): table.deallocate()
            case .walker(let tree): tree.deallocate()
            }
        }
    }

    /// Most doubles one tree's leaf-pattern tables may take (2 MiB; a chunk's at most 32 MiB).
    static let leafPatternBudget = 1 << 18

    /// Each tree's explainer for `rows` rows, prepared on `threads` threads: its leaf-pattern
    /// tables where they pay, else its copy for the walker.
    private static func prepare(_ trees: [Tree], points: [Int], rows: Int, threads: Int) -> [TreeExplainer] {
        var explainers = [TreeExplainer?](repeating: nil, count: trees.count)
        let parts = max(1, min(threads, trees.count))
        explainers.withDisjointSlots { slots in
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for index in stride(from: part, to: trees.count, by: parts) {
                    if let table = LeafPatternTable(
                        trees[index], points: points[index], rows: rows, budget: leafPatternBudget)
                    {
                        slots[index] = .table(table)
                    } else {
                        slots[index] = .walker(QuadratureTreeSHAP.PreparedTree(trees[index], points: points[index]))
                    }
                }
            }
        }
        return explainers.map { $0! }
    }

    // MARK: - Linear

    /// A linear pipeline (scaler, PCA and a linear model are all affine) as one affine map of the raw
    /// features: `scores(x) = intercepts + x · coefficients` (coefficients: features × classes),
    /// found by probing the pipeline at 0 and along each feature. Each probe steps as far as the
    /// feature's typical size in `typical` (at least 1): a unit step on a feature of size 10⁶ would
    /// lose six digits of its coefficient to the scaler's cancellation. Nil for other models.
    public static func affineForm(of pipeline: FittedPipeline, typical: Matrix) -> (
        intercepts: [Double], coefficients: Matrix
    )? {
        guard method(for: pipeline) == .linear else { return nil }
        let d = pipeline.features.count
        let steps = (0..<d).map { j in max(1, typical.rows == 0 ? 1 : Moments.mean(typical.column(j).map(abs))) }
        var probes = Matrix(rows: d + 1, columns: d)
        for j in 0..<d { probes[j + 1, j] = steps[j] }
        let probed = linearScores(pipeline, probes)
        var coefficients = Matrix(rows: d, columns: pipeline.classes.count)
        for j in 0..<d {
            for c in 0..<pipeline.classes.count { coefficients[j, c] = (probed[j + 1, c] - probed[0, c]) / steps[j] }
        }
        return (probed.row(0), coefficients)
    }

    /// The decision scores of a linear pipeline for raw rows.
    private static func linearScores(_ pipeline: FittedPipeline, _ raw: Matrix) -> Matrix {
        let z = pipeline.preprocessing.transform(raw)
        switch pipeline.model {
        case .logistic(let model): return LinearScores(weights: model.weights, intercepts: model.intercepts).scores(z)
        case .linear(let model): return model.scores(z)
        default: preconditionFailure("not a linear model")
        }
    }

    /// Exact linear SHAP: φ = β·(x − mean of the background), base = the scores at the mean.
    private static func linearExplanation(_ pipeline: FittedPipeline, _ x: Matrix, _ options: Options) -> Explanation {
        let d = x.columns
        let k = pipeline.classes.count
        let (intercepts, coefficients) = affineForm(of: pipeline, typical: options.background)!
        let mean = (0..<d).map { Moments.mean(options.background.column($0)) }
        var base = intercepts
        var values = [Double](repeating: 0, count: x.rows * d * k)
        for j in 0..<d {
            for c in 0..<k {
                let beta = coefficients[j, c]
                base[c] += beta * mean[j]
                for r in 0..<x.rows { values[(r * d + j) * k + c] = beta * (x[r, j] - mean[j]) }
            }
        }
        return Explanation(
            features: pipeline.features, classes: pipeline.classes, rows: x.rows, values: values, base: base,
            space: .decision,
            method: Method.linear.description
                + " (features independent, means of \(options.background.rows) background rows)",
            outputs: linearScores(pipeline, x), standardErrors: nil)
    }
}

extension AdaBoost {
    /// Each stump as a tree whose leaves hold its weighted vote (one-hot class × weight, scaled as
    /// in `decision`): the trees TreeSHAP explains.
    func voteTrees() -> [Tree] {
        let total = voteScale
        return zip(stumps, stumpWeights).map { stump, weight in
            var votes = stump
            for node in 0..<stump.nodeCount {
                let winner = Self.argmax(stump, leaf: node)
                votes.setValue(node, (0..<classCount).map { $0 == winner ? weight / total : 0 })
            }
            return votes
        }
    }
}
