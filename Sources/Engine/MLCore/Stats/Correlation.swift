/// Pearson correlations between numeric columns, each pair over the rows where both are present
/// (pandas' `DataFrame.corr()`).
public struct CorrelationMatrix: Sendable, Equatable {
    public let names: [String]
    /// `values[i][j]`: the correlation of column i with column j (NaN when either is constant).
    public let values: [[Double]]

    /// Correlations computed elsewhere (by Spark, say).
    public init(names: [String], values: [[Double]]) {
        self.names = names
        self.values = values
    }

    /// The correlations of the numeric columns among `columns` (all numeric columns when nil).
    public init(_ table: Table, columns names: [String]? = nil) throws {
        let selected = try (names ?? table.columns.filter { $0.type.isNumeric }.map(\.name)).map { name in
            let column = try table.column(named: name)
            guard column.type.isNumeric else {
                throw EngineError(.typeMismatch, "column '\(column.name)' is text; corr needs numeric columns")
            }
            return column
        }
        self.names = selected.map(\.name)
        let data = selected.map { column in (0..<column.count).map { column.double(at: $0) ?? .nan } }
        var matrix = Array(repeating: Array(repeating: Double.nan, count: selected.count), count: selected.count)
        for i in selected.indices {
            for j in i..<selected.count {
                var r = Self.pearson(data[i], data[j])
                if i == j && !r.isNaN { r = 1 }
                matrix[i][j] = r
                matrix[j][i] = r
            }
        }
        values = matrix
    }

    /// A pair of columns and their correlation.
    public struct Pair: Sendable, Equatable {
        public let first: String
        public let second: String
        public let r: Double
    }

    /// The off-diagonal pairs, strongest (largest |r|) first.
    public func strongestPairs() -> [Pair] {
        var pairs: [Pair] = []
        for i in names.indices {
            for j in (i + 1)..<names.count where !values[i][j].isNaN {
                pairs.append(Pair(first: names[i], second: names[j], r: values[i][j]))
            }
        }
        return pairs.sorted {
            abs($0.r) != abs($1.r) ? abs($0.r) > abs($1.r) : ($0.first, $0.second) < ($1.first, $1.second)
        }
    }

    /// Pearson's r over the rows where both values are present.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        var n = 0.0
        var sx = 0.0
        var sy = 0.0
        for k in x.indices where !x[k].isNaN && !y[k].isNaN {
            n += 1
            sx += x[k]
            sy += y[k]
        }
        guard n > 1 else { return .nan }
        let mx = sx / n
        let my = sy / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for k in x.indices where !x[k].isNaN && !y[k].isNaN {
            let dx = x[k] - mx
            let dy = y[k] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }
}
