/// What the explanation commands compute from SHAP values, beyond the values themselves: the rows
/// a sampled explanation covers, a feature's values in groups (for dependence), and which process
/// settings are associated with which defects (for `advise summary`).
public enum ExplanationAnalysis {
    /// The rows to explain: all of them, unless the explainer samples (permutation SHAP) and there
    /// are more than `limit`; then `limit` rows drawn with `seed`, in order.
    public static func rows(of count: Int, limit: Int, method: Explainer.Method, seed: UInt64) -> [Int] {
        var rows = Array(0..<count)
        guard method == .sampling, count > limit else { return rows }
        var random = SeededRandom(seed: seed &+ 1)
        rows.shuffle(using: &random)
        return Array(rows.prefix(limit)).sorted()
    }

    /// Rows grouped by a feature's value.
    public struct ValueGroup: Sendable, Equatable {
        /// The smallest and largest value in the group (equal for a single value).
        public let low: Double
        public let high: Double
        /// The rows (indices into the values) in the group.
        public let members: [Int]
    }

    /// Rows grouped by their value: one group per distinct value when there are at most
    /// `distinctLimit`, else up to ten ranges with decile edges (equal edges merged), in value order.
    public static func groups(of values: [Double], distinctLimit: Int = 24) -> [ValueGroup] {
        let distinct = Array(Set(values)).sorted()
        if distinct.count <= distinctLimit {
            return distinct.map { v in ValueGroup(low: v, high: v, members: values.indices.filter { values[$0] == v }) }
        }
        let sorted = values.sorted()
        let edges = Array(Set((1..<10).map { sorted[sorted.count * $0 / 10] })).sorted()
        var groups: [ValueGroup] = []
        var lower = -Double.infinity
        for upper in edges + [Double.infinity] {
            let members = values.indices.filter { values[$0] > lower && values[$0] <= upper }
            if !members.isEmpty {
                groups.append(
                    ValueGroup(
                        low: members.map { values[$0] }.min()!, high: members.map { values[$0] }.max()!,
                        members: members))
            }
            lower = upper
        }
        return groups
    }

    /// A feature's value groups (as `groups(of:)`) with the mean SHAP value of each group's rows:
    /// the table and bars of `shap dependence`.
    public static func dependence(values: [Double], contributions: [Double]) -> [(group: ValueGroup, meanSHAP: Double)]
    {
        groups(of: values).map { group in
            (group, group.members.reduce(0.0) { $0 + contributions[$1] } / Double(max(group.members.count, 1)))
        }
    }

    /// How one feature's high and low values push one class, as SHAP values say.
    public struct Association: Sendable, Equatable {
        public let feature: Int
        public let output: Int
        /// The split between low (at or below) and high values.
        public let median: Double
        public let meanLow: Double
        public let meanHigh: Double
        /// Whether the difference is large enough to mention: at least `notable` of the
        /// class's largest mean |SHAP|.
        public let isNotable: Bool
    }

    /// The share of a class's largest mean |SHAP| that a high-versus-low difference must reach
    /// for `advise summary` to mention it.
    public static let notable = 0.2

    /// For each feature in `features` and each output: the mean SHAP value of the rows above the
    /// feature's median against those at or below it (the median moved to the middle of the range
    /// when it does not split the rows). Features whose values do not split are left out.
    public static func associations(_ explanation: Explanation, rows x: Matrix, features: [Int]) -> [Association] {
        var found: [Association] = []
        let outputs = explanation.outputs.columns
        let largest = (0..<outputs).map { explanation.meanAbsolute(output: $0).max() ?? 1 }
        for feature in features {
            let values = x.column(feature)
            guard let minimum = values.min(), let maximum = values.max() else { continue }
            var median = Quantile.linear(sorted: values.sorted(), 0.5)
            if median >= maximum || median < minimum { median = (minimum + maximum) / 2 }
            let high = values.indices.filter { values[$0] > median }
            let low = values.indices.filter { values[$0] <= median }
            guard !high.isEmpty, !low.isEmpty else { continue }
            for output in 0..<outputs {
                let meanHigh =
                    high.reduce(0.0) { $0 + explanation.value(row: $1, feature: feature, output: output) }
                    / Double(high.count)
                let meanLow =
                    low.reduce(0.0) { $0 + explanation.value(row: $1, feature: feature, output: output) }
                    / Double(low.count)
                found.append(
                    Association(
                        feature: feature, output: output, median: median, meanLow: meanLow, meanHigh: meanHigh,
                        isNotable: abs(meanHigh - meanLow) >= notable * largest[output]))
            }
        }
        return found
    }
}
