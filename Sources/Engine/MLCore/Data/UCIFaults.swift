import Foundation

/// The UCI "Steel Plates Faults" archive and its checks: the archive ships the rows as
/// whitespace-separated numbers without a header (`Faults.NNA`) and the 34 column names one per
/// line (`Faults27x7_var`); PlateShell works from the CSV with a header that this converts to.
public enum UCIFaults {
    /// The seven one-hot fault columns, in the data set's order.
    public static let faultColumns = [
        "Pastry", "Z_Scratch", "K_Scatch", "Stains", "Dirtiness", "Bumps", "Other_Faults",
    ]
    /// Rows of the real data set.
    public static let rowCount = 1941
    /// Columns of the real data set: 27 indicators and 7 faults.
    public static let columnCount = 34
    /// Plates per fault in the real data set.
    public static let faultCounts = [
        "Other_Faults": 673, "Bumps": 402, "K_Scatch": 391, "Z_Scratch": 190,
        "Pastry": 158, "Stains": 72, "Dirtiness": 55,
    ]

    /// CSV text (header, then one line per row) from the archive's two files.
    ///
    /// - Throws: `EngineError.csv` naming the file and line when a row's field count differs from the
    ///   number of names, or a field is not a number.
    public static func convert(
        rows: String, names: String, rowsPath: String = "Faults.NNA",
        namesPath: String = "Faults27x7_var"
    ) throws -> String {
        let header = names.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !header.isEmpty else { throw EngineError(.csv, "\(namesPath) names no columns") }
        var lines = [header.joined(separator: ",")]
        for (index, line) in rows.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == header.count else {
                throw EngineError(
                    .csv, "\(rowsPath):\(index + 1): \(fields.count) fields; \(namesPath) names \(header.count) columns"
                )
            }
            if let bad = fields.firstIndex(where: { Double($0) == nil }) {
                throw EngineError(
                    .csv,
                    "\(rowsPath):\(index + 1): field \(bad + 1) ('\(header[bad])') is '\(fields[bad])', not a number")
            }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Checks that `table` is the real data set: its shape and its count of plates per fault.
    ///
    /// - Throws: `EngineError.invalidData` listing every difference.
    public static func check(_ table: Table) throws {
        var problems: [String] = []
        if table.rowCount != rowCount { problems.append("\(table.rowCount) rows; expected \(rowCount)") }
        if table.columns.count != columnCount {
            problems.append("\(table.columns.count) columns; expected \(columnCount)")
        }
        for fault in faultColumns {
            guard let column = try? table.column(named: fault) else {
                problems.append("no column \(fault)")
                continue
            }
            let count = (0..<column.count).filter { column.double(at: $0) == 1 }.count
            if count != faultCounts[fault] {
                problems.append("\(fault): \(count) plates; expected \(faultCounts[fault]!)")
            }
        }
        if !problems.isEmpty {
            throw EngineError(.invalidData, "this is not the Steel Plates Faults data set as expected", notes: problems)
        }
    }
}
