/// Any fitted model, as one value: what pipelines hold, artifacts store and predictions call.
public enum FittedModel: Sendable, Equatable {
    case dummy(DummyClassifier)
    case naiveBayes(GaussianNaiveBayes)
    case neighbors(NearestNeighbors)
    case logistic(LogisticRegression)
    /// Ridge, LDA and the linear SVM.
    case linear(LinearScores)
    case quadratic(QuadraticDiscriminant)
    /// Decision tree, random forest and extra trees.
    case forest(Forest)
    case adaBoost(AdaBoost)
    case boosting(GradientBoostedTrees)

    public var classifier: any FittedClassifier {
        switch self {
        case .dummy(let m): m
        case .naiveBayes(let m): m
        case .neighbors(let m): m
        case .logistic(let m): m
        case .linear(let m): m
        case .quadratic(let m): m
        case .forest(let m): m
        case .adaBoost(let m): m
        case .boosting(let m): m
        }
    }

    public func probabilities(_ x: Matrix) -> Matrix { classifier.probabilities(x) }
}

extension FittedModel: Codable {
    private enum CodingKeys: String, CodingKey { case type, state }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "dummy": self = .dummy(try container.decode(DummyClassifier.self, forKey: .state))
        case "naive_bayes": self = .naiveBayes(try container.decode(GaussianNaiveBayes.self, forKey: .state))
        case "neighbors": self = .neighbors(try container.decode(NearestNeighbors.self, forKey: .state))
        case "logistic": self = .logistic(try container.decode(LogisticRegression.self, forKey: .state))
        case "linear": self = .linear(try container.decode(LinearScores.self, forKey: .state))
        case "quadratic": self = .quadratic(try container.decode(QuadraticDiscriminant.self, forKey: .state))
        case "forest": self = .forest(try container.decode(Forest.self, forKey: .state))
        case "adaboost": self = .adaBoost(try container.decode(AdaBoost.self, forKey: .state))
        case "boosting": self = .boosting(try container.decode(GradientBoostedTrees.self, forKey: .state))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown model type '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .dummy(let m):
            try container.encode("dummy", forKey: .type)
            try container.encode(m, forKey: .state)
        case .naiveBayes(let m):
            try container.encode("naive_bayes", forKey: .type)
            try container.encode(m, forKey: .state)
        case .neighbors(let m):
            try container.encode("neighbors", forKey: .type)
            try container.encode(m, forKey: .state)
        case .logistic(let m):
            try container.encode("logistic", forKey: .type)
            try container.encode(m, forKey: .state)
        case .linear(let m):
            try container.encode("linear", forKey: .type)
            try container.encode(m, forKey: .state)
        case .quadratic(let m):
            try container.encode("quadratic", forKey: .type)
            try container.encode(m, forKey: .state)
        case .forest(let m):
            try container.encode("forest", forKey: .type)
            try container.encode(m, forKey: .state)
        case .adaBoost(let m):
            try container.encode("adaboost", forKey: .type)
            try container.encode(m, forKey: .state)
        case .boosting(let m):
            try container.encode("boosting", forKey: .type)
            try container.encode(m, forKey: .state)
        }
    }
}
