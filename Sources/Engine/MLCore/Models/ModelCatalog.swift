/// A kind of model the shell can fit: its name, its declared hyperparameters, and how to train it.
public struct ModelKind: Sendable {
    public let name: String
    public let title: String
    public let parameters: [ModelParameter]
    /// Whether its probabilities are real probabilities (not softmaxed scores).
    public let probabilistic: Bool
    let train: @Sendable (ModelSettings, TrainingData) throws -> FittedModel

    /// Validated settings from `name=value` texts; the rest take their defaults.
    ///
    /// - Throws: `EngineError.invalidArgument` for an unknown parameter (with "did you mean") or a
    ///   value outside its declared domain (naming the domain).
    public func settings(_ given: [String: String]) throws -> ModelSettings {
        var values = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.defaultValue) })
        for (key, text) in given {
            guard let parameter = parameters.first(where: { $0.name == key }) else {
                throw EngineError(
                    .invalidArgument, "\(name) has no parameter '\(key)'",
                    hint: parameters.isEmpty
                        ? "\(name) takes no parameters"
                        : "its parameters: \(parameters.map(\.name).joined(separator: ", "))",
                    suggestions: Suggestions.closest(to: key, among: parameters.map(\.name)))
            }
            values[key] = try parameter.parse(text, model: name)
        }
        return ModelSettings(values)
    }

    /// Fits the model.
    public func fit(_ settings: ModelSettings, _ data: TrainingData) throws -> FittedModel {
        try train(settings, data)
    }
}

/// Every model kind, by name: `fit`, `compare`, `tune`, help and completion read this list.
public enum ModelCatalog {
    public static let all: [ModelKind] = [
        dummy, logistic, ridge, lda, qda, naiveBayes, knn, decisionTree, randomForest, extraTrees,
        gradientBoosting, adaBoost, svm,
    ]

    public static var names: [String] { all.map(\.name) }

    /// The kind named `name`.
    ///
    /// - Throws: `EngineError.unknownValue` listing the valid names, with "did you mean".
    public static func kind(_ name: String) throws -> ModelKind {
        if let kind = all.first(where: { $0.name == name.lowercased() }) { return kind }
        throw EngineError(
            .unknownValue, "unknown model '\(name)'", hint: "models: \(names.joined(separator: ", "))",
            suggestions: Suggestions.closest(to: name, among: names))
    }

    static func seed(_ settings: ModelSettings, _ data: TrainingData) -> TrainingData {
        guard let state = settings[randomState] else { return data }
        return TrainingData(
            x: data.x, y: data.y, classCount: data.classCount, seed: UInt64(state),
            cancellation: data.cancellation, threads: data.threads)
    }

    static let randomState = Hyperparameter<Int?>(
        "random_state", 0...Int.max, default: nil,
        help: "seed of this model's random choices (none: the session's seed)")

    static let dummy = ModelKind(name: "dummy", title: "Dummy (class priors)", parameters: [], probabilistic: true) {
        _, data in
        .dummy(DummyClassifier.fit(data))
    }

