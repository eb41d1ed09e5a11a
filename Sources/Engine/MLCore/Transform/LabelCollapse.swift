/// Collapses one-hot columns (one 1 per row, the rest 0) into one text column naming the column
/// that holds the 1: the seven fault columns become one `Label`.
public enum LabelCollapse {
    /// How many offending rows an error lists.
    static let sampleLimit = 5

    /// The table with `columns` replaced by the label column `into` (placed last).
    ///
    /// - Throws: `EngineError.invalidData` listing the first rows with no 1 or several 1s, or a
    ///   value other than 0 and 1; `.unknownColumn`; `.invalidArgument` when `into` is taken.
    public static func apply(_ table: Table, columns names: [String], into: String) throws -> Table {
        guard names.count >= 2 else {
            throw EngineError(
                .invalidArgument, "label needs at least two one-hot columns; got \(names.count)",
                hint: "for example: label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults")
        }
        let columns = try names.map { try table.column(named: $0) }
        if !names.contains(where: { $0.lowercased() == into.lowercased() }), (try? table.index(of: into)) != nil {
            throw EngineError(
                .invalidArgument, "the table already has a column '\(into)'",
                hint: "choose another name with as NAME")
        }
        var labels = [String](repeating: "", count: table.rowCount)
        var problems: [String] = []
        var problemCount = 0
        for row in 0..<table.rowCount {
            var hot: [String] = []
            var bad: String?
            for column in columns {
                switch column.double(at: row) {
                case 1?: hot.append(column.name)
                case 0?: break
                case nil: bad = "'\(column.name)' is missing"
                case let other?: bad = "'\(column.name)' is \(Value.format(other)), not 0 or 1"
                }
            }
            if bad == nil && hot.count != 1 {
                bad = hot.isEmpty ? "no column is 1" : "several columns are 1: \(hot.joined(separator: ", "))"
            }
            if let bad {
                problemCount += 1
                if problems.count < sampleLimit { problems.append("row \(row): \(bad)") }
            } else {
                labels[row] = hot[0]
            }
        }
        if problemCount > 0 {
            throw EngineError(
                .invalidData,
                "\(problemCount) of \(table.rowCount) rows do not have exactly one 1 among \(names.joined(separator: ", "))",
                hint: "a one-hot label needs exactly one 1 per row; filter those rows first or fix the data",
                notes: problems)
        }
        let remaining = try table.removing(columns: columns.map(\.name))
        return try remaining.setting(Column(name: into, storage: .text(labels)))
    }
}
