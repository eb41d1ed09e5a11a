import Engine

/// A command's output as an HTML fragment: tables as `<table>`, messages as preformatted text,
/// named values as a two-column table, and a Unicode chart as text where the output has no
/// picture of it. Pictures are left to separate image outputs, or embedded as data URIs when
/// `embedImages` is set (the self-contained page).
///
/// The classes (`plsh-table`, `plsh-fields`, `plsh-text`, `plsh-chart`, `num`) are styled by
/// `HTMLPage`; in a notebook the front end's own table style applies.
public struct HTMLRenderer: Sendable {
    public var embedImages: Bool

    public init(embedImages: Bool = false) { self.embedImages = embedImages }

    public func render(_ output: CommandOutput) -> String {
        let hasPicture = output.blocks.contains { if case .image = $0 { true } else { false } }
        let chart = TerminalChart(width: 100, color: false)
        return output.blocks.compactMap { block -> String? in
            switch block {
            case .table(let table): return self.table(table)
            case .text(let text): return "<pre class=\"plsh-text\">\(Self.escape(text))</pre>"
            case .chart(let c):
                return hasPicture ? nil : "<pre class=\"plsh-chart\">\(Self.escape(chart.render(c)))</pre>"
            case .fields(_, let fields):
                let rows = fields.map {
                    "<tr><th>\(Self.escape($0.key))</th><td>\(Self.escape(ValueFormatting.display($0.value)))</td></tr>"
                }
                return "<table class=\"plsh-fields\"><tbody>\(rows.joined())</tbody></table>"
            case .image(let image):
                guard embedImages, let png = ImageFiles.pngBase64(image) else { return nil }
                return Self.figure(png: png, title: image.title)
            }
        }.joined(separator: "\n")
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
