/// A column-oriented table held in memory: the session's current frame, a query result, or a
/// stored table version read back.
///
/// ## Topics
/// - ``Column``
/// - ``Value``
/// - ``ColumnType``
public struct Table: Sendable, Equatable {
    public private(set) var columns: [Column]
    public let rowCount: Int

    /// A table from columns of equal length.
    ///
    /// - Throws: `EngineError.invalidData` when the lengths differ or two columns share a name.
    public init(columns: [Column]) throws {
        let count = columns.first?.count ?? 0
        if let bad = columns.first(where: { $0.count != count }) {
            throw EngineError(.invalidData, "column '\(bad.name)' has \(bad.count) rows; expected \(count)")
        }
        var seen = Set<String>()
        for column in columns where !seen.insert(column.name).inserted {
            throw EngineError(.invalidData, "two columns are named '\(column.name)'")
        }
        self.columns = columns
        self.rowCount = count
    }

    /// A table with no columns and no rows.
    public static let empty = try! Table(columns: [])

    public var columnNames: [String] { columns.map(\.name) }

    /// The column with this name (exact match first, then case-insensitive when unambiguous).
    ///
    /// - Throws: `EngineError.unknownColumn` with "did you mean" suggestions.
    public func column(named name: String) throws -> Column {
        columns[try index(of: name)]
    }

    /// The position of the column with this name.
    public func index(of name: String) throws -> Int {
        if let i = columns.firstIndex(where: { $0.name == name }) { return i }
        let folded = columns.indices.filter { columns[$0].name.lowercased() == name.lowercased() }
        if folded.count == 1 { return folded[0] }
        throw EngineError.unknownColumn(name, known: columnNames)
    }

    /// One row as cells.
    public func row(_ index: Int) -> [Value] { columns.map { $0.value(at: index) } }

    /// A table with the given rows, in the given order.
    public func selecting(rows: [Int]) -> Table {
        try! Table(columns: columns.map { $0.selecting(rows: rows) })
    }

    /// A table with only the named columns, in the given order.
    public func selecting(columns names: [String]) throws -> Table {
        try Table(columns: names.map { try column(named: $0) })
    }

    /// A table with the named columns removed.
    public func removing(columns names: [String]) throws -> Table {
        let drop = Set(try names.map { try index(of: $0) })
        return try Table(columns: columns.enumerated().filter { !drop.contains($0.offset) }.map(\.element))
    }

    /// A table with `column` appended, or replacing the column of the same name in place.
    public func setting(_ column: Column) throws -> Table {
        var copy = columns
        if let i = copy.firstIndex(where: { $0.name == column.name }) { copy[i] = column } else { copy.append(column) }
        return try Table(columns: copy)
    }
}
