import Foundation

/// Writes tables as RFC 4180 CSV: a header line, then one line per row, fields quoted only when
/// they hold the separator, a quote, a line break, or surrounding spaces; missing cells empty.
///
/// Cells are written as UTF-8 bytes straight from their columns, each checked for quoting in
/// the same pass, with no list of strings made per row.
public enum CSVWriter {
    static let quote = UInt8(ascii: "\"")

    /// The CSV bytes (UTF-8) of `table`.
    public static func data(of table: Table, separator: UInt8 = UInt8(ascii: ",")) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity((table.rowCount + 1) * table.columns.count * 12)
        appendLine(table.columnNames, to: &out, separator: separator)
        for row in 0..<table.rowCount {
            for (index, column) in table.columns.enumerated() {
                if index > 0 { out.append(separator) }
                append(column.value(at: row).displayText, to: &out, separator: separator)
            }
            out.append(UInt8(ascii: "\n"))
        }
        return Data(out)
    }

    /// Writes `table` to `path` atomically.
    public static func write(_ table: Table, to path: String) throws {
        try AtomicFile.write(data(of: table), to: path)
    }

    /// One field, quoted when needed.
    public static func field(_ text: String, separator: UInt8 = UInt8(ascii: ",")) -> String {
        var out: [UInt8] = []
        append(text, to: &out, separator: separator)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendLine(_ fields: [String], to out: inout [UInt8], separator: UInt8) {
        for (index, text) in fields.enumerated() {
            if index > 0 { out.append(separator) }
            append(text, to: &out, separator: separator)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Appends `text`, quoted (inner quotes doubled) when it needs quotes.
    private static func append(_ text: String, to out: inout [UInt8], separator: UInt8) {
        var text = text
        text.withUTF8 { bytes in
            guard needsQuotes(bytes, separator: separator) else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(quote)
            for byte in bytes {
                if byte == quote { out.append(quote) }
                out.append(byte)
            }
            out.append(quote)
        }
    }

    private static func needsQuotes(_ bytes: UnsafeBufferPointer<UInt8>, separator: UInt8) -> Bool {
        let space = UInt8(ascii: " ")
        if bytes.first == space || bytes.last == space { return true }
        return bytes.contains { $0 == separator || $0 == quote || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
    }
}
