import Foundation
import MLCore

/// The models whose probabilities are the softmax of per-class scores computed in double:
/// linear rules (logistic regression, ridge, LDA, the linear SVM, and the dummy as zero weights
/// and log-prior intercepts), Gaussian naive Bayes and QDA, each with the arithmetic of its
/// `probabilities`.
enum ScoreGraph {
    /// The probabilities [N, K] of `model` for the preprocessed rows `features` [N, width].
    static func probabilities(_ model: FittedModel, features: String, width: Int, builder: inout ONNXGraphBuilder)
        -> String
    {
        let scores: String
        switch model {
        case .dummy(let m):
            scores = linear(
                features, weights: Matrix(rows: width, columns: m.priors.count),
                intercepts: m.priors.map { Foundation.log($0) },
                builder: &builder)
        case .logistic(let m):
            scores = linear(features, weights: m.weights, intercepts: m.intercepts, builder: &builder)
        case .linear(let m): scores = linear(features, weights: m.weights, intercepts: m.intercepts, builder: &builder)
        case .naiveBayes(let m): scores = naiveBayes(features, m, builder: &builder)
        case .quadratic(let m): scores = quadratic(features, m, builder: &builder)
        case .neighbors, .forest, .adaBoost, .boosting:
            preconditionFailure("ONNXExport sends tree models to TreeEnsembleGraph and refuses knn")
        }
        return builder.apply("Softmax", [scores], attributes: [ONNXAttribute("axis", .int(1))])
    }

    /// x · W + b.
    private static func linear(_ x: String, weights: Matrix, intercepts: [Double], builder: inout ONNXGraphBuilder)
        -> String
    {
        let product = builder.apply("MatMul", [x, builder.constant("weights", weights)])
        return builder.apply("Add", [product, builder.constant("intercepts", intercepts)])
    }

    /// The joint log-likelihood per class: log prior − Σ ½·log(2π·var) − Σ (x − mean)² / (2·var),
    /// over a [N, K, F] broadcast of the rows against the class means.
    private static func naiveBayes(_ x: String, _ model: GaussianNaiveBayes, builder: inout ONNXGraphBuilder) -> String
    {
        let k = model.logPriors.count
        let d = model.means.columns
        let constants = (0..<k).map { label in
            (0..<d).reduce(model.logPriors[label]) {
                $0 - 0.5 * Foundation.log(2 * Double.pi * model.variances[label, $1])
            }
        }
        let rows = builder.apply("Unsqueeze", [x, builder.constant("axes", dims: [1], .int64s([1]))])
        let delta = builder.apply("Sub", [rows, builder.constant("nb_means", model.means)])
        let squares = builder.apply("Mul", [delta, delta])
        let twiceVariances = Matrix(rows: k, columns: d, values: model.variances.values.map { 2 * $0 })
        let terms = builder.apply("Div", [squares, builder.constant("nb_twice_variances", twiceVariances)])
        let sums = builder.apply(
            "ReduceSum", [terms, builder.constant("axes", dims: [1], .int64s([2]))],
            attributes: [ONNXAttribute("keepdims", .int(0))])
        return builder.apply("Sub", [builder.constant("nb_constants", constants), sums])
    }

    /// Per class: −½·(Σ ((x − mean)·Rᵀ)² / var + log det) + log prior, one branch per class
    /// (the classes' rotations may have different ranks), concatenated.
    private static func quadratic(_ x: String, _ model: QuadraticDiscriminant, builder: inout ONNXGraphBuilder)
        -> String
    {
        let axes = builder.constant("axes", dims: [1], .int64s([1]))
        let distances = model.logPriors.indices.map { label in
            let mean = (0..<model.means.columns).map { model.means[label, $0] }
            let centred = builder.apply("Sub", [x, builder.constant("qda_mean", mean)])
            let projected = builder.apply(
                "MatMul", [centred, builder.constant("qda_rotation", model.rotations[label].transposed)])
            let squares = builder.apply("Mul", [projected, projected])
            let scaled = builder.apply("Div", [squares, builder.constant("qda_variances", model.variances[label])])
            return builder.apply("ReduceSum", [scaled, axes], attributes: [ONNXAttribute("keepdims", .int(1))])
        }
        let all = builder.apply("Concat", distances, attributes: [ONNXAttribute("axis", .int(1))])
        let constants = model.logPriors.indices.map { label in
            -0.5 * model.variances[label].reduce(0) { $0 + Foundation.log($1) } + model.logPriors[label]
        }
        let halved = builder.apply("Mul", [all, builder.constant("minus_half", dims: [], .doubles([-0.5]))])
        return builder.apply("Add", [halved, builder.constant("qda_constants", constants)])
    }
}
