import Engine
import Foundation

/// A command's output as an HTML fragment: tables as `<table>`, messages as paragraphs that wrap
/// at spaces (preformatted only where spacing is the layout: indented or aligned lines), named
/// values as a two-column table, and a Unicode chart as text only where the output has neither
/// a picture nor a table (the chart draws the table's numbers; a notebook shows the table and
/// `plot`'s picture, not a terminal's bars). Pictures are left to separate image outputs, or
/// embedded as data URIs when `embedImages` is set (the self-contained page).
///
/// The classes (`plsh-table`, `plsh-fields`, `plsh-text`, `plsh-chart`, `num`) are styled by
/// `HTMLPage`; in a notebook the front end's own table style applies.
public struct HTMLRenderer: Sendable {
    public var embedImages: Bool

    public init(embedImages: Bool = false) { self.embedImages = embedImages }

    public func render(_ output: CommandOutput) -> String {
        let showsCharts = !output.blocks.contains {
            switch $0 {
            case .image, .table: true
            default: false
            }
        }
        let chart = TerminalChart(width: 100, color: false)
        return output.blocks.compactMap { block -> String? in
            switch block {
            case .table(let table): return Self.scrolling(self.table(table))
            case .text(let text): return Self.text(text)
            case .chart(let c):
                return showsCharts ? "<pre class=\"plsh-chart\">\(Self.escape(chart.render(c)))</pre>" : nil
            case .fields(_, let fields):
                let rows = fields.map {
                    "<tr><th>\(Self.escape($0.key))</th><td>\(Self.escape(ValueFormatting.display($0.value)))</td></tr>"
                }
                return Self.scrolling("<table class=\"plsh-fields\"><tbody>\(rows.joined())</tbody></table>")
            case .image(let image):
                guard embedImages, let png = ImageFiles.pngBase64(image) else { return nil }
                return Self.figure(png: png, title: image.title)
            }
        }.joined(separator: "\n")
    }

    /// A table in a box of its own that scrolls sideways when the table is wider than the
    /// output area (34 columns of `head`, a long run URI): the table stays a table, and the
    /// notebook's output area itself never scrolls.
    static func scrolling(_ table: String) -> String {
        "<div class=\"plsh-scroll\" style=\"overflow-x: auto\">\(table)</div>"
    }

    /// A message: `<p>` paragraphs (blank lines part them, single line breaks are kept), which
    /// wrap at spaces; `<pre>` when its spacing is its layout (a line starts with a space or
    /// holds a run of spaces: aligned columns, indented listings).
    static func text(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.contains(where: { $0.first == " " || $0.first == "\t" || $0.contains("  ") }) {
            return "<pre class=\"plsh-text\">\(escape(text))</pre>"
        }
        let paragraphs = text.components(separatedBy: "\n\n").map {
            $0.trimmingCharacters(in: .newlines).split(separator: "\n").map { escape(String($0)) }
                .joined(separator: "<br>")
        }.filter { !$0.isEmpty }
        return "<div class=\"plsh-text\">" + paragraphs.map { "<p>\($0)</p>" }.joined() + "</div>"
    }

    /// An `<img>` with the PNG inline and the title as its caption.
    static func figure(png: String, title: String) -> String {
        "<figure class=\"plsh-figure\"><img src=\"data:image/png;base64,\(png)\" alt=\"\(escape(title))\"><figcaption>\(escape(title))</figcaption></figure>"
    }

    private func table(_ block: TableBlock) -> String {
        let numeric = block.columns.indices.map { ValueFormatting.isNumeric(block.rows, column: $0) }
        var html = "<table class=\"plsh-table\">"
        if let title = block.title { html += "<caption>\(Self.escape(title))</caption>" }
        html +=
            "<thead><tr>"
            + block.columns.enumerated().map { index, name in
                "<th\(numeric[index] ? " class=\"num\"" : "")>\(Self.escape(name))</th>"
            }.joined() + "</tr></thead><tbody>"
        for row in block.rows {
            html +=
                "<tr>"
                + row.enumerated().map { index, value in
                    "<td\(numeric[index] ? " class=\"num\"" : "")>\(Self.escape(ValueFormatting.display(value)))</td>"
                }.joined() + "</tr>"
        }
        html += "</tbody></table>"
        if let total = block.totalRows, total != block.rows.count {
            html += "<p class=\"plsh-note\">\(block.rows.count) of \(total) rows</p>"
        }
        return html
    }

    /// Text made safe inside HTML elements and attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
