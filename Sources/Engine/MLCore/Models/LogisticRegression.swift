import Foundation

/// Multinomial logistic regression with an L2 penalty on the weights (scikit-learn's
/// `LogisticRegression(C=…)`: minimize C·Σ log-loss + ½‖W‖², intercepts not penalized).
///
/// Solved by L-BFGS (as scikit-learn's default solver) to a gradient of 1e-6 relative to C·n:
/// the problem is strictly convex in the weights, so both land on the same optimum.
public struct LogisticRegression: FittedClassifier {
    /// Weights, features × classes.
    public let weights: Matrix
    public let intercepts: [Double]

    public static func fit(_ data: TrainingData, c: Double, maxIterations: Int) throws -> LogisticRegression {
        let n = data.x.rows
        let d = data.x.columns
        let k = data.classCount
        var augmented = Matrix(rows: n, columns: d + 1, repeating: 1)
        for r in 0..<n { for f in 0..<d { augmented[r, f] = data.x[r, f] } }
        let theta = try LBFGS.minimize(
            from: [Double](repeating: 0, count: (d + 1) * k), tolerance: 1e-6 * c * Double(n),
            maxIterations: maxIterations, cancellation: data.cancellation
        ) { theta in
            var residuals = LinearAlgebra.multiply(augmented, Matrix(rows: d + 1, columns: k, values: theta))
                .softmaxRows()
            var loss = 0.0
            for r in 0..<n {
                loss -= c * Foundation.log(max(residuals.values[r * k + data.y[r]], 1e-300))
                residuals.values[r * k + data.y[r]] -= 1
            }
            for i in residuals.values.indices { residuals.values[i] *= c }
            var gradient = LinearAlgebra.multiply(augmented, residuals, transposeA: true).values
            for i in 0..<(d * k) {
                loss += 0.5 * theta[i] * theta[i]
                gradient[i] += theta[i]
            }
            return (loss, gradient)
        }
        var weights = Matrix(rows: d, columns: k)
        for f in 0..<d { for label in 0..<k { weights[f, label] = theta[f * k + label] } }
        return LogisticRegression(weights: weights, intercepts: (0..<k).map { theta[d * k + $0] })
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        var scores = LinearAlgebra.multiply(x, weights)
        for r in 0..<scores.rows { for c in 0..<scores.columns { scores[r, c] += intercepts[c] } }
        return scores.softmaxRows()
    }
}

/// A linear decision rule: scores `x·W + b`, one column per class. Ridge, LDA and the linear SVM
/// share it; probabilities are the scores' softmax (LDA's scores are log-posteriors, so for LDA
/// they are its posterior probabilities).
public struct LinearScores: FittedClassifier {
    /// Weights, features × classes.
    public let weights: Matrix
    public let intercepts: [Double]

    public func scores(_ x: Matrix) -> Matrix {
        var scores = LinearAlgebra.multiply(x, weights)
        for r in 0..<scores.rows { for c in 0..<scores.columns { scores[r, c] += intercepts[c] } }
        return scores
    }

    public func probabilities(_ x: Matrix) -> Matrix { scores(x).softmaxRows() }
}

/// Ridge classification (scikit-learn's `RidgeClassifier`): least squares on ±1 class targets with
/// an L2 penalty `alpha`, intercept fitted on centred data; the class with the largest score wins.
public enum RidgeClassifier {
    public static func fit(_ data: TrainingData, alpha: Double) throws -> LinearScores {
        let n = data.x.rows
        let d = data.x.columns
        let k = data.classCount
        let mean = (0..<d).map { c in Moments.mean(data.x.column(c)) }
        var centred = data.x
        for r in 0..<n { for c in 0..<d { centred[r, c] -= mean[c] } }
        var targets = Matrix(rows: n, columns: k, repeating: -1)
        for (r, label) in data.y.enumerated() { targets[r, label] = 1 }
        let targetMeans = (0..<k).map { Moments.mean(targets.column($0)) }
        for r in 0..<n { for c in 0..<k { targets[r, c] -= targetMeans[c] } }
        var gram = LinearAlgebra.multiply(centred, centred, transposeA: true)
        for i in 0..<d { gram[i, i] += alpha }
        let weights = try LinearAlgebra.solve(gram, LinearAlgebra.multiply(centred, targets, transposeA: true))
        let intercepts = (0..<k).map { c in targetMeans[c] - (0..<d).reduce(0) { $0 + mean[$1] * weights[$1, c] } }
        return LinearScores(weights: weights, intercepts: intercepts)
    }
}

