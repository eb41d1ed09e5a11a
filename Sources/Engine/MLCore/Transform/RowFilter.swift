/// Keeps or drops rows by the value of one column.
public enum RowFilter {
    /// Rows whose `column` value (as text) is among `values` (kept) or not among them (dropped).
    ///
    /// - Throws: `.unknownColumn`, or `.unknownValue` for a listed value the column never takes
    ///   (with "did you mean" among the values it does take).
    public static func apply(_ table: Table, column name: String, values: [String], keep: Bool) throws -> Table {
        table.selecting(rows: try rows(table, column: name, values: values, keep: keep))
    }

    /// The positions of the rows `apply` keeps.
    public static func rows(_ table: Table, column name: String, values: [String], keep: Bool) throws -> [Int] {
        let column = try table.column(named: name)
        let present = Set((0..<column.count).map { column.value(at: $0).displayText })
        for value in values where !present.contains(value) {
            throw EngineError(
                .unknownValue, "column '\(column.name)' has no value '\(value)'",
                hint: "'counts \(column.name)' lists its values",
                suggestions: Suggestions.closest(to: value, among: present.sorted()))
        }
        let wanted = Set(values)
        return (0..<table.rowCount).filter { wanted.contains(column.value(at: $0).displayText) == keep }
    }

    /// The `k` most frequent values of `column`, leaving out `excluded` values: the step that
    /// keeps the notebook's three most common identifiable defects.
    public static func topValues(_ table: Table, column name: String, k: Int, excluding excluded: [String]) throws
        -> [String]
    {
        let column = try table.column(named: name)
        let counts = ValueCounts(column)
        let known = counts.entries.map { $0.value.displayText }
        for value in excluded where !known.contains(value) {
            throw EngineError(
                .unknownValue, "column '\(column.name)' has no value '\(value)' to exclude",
                suggestions: Suggestions.closest(to: value, among: known))
        }
        let candidates = known.filter { !excluded.contains($0) }
        guard candidates.count >= k else {
            throw EngineError(
                .invalidArgument,
                "column '\(column.name)' has only \(candidates.count) values to keep; top=\(k) asks for more",
                hint: "choose top=\(max(1, candidates.count)) or fewer")
        }
        return Array(candidates.prefix(k))
    }
}
