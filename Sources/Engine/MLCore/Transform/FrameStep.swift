/// One preparation step applied to the current frame, kept as data so that it can be shown
/// (`state`), replayed on new raw rows (a fitted pipeline), and saved with a model.
///
/// Steps that learn from the data (the top-k filter, filling with the median) are stored with
/// what they learned, so replaying them on other rows gives the same transformation.
public enum FrameStep: Sendable, Equatable, Codable {
    /// One-hot columns collapsed into one label column holding the name of the column that is 1;
    /// the one-hot columns are removed.
    case collapseLabel(columns: [String], into: String)
    /// Rows kept when the column's value is one of `values`.
    case keepValues(column: String, values: [String])
    /// Rows dropped when the column's value is one of `values`.
    case dropValues(column: String, values: [String])
    /// Rows dropped when any of the columns (all when empty) is missing.
    case dropMissing(columns: [String])
    /// Missing cells filled, per column, with the given value.
    case fillMissing(values: [String: Value], rule: String)

    /// One line for `state` and lineage.
    public var summary: String {
        switch self {
        case .collapseLabel(let columns, let into): "label \(into) from one-hot \(columns.joined(separator: ","))"
        case .keepValues(let column, let values): "keep \(column) in \(values.joined(separator: ","))"
        case .dropValues(let column, let values): "drop \(column) in \(values.joined(separator: ","))"
        case .dropMissing(let columns): columns.isEmpty ? "dropna" : "dropna \(columns.joined(separator: ","))"
        case .fillMissing(let values, let rule): "fillna \(rule) (\(values.count) columns)"
        }
    }

    /// The step applied to `table`.
    ///
    /// - Throws: `EngineError` naming the column or rows that do not fit the step.
    public func apply(to table: Table) throws -> Table {
        try apply(to: table, rows: Array(0..<table.rowCount)).table
    }

    /// The step applied to `table` whose rows came from the positions `rows` of a source table;
    /// returns the result and the source positions of its rows.
    public func apply(to table: Table, rows: [Int]) throws -> (table: Table, rows: [Int]) {
        switch self {
        case .collapseLabel(let columns, let into):
            return (try LabelCollapse.apply(table, columns: columns, into: into), rows)
        case .keepValues(let column, let values):
            let kept = try RowFilter.rows(table, column: column, values: values, keep: true)
            return (table.selecting(rows: kept), kept.map { rows[$0] })
        case .dropValues(let column, let values):
            let kept = try RowFilter.rows(table, column: column, values: values, keep: false)
            return (table.selecting(rows: kept), kept.map { rows[$0] })
        case .dropMissing(let columns):
            let kept = try MissingValues.completeRows(table, columns: columns)
            return (table.selecting(rows: kept), kept.map { rows[$0] })
        case .fillMissing(let values, _): return (try MissingValues.fill(table, with: values), rows)
        }
    }
}

extension Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .missing
        } else if let integer = try? container.decode(Int64.self) {
            self = .integer(integer)
        } else if let real = try? container.decode(Double.self) {
            self = .real(real)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let v): try container.encode(v)
        case .real(let v): try container.encode(v)
        case .text(let v): try container.encode(v)
        case .missing: try container.encodeNil()
        }
    }
}
