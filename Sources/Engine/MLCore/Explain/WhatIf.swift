/// What-if analysis and advice for operators: re-predicting a plate with changed values, and
/// searching the process settings an operator controls for the changes that most lower (or
/// raise) a defect's predicted probability.
///
/// These are associations learned by a model from past plates, not proven causes: a change the
/// model likes is a candidate to try and verify, not a guarantee.
public enum WhatIf {
    /// The features an operator sets, by default, with why: the others measure the defect itself.
    public static let defaultActionable: [(feature: String, reason: String)] = [
        ("TypeOfSteel_A300", "the steel grade chosen for the order (process setting)"),
        ("TypeOfSteel_A400", "the steel grade chosen for the order (process setting)"),
        ("Steel_Plate_Thickness", "set by the product specification and the rolling schedule"),
        ("Length_of_Conveyer", "the line's configuration"),
    ]

    /// Why the other indicators are not actionable.
    public static let measurementReason =
        "measured on the defect's image (position, size, shape, luminosity): an outcome, not a setting"

    /// The row with `changes` applied (feature index → value).
    public static func changed(_ row: [Double], _ changes: [Int: Double]) -> [Double] {
        var copy = row
        for (feature, value) in changes { copy[feature] = value }
        return copy
    }

    /// One candidate change and the probability it gives.
    public struct Option: Sendable, Equatable {
        /// Feature index → new value.
        public let changes: [Int: Double]
        public let probability: Double
        /// The sum over changed features of |change| / the feature's standard deviation.
        public let size: Double
    }

    /// The changes of one or two actionable features, within the values observed in `frame`,
    /// that move the probability of class `target` most (down when `lower`, up otherwise); the
    /// steel-type pair (A300/A400) switches together. Best first, the best change of each set of
    /// features only (so the options differ in what they change); `limit` options.
    public static func search(
        _ pipeline: FittedPipeline, row: [Double], frame: Matrix, actionable: [Int], target: Int,
        lower: Bool, limit: Int = 5
    ) -> [Option] {
        let features = pipeline.features
        let deviations = (0..<frame.columns).map { c -> Double in
            let column = frame.column(c)
            let m = Moments.mean(column)
            return max(
                (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(column.count, 1))).squareRoot(), 1e-12)
        }
        let a300 = features.firstIndex(of: "TypeOfSteel_A300")
        let a400 = features.firstIndex(of: "TypeOfSteel_A400")
        var moves: [[Int: Double]] = []
        for feature in actionable where feature != a400 || a300 == nil || !actionable.contains(a300!) {
            if feature == a300, let a400, actionable.contains(a400) {
                moves.append([a300!: 1 - row[a300!], a400: 1 - row[a400]])
                continue
            }
            let values = Array(Set(frame.column(feature))).sorted().filter { $0 != row[feature] }
            let step = max(1, values.count / 40)
            moves += stride(from: 0, to: values.count, by: step).map { [feature: values[$0]] }
        }
        func evaluate(_ sets: [[Int: Double]]) -> [Option] {
            guard !sets.isEmpty else { return [] }
            var rows = Matrix(rows: sets.count, columns: row.count)
            for (i, changes) in sets.enumerated() {
                for (c, v) in changed(row, changes).enumerated() { rows[i, c] = v }
            }
            let probabilities = pipeline.probabilities(rows)
            return sets.enumerated().map { i, changes in
                Option(
                    changes: changes, probability: probabilities[i, target],
                    size: changes.reduce(0) { $0 + abs($1.value - row[$1.key]) / deviations[$1.key] })
            }
        }
        func better(_ a: Option, _ b: Option) -> Bool {
            if abs(a.probability - b.probability) > 1e-9 {
                return lower ? a.probability < b.probability : a.probability > b.probability
            }
            return a.size < b.size
        }
        let singles = evaluate(moves).sorted(by: better)
        let leaders = Array(singles.prefix(8))
        var pairs: [[Int: Double]] = []
        for (i, a) in leaders.enumerated() {
            for b in leaders[(i + 1)...] where Set(a.changes.keys).isDisjoint(with: b.changes.keys) {
                pairs.append(a.changes.merging(b.changes) { first, _ in first })
            }
        }
        let all = (singles + evaluate(pairs)).sorted(by: better)
        var seen = Set<Set<Int>>()
        return Array(all.filter { seen.insert(Set($0.changes.keys)).inserted }.prefix(limit))
    }
}

/// Permutation importance (scikit-learn's `permutation_importance`): how much the accuracy drops
/// when one feature's values are shuffled among the rows, averaged over repeats.
public enum PermutationImportance {
    public struct Result: Sendable {
        public let feature: String
        public let meanDrop: Double
        public let standardDeviation: Double
    }

    public static func compute(
        _ pipeline: FittedPipeline, x: Matrix, y: [Int], repeats: Int, seed: UInt64,
        cancellation: Cancellation? = nil
    ) throws -> [Result] {
        func accuracy(_ matrix: Matrix) -> Double {
            let predicted = pipeline.probabilities(matrix).argmaxRows()
            return Double(zip(predicted, y).filter { $0 == $1 }.count) / Double(y.count)
        }
        let baseline = accuracy(x)
        var random = SeededRandom(seed: seed)
        return try pipeline.features.indices.map { feature in
            try cancellation?.check()
            let drops = (0..<repeats).map { _ -> Double in
                var shuffled = x
                var order = Array(0..<x.rows)
                order.shuffle(using: &random)
                for r in 0..<x.rows { shuffled[r, feature] = x[order[r], feature] }
                return baseline - accuracy(shuffled)
            }
            let mean = drops.reduce(0, +) / Double(repeats)
            let deviation = (drops.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(repeats)).squareRoot()
            return Result(feature: pipeline.features[feature], meanDrop: mean, standardDeviation: deviation)
        }
    }
}
