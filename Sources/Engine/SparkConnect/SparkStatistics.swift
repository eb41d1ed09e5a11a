import Engine

/// `describe`, `counts`, `corr` and `hist` of a Spark table, computed by Spark in one or two
/// aggregate queries each: only the results cross the network, never the rows.
///
/// They follow pandas as the in-memory versions do: `describe`'s quartiles are Spark's exact
/// `percentile` (linear interpolation between order statistics, as pandas), its standard
/// deviation `stddev_samp`; `corr` is Spark's `corr` over the rows where both columns are
/// present; `hist` bins with the same edges and the same arithmetic as `Histogram`. A NaN in a
/// Spark double column is missing, as it is in PlateShell and pandas (Spark counts it and sorts
/// it above infinity), so every aggregate reads a column through `nanvl(…, NULL)`.
struct SparkStatistics: StoredStatistics {
    let session: SparkSession

    func describe(_ version: TableVersion, columns names: [String]?) throws -> (
        summaries: [ColumnSummary], note: String?
    ) {
        let columns = try numericColumns(version, names, command: "describe")
        guard !columns.isEmpty else { return ([], nil) }
        var aggregates = ["count(*) AS n"]
        var quartiles: [String] = []
        for (index, column) in columns.enumerated() {
            let c = Self.number(column)
            aggregates += [
                "count(\(c)) AS c\(index)_count", "avg(\(c)) AS c\(index)_mean", "stddev_samp(\(c)) AS c\(index)_std",
                "min(\(c)) AS c\(index)_min", "max(\(c)) AS c\(index)_max",
                // One percentile buffer per column, its three quartiles taken out below.
                "\(Self.quartiles(c, rows: version.rowCount)) AS c\(index)_p",
            ]
            quartiles += (1...3).map { "element_at(c\(index)_p, \($0)) AS c\(index)_q\($0)" }
        }
        let row = try singleRow(
            "SELECT * EXCEPT (\(columns.indices.map { "c\($0)_p" }.joined(separator: ", "))), "
                + "\(quartiles.joined(separator: ", ")) FROM (SELECT \(aggregates.joined(separator: ", ")) "
                + "FROM \(SparkTableNames.quoted(version.name)))")
        let total = try row.count("n")
        let note =
            version.rowCount > Self.exactQuartileRows
            ? "Quartiles of a table above \(Self.exactQuartileRows) rows are Spark's percentile_approx (rank error at most 1e-4 of the rows); the other figures are exact."
            : nil
        let summaries = try columns.enumerated().map { index, column in
            let count = try row.count("c\(index)_count")
            return ColumnSummary(
                name: column, count: count, missing: total - count, mean: row.real("c\(index)_mean"),
                std: row.real("c\(index)_std"), min: row.real("c\(index)_min"), q25: row.real("c\(index)_q1"),
                median: row.real("c\(index)_q2"), q75: row.real("c\(index)_q3"), max: row.real("c\(index)_max"))
        }
        return (summaries, note)
    }

    func counts(_ version: TableVersion, column name: String) throws -> (column: String, counts: ValueCounts) {
        let schema = try resolve(name, in: version)
        let column = schema.name
        let c = schema.type == .real ? Self.number(column) : Self.quote(column)
        let result = try session.collect(
            sql: "SELECT \(c) AS value, count(*) AS n FROM \(SparkTableNames.quoted(version.name)) GROUP BY \(c) "
                + "ORDER BY n DESC, value"
        )
        let values = result.columns[0]
        let counts = result.columns[1]
        var counted: [(value: Value, count: Int)] = []
        var missing = 0
        for row in 0..<result.rowCount {
            guard let count = counts.double(at: row).flatMap({ Int(exactly: $0) }) else {
                throw EngineError(.invalidData, "Spark answered a count that is not a whole number")
            }
            let value = values.value(at: row)
            if value == .missing { missing += count } else { counted.append((value, count)) }
        }
        return (column, ValueCounts(counted: counted, missing: missing))
    }

    func correlations(_ version: TableVersion, columns names: [String]?) throws -> CorrelationMatrix {
        let columns = try numericColumns(version, names, command: "corr")
        var aggregates: [String] = []
        for i in columns.indices {
            for j in i..<columns.count {
                aggregates.append("corr(\(Self.number(columns[i])), \(Self.number(columns[j]))) AS r\(i)_\(j)")
            }
        }
        guard !aggregates.isEmpty else { return CorrelationMatrix(names: [], values: []) }
        let row = try singleRow(
            "SELECT \(aggregates.joined(separator: ", ")) FROM \(SparkTableNames.quoted(version.name))")
        var matrix = Array(repeating: Array(repeating: Double.nan, count: columns.count), count: columns.count)
        for i in columns.indices {
            for j in i..<columns.count {
                var r = row.real("r\(i)_\(j)")
                if i == j && !r.isNaN { r = 1 }
                matrix[i][j] = r
                matrix[j][i] = r
            }
        }
        return CorrelationMatrix(names: columns, values: matrix)
    }

