/// SHAP values of some rows: each feature's contribution to each output, from a base value.
///
/// For every row and output: `base[output] + Σ_features values[row, feature, output]` equals
/// the model's output in `space` for that row (the additivity property, checked by
/// `additivityError`).
public struct Explanation: Sendable {
    /// What the outputs are.
    public enum Space: String, Sendable {
        /// Class probabilities (forests, and every model explained by sampling).
        case probability
        /// Raw scores before softmax (gradient boosting's log-odds margins).
        case margin
        /// Linear or vote scores before softmax (linear models, AdaBoost).
        case decision
    }

    public let features: [String]
    public let classes: [String]
    public let rows: Int
    /// rows × features × classes, row-major.
    public let values: [Double]
    public let base: [Double]
    public let space: Space
    /// How the values were computed, stated in every output.
    public let method: String
    /// The model's outputs (rows × classes) in `space`, for the additivity check.
    public let outputs: Matrix
    /// For sampled values: the standard error of each value (same layout as `values`).
    public let standardErrors: [Double]?

    public func value(row: Int, feature: Int, output: Int) -> Double {
        values[(row * features.count + feature) * classes.count + output]
    }

    /// The largest |base + Σφ − output| over rows and outputs.
    public var additivityError: Double {
        var worst = 0.0
        for r in 0..<rows {
            for k in 0..<classes.count {
                var total = base[k]
                for f in 0..<features.count { total += value(row: r, feature: f, output: k) }
                worst = max(worst, abs(total - outputs[r, k]))
            }
        }
        return worst
    }

    /// The magnitude additivity is judged against: the largest |base| + Σ|φ| of a row and output
    /// (rounding grows with the size of the terms summed).
    public var additivityScale: Double {
        var largest = 0.0
        for r in 0..<rows {
            for k in 0..<classes.count {
                var total = abs(base[k])
                for f in 0..<features.count { total += abs(value(row: r, feature: f, output: k)) }
                largest = max(largest, total)
            }
        }
        return largest
    }

    /// Whether the values add up to the outputs within `AdditivityTolerance`.
    public var isAdditive: Bool { additivityError <= AdditivityTolerance.allowed(scale: additivityScale) }

    /// Throws when the values do not add up to the outputs: the first row and output that is off,
    /// with base + Σφ, the model's output and the difference. `kind` names the model in the hint.
    public func requireAdditive(kind: String) throws {
        guard !isAdditive else { return }
        for r in 0..<rows {
            for k in 0..<classes.count {
                let total = (0..<features.count).reduce(base[k]) { $0 + value(row: r, feature: $1, output: k) }
                let output = outputs[r, k]
                guard abs(total - output) > AdditivityTolerance.allowed(scale: additivityScale) else { continue }
                throw EngineError(
                    .invalidData,
                    String(
                        format:
                            "the SHAP values do not add up: base + Σφ = %.12g but the model gives %.12g (off by %.3g)",
                        total, output, abs(total - output)),
                    hint: "this is a bug in the explainer for \(kind) (\(method)); please report it")
            }
        }
    }

    /// Mean |φ| of each feature for one output (or summed over outputs when nil).
    public func meanAbsolute(output: Int?) -> [Double] {
        (0..<features.count).map { f in
            var total = 0.0
            for r in 0..<rows {
                if let output {
                    total += abs(value(row: r, feature: f, output: output))
                } else {
                    for k in 0..<classes.count { total += abs(value(row: r, feature: f, output: k)) }
                }
            }
            return total / Double(max(rows, 1))
        }
    }

    /// The largest standard error of a sampled value (nil for exact methods).
    public var largestStandardError: Double? { standardErrors?.max() }
}

/// How far additivity may be off before `shap` reports a failure: the values add up to rounding,
/// 1e-9 relative to the size of the terms summed (the raw features reach 1e7, so linear SHAP's
/// terms can be large while the output is small).
public enum AdditivityTolerance {
    public static let relative = 1e-9

    /// The tolerance for sums of terms of magnitude `scale`.
    public static func allowed(scale: Double) -> Double { relative * max(1, scale) }
}
