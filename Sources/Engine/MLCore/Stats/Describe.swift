/// Summary statistics of numeric columns, as pandas' `DataFrame.describe()` computes them:
/// count of present values, mean, standard deviation with n−1, min, quartiles by linear
/// interpolation between order statistics, max; plus the count of missing cells.
public struct ColumnSummary: Sendable, Equatable {
    public let name: String
    public let count: Int
    public let missing: Int
    public let mean: Double
    public let std: Double
    public let min: Double
    public let q25: Double
    public let median: Double
    public let q75: Double
    public let max: Double

    public init(
        name: String, count: Int, missing: Int, mean: Double, std: Double, min: Double, q25: Double,
        median: Double, q75: Double, max: Double
    ) {
        self.name = name
        self.count = count
        self.missing = missing
        self.mean = mean
        self.std = std
        self.min = min
        self.q25 = q25
        self.median = median
        self.q75 = q75
        self.max = max
    }
}

public enum Describe {
    /// Summaries of the numeric columns among `columns` (all numeric columns when nil).
    ///
    /// - Throws: `EngineError.unknownColumn`, or `.typeMismatch` when a named column is text.
    public static func summarize(_ table: Table, columns names: [String]? = nil) throws -> [ColumnSummary] {
        let selected: [Column]
        if let names {
            selected = try names.map { name in
                let column = try table.column(named: name)
                guard column.type.isNumeric else {
                    throw EngineError(
                        .typeMismatch, "column '\(column.name)' is text; describe summarizes numeric columns",
                        hint: "counts \(column.name) shows its values")
                }
                return column
            }
        } else {
            selected = table.columns.filter { $0.type.isNumeric }
        }
        return selected.map(summarize)
    }

    /// The summary of one numeric column.
    public static func summarize(_ column: Column) -> ColumnSummary {
        let values = column.presentDoubles().sorted()
        let n = values.count
        let mean = Moments.mean(values)
        return ColumnSummary(
            name: column.name, count: n, missing: column.count - n, mean: mean,
            std: Moments.sampleStandardDeviation(values, mean: mean),
            min: values.first ?? .nan,
            q25: Quantile.linear(sorted: values, 0.25), median: Quantile.linear(sorted: values, 0.5),
            q75: Quantile.linear(sorted: values, 0.75), max: values.last ?? .nan)
    }
}

/// Quantiles of sorted samples.
public enum Quantile {
    /// The `q` quantile by linear interpolation between the closest ranks (NumPy's and pandas'
    /// default): position `q × (n − 1)`.
    public static func linear(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = q * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + (values[upper] - values[lower]) * fraction
    }
}

/// Means and deviations, computed in two passes for accuracy.
public enum Moments {
    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        var sum = 0.0
        for v in values { sum += v }
        let first = sum / Double(values.count)
        var correction = 0.0
        for v in values { correction += v - first }
        return first + correction / Double(values.count)
    }

    /// Standard deviation with n − 1 in the denominator (NaN below two values).
    public static func sampleStandardDeviation(_ values: [Double], mean: Double) -> Double {
        guard values.count > 1 else { return .nan }
        var squares = 0.0
        var sum = 0.0
        for v in values {
            let d = v - mean
            squares += d * d
            sum += d
        }
        let n = Double(values.count)
        return ((squares - sum * sum / n) / (n - 1)).squareRoot()
    }
}
