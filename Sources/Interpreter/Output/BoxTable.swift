import Engine

/// Draws a table block with Unicode box lines, numbers right-aligned, fitted to a width: long
/// cells are cut with `…`, and when the columns do not fit, the middle ones give way to a `…`
/// column and a footnote says how many are shown.
struct BoxTable {
    let width: Int
    let bold: (String) -> String
    /// The longest a cell may be, in terminal columns.
    static let cellLimit = 56

    func render(_ block: TableBlock) -> String {
        var lines: [String] = []
        if let title = block.title { lines.append(bold(ValueFormatting.printable(title))) }
        guard !block.columns.isEmpty else {
            lines.append("(no columns)")
            return lines.joined(separator: "\n")
        }
        let cells = block.rows.map { $0.map { clip(ValueFormatting.printable(ValueFormatting.display($0))) } }
        let headers = block.columns.map { clip(ValueFormatting.printable($0)) }
        let numeric = block.columns.indices.map { ValueFormatting.isNumeric(block.rows, column: $0) }
        let widths = block.columns.indices.map { index in
            cells.reduce(ValueFormatting.width(headers[index])) { max($0, ValueFormatting.width($1[index])) }
        }
        let shown = fittingColumns(widths)
        let ellipsis = "…"
        func line(_ left: String, _ middle: String, _ right: String) -> String {
            left
                + shown.map { index in String(repeating: "─", count: (index.map { widths[$0] } ?? 1) + 2) }
                .joined(separator: middle) + right
        }
        func row(_ values: [String], header: Bool) -> String {
            "│"
                + shown.map { index -> String in
                    guard let index else { return " \(ellipsis) " }
                    let text = pad(values[index], to: widths[index], right: numeric[index] && !header)
                    return " " + (header ? bold(text) : text) + " "
                }.joined(separator: "│") + "│"
        }
        lines.append(line("┌", "┬", "┐"))
        lines.append(row(headers, header: true))
        lines.append(line("├", "┼", "┤"))
        for values in cells { lines.append(row(values, header: false)) }
        lines.append(line("└", "┴", "┘"))
        var footnotes: [String] = []
        if let total = block.totalRows, total != block.rows.count {
            footnotes.append("\(block.rows.count) of \(total) rows")
        }
        if shown.contains(nil) {
            footnotes.append(
                "\(shown.count - 1) of \(block.columns.count) columns shown; --format csv or a narrower selection shows all"
            )
        }
        if !footnotes.isEmpty { lines.append("(" + footnotes.joined(separator: "; ") + ")") }
        return lines.joined(separator: "\n")
    }

    /// The columns to draw, left and right ones first; nil stands for the `…` column.
    private func fittingColumns(_ widths: [Int]) -> [Int?] {
        let total = widths.reduce(1) { $0 + $1 + 3 }
        if total <= width { return widths.indices.map { $0 } }
        var left: [Int] = []
        var right: [Int] = []
        var used = 1 + 4
        var lo = 0
        var hi = widths.count - 1
        while lo <= hi {
            let takeLeft = left.count <= right.count
            let index = takeLeft ? lo : hi
            if used + widths[index] + 3 > width { break }
            used += widths[index] + 3
            if takeLeft {
                left.append(index)
                lo += 1
            } else {
                right.insert(index, at: 0)
                hi -= 1
            }
        }
        if left.isEmpty { left = [0] }
        return left.map { $0 } + [nil] + right.map { $0 }
    }

    private func clip(_ text: String) -> String {
        guard ValueFormatting.width(text) > Self.cellLimit else { return text }
        var out = ""
        for character in text {
            if ValueFormatting.width(out + String(character)) > Self.cellLimit - 1 { break }
            out.append(character)
        }
        return out + "…"
    }

    private func pad(_ text: String, to width: Int, right: Bool) -> String {
        let padding = String(repeating: " ", count: max(0, width - ValueFormatting.width(text)))
        return right ? padding + text : text + padding
    }
}
