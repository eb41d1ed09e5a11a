import Foundation

/// Quadratic discriminant analysis (scikit-learn's `QuadraticDiscriminantAnalysis`): one Gaussian
/// per class with its own covariance, from the SVD of the class's centred rows, shrunk toward the
/// identity by `reg_param` (S² ← (1 − r)·S² + r).
public struct QuadraticDiscriminant: FittedClassifier {
    public let means: Matrix
    /// Per class: the right singular vectors (rank × features) and the regularized variances.
    public let rotations: [Matrix]
    public let variances: [[Double]]
    public let logPriors: [Double]

    public static func fit(_ data: TrainingData, regularization: Double) throws -> QuadraticDiscriminant {
        let d = data.x.columns
        let k = data.classCount
        let counts = data.classCounts
        var means = Matrix(rows: k, columns: d)
        var rotations: [Matrix] = []
        var variances: [[Double]] = []
        for label in 0..<k {
            let rows = data.y.indices.filter { data.y[$0] == label }
            guard rows.count >= 2 else {
                throw EngineError(
                    .invalidData, "QDA needs at least two rows of every class; class \(label) has \(rows.count)")
            }
            var centred = data.x.selecting(rows: rows)
            for c in 0..<d {
                let m = Moments.mean(centred.column(c))
                means[label, c] = m
                for r in 0..<centred.rows { centred[r, c] -= m }
            }
            let svd = try LinearAlgebra.svd(centred)
            rotations.append(svd.vt)
            variances.append(svd.s.map { (1 - regularization) * $0 * $0 / Double(rows.count - 1) + regularization })
        }
        return QuadraticDiscriminant(
            means: means, rotations: rotations, variances: variances,
            logPriors: counts.map { Foundation.log(Double($0) / Double(data.y.count)) })
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        var scores = Matrix(rows: x.rows, columns: logPriors.count)
        for label in logPriors.indices {
            var centred = x
            for r in 0..<x.rows { for c in 0..<x.columns { centred[r, c] -= means[label, c] } }
            let projected = LinearAlgebra.multiply(centred, rotations[label], transposeB: true)
            let logDeterminant = variances[label].reduce(0) { $0 + Foundation.log($1) }
            for r in 0..<x.rows {
                var distance = 0.0
                for j in 0..<projected.columns { distance += projected[r, j] * projected[r, j] / variances[label][j] }
                scores[r, label] = -0.5 * (distance + logDeterminant) + logPriors[label]
            }
        }
        return scores.softmaxRows()
    }
}
