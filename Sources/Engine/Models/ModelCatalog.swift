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
        guard let state = settings.optionalInt("random_state") else { return data }
        return TrainingData(
            x: data.x, y: data.y, classCount: data.classCount, seed: UInt64(state),
            cancellation: data.cancellation, threads: data.threads)
    }

    static let randomState = ModelParameter(
        "random_state", .intOrNone(0...Int.max), default: .none,
        help: "seed of this model's random choices (none: the session's seed)")

    static let dummy = ModelKind(name: "dummy", title: "Dummy (class priors)", parameters: [], probabilistic: true) {
        _, data in
        .dummy(DummyClassifier.fit(data))
    }

    static let logistic = ModelKind(
        name: "lr", title: "Logistic Regression",
        parameters: [
            ModelParameter(
                "C", .real(1e-8...1e8), default: .real(1), help: "inverse of the L2 penalty's strength",
                search: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 100].map(ParameterValue.real)),
            ModelParameter("max_iter", .int(1...100_000), default: .int(1000), help: "most L-BFGS iterations"),
        ], probabilistic: true
    ) { settings, data in
        .logistic(try LogisticRegression.fit(data, c: settings.real("C"), maxIterations: settings.int("max_iter")))
    }

    static let ridge = ModelKind(
        name: "ridge", title: "Ridge Classifier",
        parameters: [
            ModelParameter(
                "alpha", .real(0...1e8), default: .real(1), help: "strength of the L2 penalty",
                search: [0.001, 0.01, 0.1, 1, 10, 100, 1000].map(ParameterValue.real))
        ], probabilistic: false
    ) { settings, data in
        .linear(try RidgeClassifier.fit(data, alpha: settings.real("alpha")))
    }

    static let lda = ModelKind(
        name: "lda", title: "Linear Discriminant Analysis",
        parameters: [
            ModelParameter(
                "tol", .real(0...1), default: .real(1e-4),
                help: "singular values below this are dropped (collinear features)")
        ], probabilistic: true
    ) { settings, data in
        .linear(try LinearDiscriminant.fit(data, tolerance: settings.real("tol")))
    }

    static let qda = ModelKind(
        name: "qda", title: "Quadratic Discriminant Analysis",
        parameters: [
            ModelParameter(
                "reg", .real(0...1), default: .real(0.01),
                help:
                    "shrinks each class covariance toward the identity (default 0.01: with 0, collinear features make the covariances singular)",
                search: [0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5].map(ParameterValue.real))
        ], probabilistic: true
    ) { settings, data in
        .quadratic(try QuadraticDiscriminant.fit(data, regularization: settings.real("reg")))
    }

    static let naiveBayes = ModelKind(
        name: "nb", title: "Gaussian Naive Bayes",
        parameters: [
            ModelParameter(
                "var_smoothing", .real(0...1), default: .real(1e-9),
                help: "share of the largest feature variance added to every variance",
                search: [1e-9, 1e-7, 1e-5, 1e-3, 1e-2, 0.1].map(ParameterValue.real))
        ], probabilistic: true
    ) { settings, data in
        .naiveBayes(GaussianNaiveBayes.fit(data, smoothing: settings.real("var_smoothing")))
    }

    static let knn = ModelKind(
        name: "knn", title: "K Neighbors",
        parameters: [
            ModelParameter(
                "n_neighbors", .int(1...1000), default: .int(5), help: "neighbours that vote",
                search: (1...30).map(ParameterValue.int)),
            ModelParameter(
                "weights", .choice(["uniform", "distance"]), default: .text("uniform"),
                help: "equal votes, or 1/distance",
                search: [.text("uniform"), .text("distance")]),
        ], probabilistic: true
    ) { settings, data in
        .neighbors(
            NearestNeighbors(
                x: data.x, y: data.y, classCount: data.classCount, neighbors: settings.int("n_neighbors"),
                distanceWeighted: settings.text("weights") == "distance"))
    }

    static func treeParameters(maxFeatures: ParameterValue, bootstrap: Bool?) -> [ModelParameter] {
        var parameters = [
            ModelParameter(
                "criterion", .choice(["gini", "entropy"]), default: .text("gini"), help: "split quality measure",
                search: [.text("gini"), .text("entropy")]),
            ModelParameter(
                "max_depth", .intOrNone(1...1000), default: .none, help: "deepest a tree may grow (none: until pure)",
                search: [.none] + [2, 3, 4, 5, 6, 8, 10, 12, 15, 20].map(ParameterValue.int)),
            ModelParameter(
                "min_samples_split", .int(2...100_000), default: .int(2), help: "fewest rows a node needs to be split",
                search: [2, 3, 5, 7, 9, 10].map(ParameterValue.int)),
            ModelParameter(
                "min_samples_leaf", .int(1...100_000), default: .int(1), help: "fewest rows a leaf may hold",
                search: [1, 2, 3, 4, 5, 6].map(ParameterValue.int)),
            ModelParameter(
                "max_features", .featureCount, default: maxFeatures, help: "features examined per split",
                search: [.text("sqrt"), .text("log2"), .real(0.5), .real(0.75), .real(1)]),
            ModelParameter(
                "min_impurity_decrease", .real(0...1), default: .real(0),
                help: "smallest weighted impurity decrease a split must bring",
                search: [0, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01].map(ParameterValue.real)),
            ModelParameter(
                "class_weight", .choice(Forest.ClassWeighting.allCases.map(\.rawValue)), default: .text("none"),
                help: "row weights: none, or n/(K·class count) over all rows or each bootstrap sample",
                search: [.text("none"), .text("balanced"), .text("balanced_subsample")]),
            randomState,
        ]
        if let bootstrap {
            parameters.insert(
                ModelParameter(
                    "n_estimators", .int(1...10_000), default: .int(100), help: "trees in the forest",
                    search: [10, 50, 100, 150, 200, 250, 300].map(ParameterValue.int)), at: 0)
            parameters.append(
                ModelParameter(
                    "bootstrap", .bool, default: .bool(bootstrap),
                    help: "grow each tree on a bootstrap sample of the rows",
                    search: [.bool(true), .bool(false)]))
        }
        return parameters
    }

    static func forestSettings(
        _ settings: ModelSettings, features: Int, splitter: TreeSettings.Splitter, trees: Int, bootstrap: Bool
    ) -> Forest.Settings {
        let tree = TreeSettings(
            criterion: TreeSettings.Criterion(rawValue: settings.text("criterion"))!, splitter: splitter,
            maxDepth: settings.optionalInt("max_depth"), minSamplesSplit: settings.int("min_samples_split"),
            minSamplesLeaf: settings.int("min_samples_leaf"),
            minImpurityDecrease: settings.real("min_impurity_decrease"),
            maxFeatures: settings.featureCount("max_features", of: features))
        return Forest.Settings(
            trees: trees, bootstrap: bootstrap, tree: tree,
            classWeight: Forest.ClassWeighting(rawValue: settings.text("class_weight"))!)
    }

    static let decisionTree = ModelKind(
        name: "dt", title: "Decision Tree", parameters: treeParameters(maxFeatures: .none, bootstrap: nil),
        probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .forest(
            try Forest.fit(
                data, forestSettings(settings, features: data.x.columns, splitter: .best, trees: 1, bootstrap: false)))
    }

    static let randomForest = ModelKind(
        name: "rf", title: "Random Forest", parameters: treeParameters(maxFeatures: .text("sqrt"), bootstrap: true),
        probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .forest(
            try Forest.fit(
                data,
                forestSettings(
                    settings, features: data.x.columns, splitter: .best,
                    trees: settings.int("n_estimators"), bootstrap: settings.bool("bootstrap"))))
    }

    static let extraTrees = ModelKind(
        name: "et", title: "Extra Trees", parameters: treeParameters(maxFeatures: .text("sqrt"), bootstrap: false),
        probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .forest(
            try Forest.fit(
                data,
                forestSettings(
                    settings, features: data.x.columns, splitter: .random,
                    trees: settings.int("n_estimators"), bootstrap: settings.bool("bootstrap"))))
    }

    static let gradientBoosting = ModelKind(
        name: "gbm", title: "Histogram Gradient Boosting",
        parameters: [
            ModelParameter(
                "n_estimators", .int(1...100_000), default: .int(100),
                help: "boosting iterations (one tree per class each)",
                search: [50, 100, 150, 200, 300].map(ParameterValue.int)),
            ModelParameter(
                "learning_rate", .real(1e-6...1), default: .real(0.1), help: "shrinkage of every tree",
                search: [0.01, 0.03, 0.05, 0.1, 0.2, 0.3].map(ParameterValue.real)),
            ModelParameter(
                "num_leaves", .int(2...131_072), default: .int(31), help: "most leaves per tree",
                search: [7, 15, 31, 63, 127].map(ParameterValue.int)),
            ModelParameter(
                "max_depth", .intOrNone(1...1000), default: .none, help: "deepest a tree may grow (none: no limit)",
                search: [.none, .int(3), .int(5), .int(8)]),
            ModelParameter(
                "min_child_samples", .int(1...1_000_000), default: .int(20), help: "fewest rows in a leaf",
                search: [5, 10, 20, 40].map(ParameterValue.int)),
            ModelParameter(
                "min_child_weight", .real(0...1e6), default: .real(1e-3), help: "smallest hessian sum in a leaf"),
            ModelParameter(
                "reg_lambda", .real(0...1e6), default: .real(0), help: "L2 penalty on leaf values",
                search: [0, 0.1, 1, 5, 10].map(ParameterValue.real)),
            ModelParameter(
                "min_split_gain", .real(0...1e6), default: .real(0), help: "smallest gain a split must bring"),
            ModelParameter(
                "subsample", .real(0.01...1), default: .real(1), help: "share of rows each iteration samples",
                search: [0.5, 0.7, 0.9, 1].map(ParameterValue.real)),
            ModelParameter(
                "colsample_bytree", .real(0.01...1), default: .real(1), help: "share of features each tree considers",
                search: [0.5, 0.7, 0.9, 1].map(ParameterValue.real)),
            ModelParameter("max_bin", .int(2...255), default: .int(255), help: "most bins per feature"),
            ModelParameter(
                "early_stopping", .int(0...100_000), default: .int(0),
                help: "stop after this many rounds without improvement on held-out rows (0: never)"),
            ModelParameter(
                "validation_fraction", .real(0.01...0.9), default: .real(0.1),
                help: "share of rows held out for early stopping"),
            ModelParameter(
                "growth", .choice(["leafwise", "depthwise"]), default: .text("leafwise"),
                help: "split the best leaf first (LightGBM) or the shallowest first"),
            randomState,
        ], probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        var boosting = GradientBoostedTrees.Settings()
        boosting.iterations = settings.int("n_estimators")
        boosting.learningRate = settings.real("learning_rate")
        boosting.maxBins = settings.int("max_bin")
        boosting.subsample = settings.real("subsample")
        boosting.featureFraction = settings.real("colsample_bytree")
        boosting.earlyStoppingRounds = settings.int("early_stopping")
        boosting.validationFraction = settings.real("validation_fraction")
        boosting.tree = HistogramTreeLearner.Settings(
            leaves: settings.int("num_leaves"), maxDepth: settings.optionalInt("max_depth"),
            minDataInLeaf: settings.int("min_child_samples"), minSumHessian: settings.real("min_child_weight"),
            l2: settings.real("reg_lambda"), minSplitGain: settings.real("min_split_gain"),
            leafWise: settings.text("growth") == "leafwise")
        return .boosting(try GradientBoostedTrees.fit(data, boosting))
    }

    static let adaBoost = ModelKind(
        name: "ada", title: "AdaBoost (SAMME)",
        parameters: [
            ModelParameter(
                "n_estimators", .int(1...10_000), default: .int(50), help: "most stumps",
                search: [10, 25, 50, 100, 200].map(ParameterValue.int)),
            ModelParameter(
                "learning_rate", .real(1e-6...100), default: .real(1), help: "shrinks every stump's vote",
                search: [0.01, 0.1, 0.3, 0.5, 1, 2].map(ParameterValue.real)),
            ModelParameter(
                "max_depth", .int(1...100), default: .int(1), help: "depth of the base trees (1: stumps)",
                search: [1, 2, 3].map(ParameterValue.int)),
            randomState,
        ], probabilistic: true
    ) { settings, data in
        let data = seed(settings, data)
        return .adaBoost(
            try AdaBoost.fit(
                data, estimators: settings.int("n_estimators"), learningRate: settings.real("learning_rate"),
                maxDepth: settings.int("max_depth")))
    }

    static let svm = ModelKind(
        name: "svm", title: "Linear SVM",
        parameters: [
            ModelParameter(
                "C", .real(1e-8...1e8), default: .real(1), help: "inverse of the L2 penalty's strength",
                search: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10].map(ParameterValue.real)),
            ModelParameter(
                "max_iter", .int(1...100_000), default: .int(1000), help: "most L-BFGS iterations per class"),
        ], probabilistic: false
    ) { settings, data in
        .linear(try LinearSVM.fit(data, c: settings.real("C"), maxIterations: settings.int("max_iter")))
    }
}
