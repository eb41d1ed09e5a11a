/// Standard scaling: each feature minus its mean, divided by its population standard deviation
/// (scikit-learn's `StandardScaler`; a constant feature is only centred).
public enum StandardScaler {
    /// What the scaler learned: each feature's mean and scale.
    public struct Fitted: Sendable, Equatable, Codable {
        public let mean: [Double]
        public let scale: [Double]

        /// The scaled matrix.
        public func transform(_ x: Matrix) -> Matrix {
            var out = x
            for r in 0..<x.rows {
                for c in 0..<x.columns { out[r, c] = (x[r, c] - mean[c]) / scale[c] }
            }
            return out
        }
    }

    public static func fit(_ x: Matrix) -> Fitted {
        var mean = [Double](repeating: 0, count: x.columns)
        var scale = [Double](repeating: 0, count: x.columns)
        for c in 0..<x.columns {
            let column = x.column(c)
            let m = Moments.mean(column)
            var squares = 0.0
            for v in column { squares += (v - m) * (v - m) }
            let std = (squares / Double(max(x.rows, 1))).squareRoot()
            mean[c] = m
            scale[c] = std < 10 * Double.ulpOfOne * max(abs(m), 1) ? 1 : std
        }
        return Fitted(mean: mean, scale: scale)
    }
}