/// Linear discriminant analysis with scikit-learn's `svd` solver: within-class scatter whitened by
/// an SVD (directions with singular values under `tolerance` dropped, so collinear features are
/// handled), then the class means projected; scores are the log-posteriors up to a constant.
public enum LinearDiscriminant {
    public static func fit(_ data: TrainingData, tolerance: Double) throws -> LinearScores {
        let n = data.x.rows
        let d = data.x.columns
        let k = data.classCount
        let counts = data.classCounts
        let priors = counts.map { Double($0) / Double(n) }
        var means = Matrix(rows: k, columns: d)
        for (r, label) in data.y.enumerated() { for c in 0..<d { means[label, c] += data.x[r, c] } }
        for label in 0..<k { for c in 0..<d { means[label, c] /= Double(max(counts[label], 1)) } }
        var within = data.x
        for (r, label) in data.y.enumerated() { for c in 0..<d { within[r, c] -= means[label, c] } }
        var std = (0..<d).map { c -> Double in
            let column = within.column(c)
            let m = Moments.mean(column)
            return (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n)).squareRoot()
        }
        std = std.map { $0 == 0 ? 1 : $0 }
        let factor = 1 / Double(n - k)
        for r in 0..<n { for c in 0..<d { within[r, c] = factor.squareRoot() * within[r, c] / std[c] } }
        let first = try LinearAlgebra.svd(within)
        let rank = first.s.filter { $0 > tolerance }.count
        guard rank > 0 else { throw EngineError(.invalidData, "LDA: the features do not vary within the classes") }
        var scalings = Matrix(rows: d, columns: rank)
        for c in 0..<d { for j in 0..<rank { scalings[c, j] = first.vt[j, c] / std[c] / first.s[j] } }
        let overall = (0..<d).map { c in (0..<k).reduce(0) { $0 + priors[$1] * means[$1, c] } }
        let between = k == 1 ? 1.0 : 1 / Double(k - 1)
        var centredMeans = Matrix(rows: k, columns: d)
        for label in 0..<k {
            let weight = (Double(n) * priors[label] * between).squareRoot()
            for c in 0..<d { centredMeans[label, c] = weight * (means[label, c] - overall[c]) }
        }
        let projected = LinearAlgebra.multiply(centredMeans, scalings)
        let second = try LinearAlgebra.svd(projected)
        let secondRank = second.s.filter { $0 > tolerance * (second.s.first ?? 0) }.count
        var rotation = Matrix(rows: rank, columns: secondRank)
        for i in 0..<rank { for j in 0..<secondRank { rotation[i, j] = second.vt[j, i] } }
        scalings = LinearAlgebra.multiply(scalings, rotation)
        var shifted = Matrix(rows: k, columns: d)
        for label in 0..<k { for c in 0..<d { shifted[label, c] = means[label, c] - overall[c] } }
        let coefficients = LinearAlgebra.multiply(shifted, scalings)
        var intercepts = (0..<k).map { label in
            -0.5 * (0..<secondRank).reduce(0) { $0 + coefficients[label, $1] * coefficients[label, $1] }
                + Foundation.log(priors[label])
        }
        let weights = LinearAlgebra.multiply(coefficients, scalings, transposeB: true).transposed
        for label in 0..<k { intercepts[label] -= (0..<d).reduce(0) { $0 + overall[$1] * weights[$1, label] } }
        return LinearScores(weights: weights, intercepts: intercepts)
    }
}

/// A linear support vector machine (scikit-learn's `LinearSVC`): one-vs-rest, squared hinge loss,
/// L2 penalty, the intercept learned as the weight of a constant feature 1 (penalized, as
/// liblinear does). The primal ½‖w‖² + C·Σ max(0, 1 − y·w·x)² is smooth and strictly convex, so
/// L-BFGS reaches the optimum liblinear's dual coordinate descent approaches.
public enum LinearSVM {
    public static func fit(_ data: TrainingData, c: Double, maxIterations: Int) throws -> LinearScores {
        let n = data.x.rows
        let d = data.x.columns
        let k = data.classCount
        let columns = k == 2 ? 1 : k
        var weights = Matrix(rows: d, columns: k)
        var intercepts = [Double](repeating: 0, count: k)
        for label in 0..<columns {
            let target = (0..<n).map { data.y[$0] == (k == 2 ? 1 : label) ? 1.0 : -1.0 }
            let w = try LBFGS.minimize(
                from: [Double](repeating: 0, count: d + 1), tolerance: 1e-8 * c * Double(n),
                maxIterations: maxIterations, cancellation: data.cancellation
            ) { w in
                var loss = 0.0
                var gradient = w
                for i in 0..<n {
                    let base = i * d
                    var margin = w[d]
                    for f in 0..<d { margin += w[f] * data.x.values[base + f] }
                    let slack = 1 - target[i] * margin
                    guard slack > 0 else { continue }
                    loss += c * slack * slack
                    let scale = -2 * c * slack * target[i]
                    for f in 0..<d { gradient[f] += scale * data.x.values[base + f] }
                    gradient[d] += scale
                }
                for f in 0...d { loss += 0.5 * w[f] * w[f] }
                return (loss, gradient)
            }
            for f in 0..<d { weights[f, label] = w[f] }
            intercepts[label] = w[d]
        }
        if k == 2 {
            for f in 0..<d {
                let positive = weights[f, 0]
                weights[f, 1] = positive
                weights[f, 0] = -positive
            }
            intercepts = [-intercepts[0], intercepts[0]]
        }
        return LinearScores(weights: weights, intercepts: intercepts)
    }
}
