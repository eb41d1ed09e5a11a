/// Principal component analysis by eigen-decomposition of the covariance matrix (LAPACK dsyevd),
/// as scikit-learn's `PCA` with its `covariance_eigh` solver.
///
/// Component signs are fixed as scikit-learn fixes them (`svd_flip`, not u-based): the entry of
/// largest magnitude in each component is positive, so results repeat across runs and libraries.
public enum PCA {
    /// How many components to keep.
    public enum Parameters: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Exactly this many.
        case components(Int)
        /// The fewest whose cumulative explained variance ratio reaches this fraction (0 < v ≤ 1).
        case variance(Double)

        public var description: String {
            switch self {
            case .components(let k): "k=\(k)"
            case .variance(let v): "var=\(Value.format(v))"
            }
        }
    }

    /// What PCA learned.
    public struct Fitted: Sendable, Equatable, Codable {
        public let mean: [Double]
        /// The kept components, one per row (k × features).
        public let components: Matrix
        /// Variance along every component (n − 1 denominator), largest first, all of them.
        public let explainedVariance: [Double]
        /// `explainedVariance` over the total variance.
        public let explainedVarianceRatio: [Double]

        public var keptComponents: Int { components.rows }

        /// The data projected on the kept components.
        public func transform(_ x: Matrix) -> Matrix {
            var centred = x
            for r in 0..<x.rows {
                for c in 0..<x.columns { centred[r, c] -= mean[c] }
            }
            return LinearAlgebra.multiply(centred, components, transposeB: true)
        }
    }

    /// - Throws: `EngineError.invalidArgument` when k exceeds the features, `.invalidData` when
    ///   there are fewer than two rows.
    public static func fit(_ x: Matrix, _ parameters: Parameters) throws -> Fitted {
        guard x.rows >= 2 else {
            throw EngineError(.invalidData, "PCA needs at least two rows; the frame has \(x.rows)")
        }
        if case .components(let k) = parameters, k > min(x.rows, x.columns) {
            throw EngineError(
                .invalidArgument, "k=\(k) asks for more components than the \(x.columns) features allow",
                hint: "choose k between 1 and \(min(x.rows, x.columns)), or var=0.999")
        }
        let d = x.columns
        let mean = (0..<d).map { Moments.mean(x.column($0)) }
        var centred = x
        for r in 0..<x.rows {
            for c in 0..<d { centred[r, c] -= mean[c] }
        }
        var covariance = LinearAlgebra.multiply(centred, centred, transposeA: true)
        for i in covariance.values.indices { covariance.values[i] /= Double(x.rows - 1) }
        let (eigenvalues, eigenvectors) = try LinearAlgebra.symmetricEigen(covariance)
        let order = Array((0..<d).reversed())
        let variance = order.map { max(eigenvalues[$0], 0) }
        let total = variance.reduce(0, +)
        let ratio = variance.map { total > 0 ? $0 / total : 0 }
        let kept: Int
        switch parameters {
        case .components(let k): kept = k
        case .variance(let fraction):
            var cumulative = 0.0
            var count = 0
            for r in ratio {
                count += 1
                cumulative += r
                if cumulative > fraction { break }
            }
            kept = count
        }
        var components = [Double]()
        for index in order.prefix(kept) {
            var vector = (0..<d).map { eigenvectors[$0, index] }
            let largest = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) }!
            if vector[largest] < 0 { vector = vector.map { -$0 } }
            components += vector
        }
        return Fitted(
            mean: mean, components: Matrix(rows: kept, columns: d, values: components),
            explainedVariance: variance, explainedVarianceRatio: ratio)
    }
}