    /// `C` and `max_iter` of the models fitted by L-BFGS (lr, svm).
    enum LBFGSParameters {
        static let c = Hyperparameter<Double>(
            "C", 1e-8...1e8, default: 1, help: "inverse of the L2 penalty's strength",
            search: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 100])
        static let cForSVM = Hyperparameter<Double>(
            "C", 1e-8...1e8, default: 1, help: "inverse of the L2 penalty's strength",
            search: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10])
        static let maxIterations = Hyperparameter<Int>(
            "max_iter", 1...100_000, default: 1000, help: "most L-BFGS iterations")
        static let maxIterationsPerClass = Hyperparameter<Int>(
            "max_iter", 1...100_000, default: 1000, help: "most L-BFGS iterations per class")
    }

    static let logistic = ModelKind(
        name: "lr", title: "Logistic Regression",
        parameters: [LBFGSParameters.c.declaration, LBFGSParameters.maxIterations.declaration], probabilistic: true
    ) { settings, data in
        .logistic(
            try LogisticRegression.fit(
                data, c: settings[LBFGSParameters.c], maxIterations: settings[LBFGSParameters.maxIterations]))
    }

    static let ridgeAlpha = Hyperparameter<Double>(
        "alpha", 0...1e8, default: 1, help: "strength of the L2 penalty", search: [0.001, 0.01, 0.1, 1, 10, 100, 1000])

    static let ridge = ModelKind(
        name: "ridge", title: "Ridge Classifier", parameters: [ridgeAlpha.declaration], probabilistic: false
    ) { settings, data in
        .linear(try RidgeClassifier.fit(data, alpha: settings[ridgeAlpha]))
    }

    static let ldaTolerance = Hyperparameter<Double>(
        "tol", 0...1, default: 1e-4, help: "singular values below this are dropped (collinear features)")

    static let lda = ModelKind(
        name: "lda", title: "Linear Discriminant Analysis", parameters: [ldaTolerance.declaration], probabilistic: true
    ) { settings, data in
        .linear(try LinearDiscriminant.fit(data, tolerance: settings[ldaTolerance]))
    }

    static let qdaRegularization = Hyperparameter<Double>(
        "reg", 0...1, default: 0.01,
        help:
            "shrinks each class covariance toward the identity (default 0.01: with 0, collinear features make the covariances singular)",
        search: [0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5])

    static let qda = ModelKind(
        name: "qda", title: "Quadratic Discriminant Analysis", parameters: [qdaRegularization.declaration],
        probabilistic: true
    ) { settings, data in
        .quadratic(try QuadraticDiscriminant.fit(data, regularization: settings[qdaRegularization]))
    }

    static let varianceSmoothing = Hyperparameter<Double>(
        "var_smoothing", 0...1, default: 1e-9, help: "share of the largest feature variance added to every variance",
        search: [1e-9, 1e-7, 1e-5, 1e-3, 1e-2, 0.1])

    static let naiveBayes = ModelKind(
        name: "nb", title: "Gaussian Naive Bayes", parameters: [varianceSmoothing.declaration], probabilistic: true
    ) { settings, data in
        .naiveBayes(GaussianNaiveBayes.fit(data, smoothing: settings[varianceSmoothing]))
    }

    /// How k-NN's neighbours vote.
    enum NeighborWeighting: String, HyperparameterChoice { case uniform, distance }

    enum NeighborParameters {
        static let neighbors = Hyperparameter<Int>(
            "n_neighbors", 1...1000, default: 5, help: "neighbours that vote", search: Array(1...30))
        static let weights = Hyperparameter<NeighborWeighting>(
            "weights", default: .uniform, help: "equal votes, or 1/distance", search: [.uniform, .distance])
    }

    static let knn = ModelKind(
        name: "knn", title: "K Neighbors",
        parameters: [NeighborParameters.neighbors.declaration, NeighborParameters.weights.declaration],
        probabilistic: true
    ) { settings, data in
        .neighbors(
            NearestNeighbors(
                x: data.x, y: data.y, classCount: data.classCount, neighbors: settings[NeighborParameters.neighbors],
                distanceWeighted: settings[NeighborParameters.weights] == .distance))
    }

    /// The hyperparameters of CART trees and the forests made of them.
    enum TreeParameters {
        static let criterion = Hyperparameter<TreeSettings.Criterion>(
            "criterion", default: .gini, help: "split quality measure", search: [.gini, .entropy])
        static let maxDepth = Hyperparameter<Int?>(
            "max_depth", 1...1000, default: nil, help: "deepest a tree may grow (none: until pure)",
            search: [nil, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20])
        static let minSamplesSplit = Hyperparameter<Int>(
            "min_samples_split", 2...100_000, default: 2, help: "fewest rows a node needs to be split",
            search: [2, 3, 5, 7, 9, 10])
        static let minSamplesLeaf = Hyperparameter<Int>(
            "min_samples_leaf", 1...100_000, default: 1, help: "fewest rows a leaf may hold",
            search: [1, 2, 3, 4, 5, 6])
        /// All features are searched as `none`, not as the fraction 1, which is written "1" in tracked
        /// params and would read back as a count of one feature.
        static func maxFeatures(default value: FeatureCount) -> Hyperparameter<FeatureCount> {
            Hyperparameter(
                "max_features", default: value, help: "features examined per split",
                search: [.squareRoot, .logarithm, .fraction(0.5), .fraction(0.75), .all])
        }
        static let minImpurityDecrease = Hyperparameter<Double>(
            "min_impurity_decrease", 0...1, default: 0, help: "smallest weighted impurity decrease a split must bring",
            search: [0, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01])
        static let classWeight = Hyperparameter<Forest.ClassWeighting>(
            "class_weight", default: .none,
            help: "row weights: none, or n/(K·class count) over all rows or each bootstrap sample",
            search: [.none, .balanced, .balancedSubsample])
        static let trees = Hyperparameter<Int>(
            "n_estimators", 1...10_000, default: 100, help: "trees in the forest",
            search: [10, 50, 100, 150, 200, 250, 300])
        static func bootstrap(default value: Bool) -> Hyperparameter<Bool> {
            Hyperparameter(
                "bootstrap", default: value, help: "grow each tree on a bootstrap sample of the rows",
                search: [true, false])
        }
    }

    static func treeParameters(maxFeatures: FeatureCount, bootstrap: Bool?) -> [ModelParameter] {
        var parameters = [
            TreeParameters.criterion.declaration, TreeParameters.maxDepth.declaration,
            TreeParameters.minSamplesSplit.declaration, TreeParameters.minSamplesLeaf.declaration,
            TreeParameters.maxFeatures(default: maxFeatures).declaration,
            TreeParameters.minImpurityDecrease.declaration, TreeParameters.classWeight.declaration,
            randomState.declaration,
        ]
        if let bootstrap {
            parameters.insert(TreeParameters.trees.declaration, at: 0)
            parameters.append(TreeParameters.bootstrap(default: bootstrap).declaration)
        }
        return parameters
    }

    static func forestSettings(
        _ settings: ModelSettings, features: Int, splitter: TreeSettings.Splitter,
        forest: (trees: Int, bootstrap: Bool)?,
        maxFeatures: FeatureCount
    ) -> Forest.Settings {
        let tree = TreeSettings(
            criterion: settings[TreeParameters.criterion], splitter: splitter,
            maxDepth: settings[TreeParameters.maxDepth], minSamplesSplit: settings[TreeParameters.minSamplesSplit],
            minSamplesLeaf: settings[TreeParameters.minSamplesLeaf],
            minImpurityDecrease: settings[TreeParameters.minImpurityDecrease],
            maxFeatures: settings[TreeParameters.maxFeatures(default: maxFeatures)].of(features))
        return Forest.Settings(
            trees: forest?.trees ?? 1, bootstrap: forest?.bootstrap ?? false, tree: tree,
            classWeight: settings[TreeParameters.classWeight])
    }

    static let decisionTree = ModelKind(
        name: "dt", title: "Decision Tree", parameters: treeParameters(maxFeatures: .all, bootstrap: nil),
        probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .forest(
            try Forest.fit(
                data,
                forestSettings(settings, features: data.x.columns, splitter: .best, forest: nil, maxFeatures: .all)))
    }

    /// A forest's settings: its trees, bootstrap, and the tree settings.
    static func forest(
        _ settings: ModelSettings, _ data: TrainingData, splitter: TreeSettings.Splitter, bootstrap: Bool
    ) throws -> FittedModel {
        let data = seed(settings, data)
        let shape = (settings[TreeParameters.trees], settings[TreeParameters.bootstrap(default: bootstrap)])
        return .forest(
            try Forest.fit(
                data,
                forestSettings(
                    settings, features: data.x.columns, splitter: splitter, forest: shape, maxFeatures: .squareRoot)))
    }

    static let randomForest = ModelKind(
        name: "rf", title: "Random Forest", parameters: treeParameters(maxFeatures: .squareRoot, bootstrap: true),
        probabilistic: true
    ) { settings, data in
        try forest(settings, data, splitter: .best, bootstrap: true)
    }

    static let extraTrees = ModelKind(
        name: "et", title: "Extra Trees", parameters: treeParameters(maxFeatures: .squareRoot, bootstrap: false),
        probabilistic: true
    ) { settings, data in
        try forest(settings, data, splitter: .random, bootstrap: false)
    }

    /// Whether boosting splits the best leaf first (LightGBM) or the shallowest first.
    enum TreeGrowth: String, HyperparameterChoice { case leafwise, depthwise }

    /// The hyperparameters of histogram gradient boosting, named as LightGBM's scikit-learn API.
    enum BoostingParameters {
        static let iterations = Hyperparameter<Int>(
            "n_estimators", 1...100_000, default: 100, help: "boosting iterations (one tree per class each)",
            search: [50, 100, 150, 200, 300])
        static let learningRate = Hyperparameter<Double>(
            "learning_rate", 1e-6...1, default: 0.1, help: "shrinkage of every tree",
            search: [0.01, 0.03, 0.05, 0.1, 0.2, 0.3])
        static let leaves = Hyperparameter<Int>(
            "num_leaves", 2...131_072, default: 31, help: "most leaves per tree", search: [7, 15, 31, 63, 127])
        static let maxDepth = Hyperparameter<Int?>(
            "max_depth", 1...1000, default: nil, help: "deepest a tree may grow (none: no limit)",
            search: [nil, 3, 5, 8])
        static let minChildSamples = Hyperparameter<Int>(
            "min_child_samples", 1...1_000_000, default: 20, help: "fewest rows in a leaf", search: [5, 10, 20, 40])
        static let minChildWeight = Hyperparameter<Double>(
            "min_child_weight", 0...1e6, default: 1e-3, help: "smallest hessian sum in a leaf")
        static let l2 = Hyperparameter<Double>(
            "reg_lambda", 0...1e6, default: 0, help: "L2 penalty on leaf values", search: [0, 0.1, 1, 5, 10])
        static let minSplitGain = Hyperparameter<Double>(
            "min_split_gain", 0...1e6, default: 0, help: "smallest gain a split must bring")
        static let subsample = Hyperparameter<Double>(
            "subsample", 0.01...1, default: 1, help: "share of rows each iteration samples",
            search: [0.5, 0.7, 0.9, 1])
        static let featureFraction = Hyperparameter<Double>(
            "colsample_bytree", 0.01...1, default: 1, help: "share of features each tree considers",
            search: [0.5, 0.7, 0.9, 1])
        static let maxBins = Hyperparameter<Int>("max_bin", 2...255, default: 255, help: "most bins per feature")
        static let earlyStopping = Hyperparameter<Int>(
            "early_stopping", 0...100_000, default: 0,
            help: "stop after this many rounds without improvement on held-out rows (0: never)")
        static let validationFraction = Hyperparameter<Double>(
            "validation_fraction", 0.01...0.9, default: 0.1, help: "share of rows held out for early stopping")
        static let growth = Hyperparameter<TreeGrowth>(
            "growth", default: .leafwise, help: "split the best leaf first (LightGBM) or the shallowest first")
    }

    static let gradientBoosting = ModelKind(
        name: "gbm", title: "Histogram Gradient Boosting",
        parameters: [
            BoostingParameters.iterations.declaration, BoostingParameters.learningRate.declaration,
            BoostingParameters.leaves.declaration, BoostingParameters.maxDepth.declaration,
            BoostingParameters.minChildSamples.declaration, BoostingParameters.minChildWeight.declaration,
            BoostingParameters.l2.declaration, BoostingParameters.minSplitGain.declaration,
            BoostingParameters.subsample.declaration, BoostingParameters.featureFraction.declaration,
            BoostingParameters.maxBins.declaration, BoostingParameters.earlyStopping.declaration,
            BoostingParameters.validationFraction.declaration, BoostingParameters.growth.declaration,
            randomState.declaration,
        ], probabilistic: true
    ) { settings, data in
        typealias P = BoostingParameters
        let data = seed(settings, data)
        var boosting = GradientBoostedTrees.Settings()
        boosting.iterations = settings[P.iterations]
        boosting.learningRate = settings[P.learningRate]
        boosting.maxBins = settings[P.maxBins]
        boosting.subsample = settings[P.subsample]
        boosting.featureFraction = settings[P.featureFraction]
        boosting.earlyStoppingRounds = settings[P.earlyStopping]
        boosting.validationFraction = settings[P.validationFraction]
        boosting.tree = HistogramTreeLearner.Settings(
            leaves: settings[P.leaves], maxDepth: settings[P.maxDepth], minDataInLeaf: settings[P.minChildSamples],
            minSumHessian: settings[P.minChildWeight], l2: settings[P.l2], minSplitGain: settings[P.minSplitGain],
            leafWise: settings[P.growth] == .leafwise)
        return .boosting(try GradientBoostedTrees.fit(data, boosting))
    }

    /// The hyperparameters of AdaBoost (SAMME) over shallow trees.
    enum AdaBoostParameters {
        static let estimators = Hyperparameter<Int>(
            "n_estimators", 1...10_000, default: 50, help: "most stumps", search: [10, 25, 50, 100, 200])
        static let learningRate = Hyperparameter<Double>(
            "learning_rate", 1e-6...100, default: 1, help: "shrinks every stump's vote",
            search: [0.01, 0.1, 0.3, 0.5, 1, 2])
        static let maxDepth = Hyperparameter<Int>(
            "max_depth", 1...100, default: 1, help: "depth of the base trees (1: stumps)", search: [1, 2, 3])
    }

    static let adaBoost = ModelKind(
        name: "ada", title: "AdaBoost (SAMME)",
        parameters: [
            AdaBoostParameters.estimators.declaration, AdaBoostParameters.learningRate.declaration,
            AdaBoostParameters.maxDepth.declaration, randomState.declaration,
        ], probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .adaBoost(
            try AdaBoost.fit(
                data, estimators: settings[AdaBoostParameters.estimators],
                learningRate: settings[AdaBoostParameters.learningRate], maxDepth: settings[AdaBoostParameters.maxDepth]
            ))
    }

    static let svm = ModelKind(
        name: "svm", title: "Linear SVM",
        parameters: [LBFGSParameters.cForSVM.declaration, LBFGSParameters.maxIterationsPerClass.declaration],
        probabilistic: false
    ) { settings, data in
        .linear(
            try LinearSVM.fit(
                data, c: settings[LBFGSParameters.cForSVM],
                maxIterations: settings[LBFGSParameters.maxIterationsPerClass]))
    }
}

extension TreeSettings.Criterion: HyperparameterChoice {}
extension Forest.ClassWeighting: HyperparameterChoice {}