    func histogram(_ version: TableVersion, column name: String, bins: Int) throws
        -> (column: String, histogram: Histogram)
    {
        let schema = try resolve(name, in: version)
        guard schema.type.isNumeric else {
            throw EngineError(
                .typeMismatch, "column '\(schema.name)' is text; hist needs a numeric column",
                hint: "counts \(schema.name) shows how often each value occurs")
        }
        let c = Self.number(schema.name)
        let table = SparkTableNames.quoted(version.name)
        let range = try singleRow(
            "SELECT min(\(c)) AS low, max(\(c)) AS high, count(\(c)) AS present, count(*) AS n FROM \(table)")
        let missing = try range.count("n") - range.count("present")
        let low = range.real("low")
        let high = range.real("high")
        guard !low.isNaN, !high.isNaN else {
            throw EngineError(.invalidData, "column '\(schema.name)' has no values to bin")
        }
        let edges = Histogram.edges(low: low, high: high, bins: bins)
        let start = Self.literal(edges[0])
        let width = Self.literal((edges[bins] - edges[0]) / Double(bins))
        let bin = "least(greatest(CAST(floor((\(c) - \(start)) / \(width)) AS BIGINT), 0), \(bins - 1))"
        let result = try session.collect(
            sql: "SELECT \(bin) AS bin, count(*) AS n FROM \(table) WHERE \(c) IS NOT NULL GROUP BY 1"
        )
        var counts = [Int](repeating: 0, count: bins)
        for row in 0..<result.rowCount {
            guard let bin = result.columns[0].double(at: row).flatMap({ Int(exactly: $0) }),
                counts.indices.contains(bin),
                let count = result.columns[1].double(at: row).flatMap({ Int(exactly: $0) })
            else { throw EngineError(.invalidData, "Spark answered a histogram bin PlateShell did not ask for") }
            counts[bin] = count
        }
        return (schema.name, Histogram(edges: edges, counts: counts, missing: missing))
    }

    // MARK: - Helpers

    /// The numeric columns among `names` (all numeric columns when nil), as the table names them.
    private func numericColumns(_ version: TableVersion, _ names: [String]?, command: String) throws -> [String] {
        guard let names else { return version.schema.filter { $0.type.isNumeric }.map(\.name) }
        return try names.map { name in
            let column = try resolve(name, in: version)
            guard column.type.isNumeric else {
                throw EngineError(
                    .typeMismatch, "column '\(column.name)' is text; \(command) needs numeric columns",
                    hint: "counts \(column.name) shows its values")
            }
            return column.name
        }
    }

    /// The column `name` names (exactly, else in any case when that is unambiguous).
    private func resolve(_ name: String, in version: TableVersion) throws -> ColumnSchema {
        if let exact = version.schema.first(where: { $0.name == name }) { return exact }
        let folded = version.schema.filter { $0.name.lowercased() == name.lowercased() }
        if folded.count == 1 { return folded[0] }
        throw EngineError.unknownColumn(name, known: version.schema.map(\.name))
    }

    private func singleRow(_ sql: String) throws -> ResultRow {
        let table = try session.collect(sql: sql)
        guard table.rowCount == 1 else {
            throw EngineError(.invalidData, "Spark answered \(table.rowCount) rows to an aggregate query")
        }
        return ResultRow(table: table)
    }

    static func quote(_ column: String) -> String { "`" + column.replacingOccurrences(of: "`", with: "``") + "`" }

    /// The most rows whose quartiles are exact: Spark's exact `percentile` holds every value of a
    /// column in the driver's memory (a 20M-row table with 8 columns stopped a 4 GB driver).
    static let exactQuartileRows = 5_000_000

    /// The three quartiles of `column` as an array: exact (linear interpolation, as pandas) up to
    /// `exactQuartileRows` rows, above that Spark's `percentile_approx` at its default accuracy
    /// (a rank error of at most 1 in 10,000 of the rows; 1 in a million took minutes a column).
    static func quartiles(_ column: String, rows: Int) -> String {
        rows <= exactQuartileRows
            ? "percentile(\(column), array(0.25, 0.5, 0.75))"
            : "percentile_approx(\(column), array(0.25, 0.5, 0.75), 10000)"
    }

    /// A numeric column as a double, NaN read as missing (NULL).
    static func number(_ column: String) -> String { "nanvl(CAST(\(quote(column)) AS DOUBLE), CAST(NULL AS DOUBLE))" }

    /// A double as a Spark SQL literal that reads back to the same bits.
    static func literal(_ value: Double) -> String { "CAST('\(value.description)' AS DOUBLE)" }
}

/// The one row of an aggregate query's answer, by column name.
private struct ResultRow {
    let table: Table

    /// A statistic's value; NaN where Spark answered NULL (no values, or one for a deviation).
    func real(_ name: String) -> Double {
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else { return .nan }
        return table.columns[index].double(at: 0) ?? .nan
    }

    /// A count, which Spark always answers.
    func count(_ name: String) throws -> Int {
        guard let count = Int(exactly: real(name)) else {
            throw EngineError(.invalidData, "Spark answered no count for '\(name)'")
        }
        return count
    }
}
