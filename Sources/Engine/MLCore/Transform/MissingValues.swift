/// Dropping and filling missing cells.
public enum MissingValues {
    /// Rows where none of `columns` (every column when empty) is missing.
    public static func dropRows(_ table: Table, columns names: [String]) throws -> Table {
        table.selecting(rows: try completeRows(table, columns: names))
    }

    /// The positions of the rows with no missing cell in `columns` (all when empty).
    public static func completeRows(_ table: Table, columns names: [String]) throws -> [Int] {
        let columns = names.isEmpty ? table.columns : try names.map { try table.column(named: $0) }
        return (0..<table.rowCount).filter { row in !columns.contains { $0.value(at: row) == .missing } }
    }

    /// How to fill missing cells.
    public enum Rule: Sendable, Equatable {
        case median, mean
        case constant(String)
    }

    /// The fill value for each column that has missing cells, learned from `table`.
    ///
    /// - Throws: `.typeMismatch` when a constant is not a number but a numeric column needs it,
    ///   or `.invalidData` when a column has no present value to take a median or mean from.
    public static func fillValues(_ table: Table, rule: Rule) throws -> [String: Value] {
        var values: [String: Value] = [:]
        for column in table.columns where column.missingCount > 0 {
            switch rule {
            case .median, .mean:
                guard column.type.isNumeric else { continue }
                let present = column.presentDoubles()
                guard !present.isEmpty else {
                    throw EngineError(
                        .invalidData,
                        "column '\(column.name)' has no values to take a \(rule == .median ? "median" : "mean") from")
                }
                let fill = rule == .median ? Quantile.linear(sorted: present.sorted(), 0.5) : Moments.mean(present)
                values[column.name] =
                    column.type == .integer && fill == fill.rounded() ? .integer(Int64(fill)) : .real(fill)
            case .constant(let text):
                if column.type == .text {
                    values[column.name] = .text(text)
                    continue
                }
                guard let number = Double(text) else {
                    throw EngineError(
                        .typeMismatch,
                        "fillna \(text): column '\(column.name)' is numeric and '\(text)' is not a number",
                        hint: "give a number, or median or mean")
                }
                values[column.name] =
                    column.type == .integer && number == number.rounded() ? .integer(Int64(number)) : .real(number)
            }
        }
        return values
    }

    /// The table with each column's missing cells replaced by its value in `values`.
    public static func fill(_ table: Table, with values: [String: Value]) throws -> Table {
        var result = table
        for (name, fill) in values {
            let column = try table.column(named: name)
            let type: ColumnType =
                column.type == .integer && fill.double.map({ $0 != $0.rounded() }) == true ? .real : column.type
            let cells = (0..<column.count).map { column.value(at: $0) == .missing ? fill : column.value(at: $0) }
            result = try result.setting(Column(name: column.name, type: type, values: cells))
        }
        return result
    }
}
