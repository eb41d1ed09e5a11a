import Foundation

/// Model-agnostic SHAP by sampling permutations (Štrumbelj & Kononenko 2014), in antithetic
/// pairs: for a permutation of the features and a background row b, the features are switched
/// from b's values to the row's one at a time, and each switch's change in the predicted
/// probabilities is that feature's contribution. Averaged over permutations the values are
/// unbiased estimates of the interventional Shapley values. Every row is explained against the
/// same background rows (one per pair, drawn once), so the base value is shared and the values
/// add up exactly to f(row) − base; each value comes with its standard error. Row r's permutations
/// come from the seed's generator derived for r, so one seed gives the same values on any number
/// of threads.
public enum PermutationSHAP {
    public static func explain(_ pipeline: FittedPipeline, rows x: Matrix, options: Explainer.Options) throws
        -> Explanation
    {
        let d = x.columns
        let k = pipeline.classes.count
        let pairs = max(1, options.permutations / 2)
        let permutations = pairs * 2
        let background = options.background
        precondition(background.rows > 0, "permutation SHAP needs background rows")
        var draw = SeededRandom(seed: options.seed)
        let chosen = (0..<pairs).map { _ in Int(draw.next() % UInt64(background.rows)) }
        let chosenOutputs = pipeline.probabilities(background.selecting(rows: chosen))
        let base = (0..<k).map { c in (0..<pairs).reduce(0.0) { $0 + chosenOutputs[$1, c] } / Double(pairs) }
        var values = [Double](repeating: 0, count: x.rows * d * k)
        var errors = values
        let parts = max(1, min(options.threads, x.rows))
        values.withDisjointSlots { values in
            errors.withDisjointSlots { errors in
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for r in stride(from: part, to: x.rows, by: parts) {
                        if options.cancellation?.isRequested == true { return }
                        // Each row draws its permutations from its own stream: the values do not
                        // depend on how rows are shared out among threads.
                        var random = SeededRandom(seed: options.seed).derived(r)
                        var order = Array(0..<d)
                        var sums = [Double](repeating: 0, count: d * k)
                        var sumSquares = sums
                        for pair in 0..<pairs {
                            order.shuffle(using: &random)
                            let b = chosen[pair]
                            for reversed in [false, true] {
                                let sequence = reversed ? order.reversed() : order
                                var path = Matrix(rows: d + 1, columns: d)
                                var current = background.row(b)
                                for c in 0..<d { path[0, c] = current[c] }
                                for (step, feature) in sequence.enumerated() {
                                    current[feature] = x[r, feature]
                                    for c in 0..<d { path[step + 1, c] = current[c] }
                                }
                                let outputs = pipeline.probabilities(path)
                                for (step, feature) in sequence.enumerated() {
                                    for c in 0..<k {
                                        let delta = outputs[step + 1, c] - outputs[step, c]
                                        sums[feature * k + c] += delta
                                        sumSquares[feature * k + c] += delta * delta
                                    }
                                }
                            }
                        }
                        for i in 0..<(d * k) {
                            let mean = sums[i] / Double(permutations)
                            values[r * d * k + i] = mean
                            let variance = max(0, sumSquares[i] / Double(permutations) - mean * mean)
                            errors[r * d * k + i] = (variance / Double(permutations)).squareRoot()
                        }
                    }
                }
            }
        }
        try options.cancellation?.check()
        return Explanation(
            features: pipeline.features, classes: pipeline.classes, rows: x.rows, values: values, base: base,
            space: .probability,
            method:
                "\(Explainer.Method.sampling.description): \(permutations) permutations per row against \(pairs) background rows",
            outputs: pipeline.probabilities(x), standardErrors: errors)
    }
}
