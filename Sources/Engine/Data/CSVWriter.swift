import Foundation

/// Writes tables as RFC 4180 CSV: a header line, then one line per row, fields quoted only when
/// they hold the separator, a quote, a line break, or surrounding spaces; missing cells empty.
public enum CSVWriter {
    /// The CSV text of `table`.
    public static func text(of table: Table, separator: Character = ",") -> String {
        var out = table.columnNames.map { field($0, separator: separator) }.joined(separator: String(separator))
        out += "\n"
        for row in 0..<table.rowCount {
            out += table.columns.map { field($0.value(at: row).displayText, separator: separator) }
                .joined(separator: String(separator))
            out += "\n"
        }
        return out
    }

    /// Writes `table` to `path` atomically.
    public static func write(_ table: Table, to path: String) throws {
        try AtomicFile.write(Data(text(of: table).utf8), to: path)
    }

    /// One field, quoted when needed.
    public static func field(_ text: String, separator: Character = ",") -> String {
        let needsQuotes =
            text.contains(separator) || text.contains("\"") || text.contains("\n") || text.contains("\r")
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
