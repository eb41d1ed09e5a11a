import MLCore

/// Statistics a table store computes where the rows are (Spark's aggregate queries), so a table
/// larger than this machine's memory can be explored: `describe`, `counts`, `corr` and `hist` of
/// a stored table with no steps applied ask the store's `statistics` when it has them, and read
/// the rows only when it has not.
public protocol StoredStatistics {
    /// `describe`'s summaries of the numeric columns among `columns` (all when nil), and a note
    /// when they are computed otherwise than in memory (approximate quartiles of a large table).
    func describe(_ version: TableVersion, columns: [String]?) throws -> (summaries: [ColumnSummary], note: String?)
    /// `counts`: how often each value of `column` occurs.
    func counts(_ version: TableVersion, column: String) throws -> (column: String, counts: ValueCounts)
    /// `corr`: Pearson correlations of the numeric columns among `columns` (all when nil).
    func correlations(_ version: TableVersion, columns: [String]?) throws -> CorrelationMatrix
    /// `hist`: equal-width bins of `column`.
    func histogram(_ version: TableVersion, column: String, bins: Int) throws -> (column: String, histogram: Histogram)
}
