import Engine

/// The output formats of `--format` and the `format` command.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Box-drawn tables, messages and charts for people.
    case table
    /// One JSON document per command result, on one line: stable, for scripts and tests.
    case json
    /// Tables as RFC 4180 CSV; messages as `#` comment lines.
    case csv
    /// GitHub-flavoured Markdown: a replayed script reads like a notebook.
    case markdown
}

/// Turns outcomes into the text for standard output and standard error, in one format.
///
/// Results go to standard output; diagnostics to standard error (in JSON, a JSON error document
/// also goes to standard output, so a reader of the stream sees every command).
public struct OutputRenderer: Sendable {
    public var format: OutputFormat
    public var color: Bool
    /// The terminal width that tables and charts fit.
    public var width: Int

    public init(format: OutputFormat = .table, color: Bool = false, width: Int = 120) {
        self.format = format
        self.color = color
        self.width = width
    }

    /// Rendered text: what goes to standard output and to standard error (each may be empty,
    /// otherwise ends with a newline).
    public struct Rendered: Sendable, Equatable {
        public var standardOutput = ""
        public var standardError = ""
    }

    public func render(_ outcome: Outcome) -> Rendered {
        var rendered = Rendered()
        switch outcome {
        case .output(let output, let entry):
            rendered.standardOutput = terminated(render(output, entry: entry))
        case .failure(let diagnostic, let entry):
            rendered.standardError = terminated(
                DiagnosticRenderer(color: color).render(diagnostic, source: entry.text, origin: entry.origin))
            if format == .json { rendered.standardOutput = terminated(errorDocument(diagnostic, entry: entry)) }
        case .narration(let text, _):
            switch format {
            case .json, .csv: break
            case .markdown: rendered.standardOutput = text + "\n\n"
            case .table:
                rendered.standardOutput = terminated(
                    text.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { paint("│ ", "2") + $0 }.joined(separator: "\n"))
            }
        case .echo(let entry):
            switch format {
            case .json, .csv: break
            case .markdown: rendered.standardOutput = "```plsh\n\(entry.text)\n```\n\n"
            case .table:
                let label = entry.origin.label.map { "[\($0)] " } ?? ""
                rendered.standardOutput = "\n" + paint("\(label)plate> ", "2") + paint(entry.text, "1") + "\n"
            }
        }
        return rendered
    }

    /// One command's output in the current format.
    public func render(_ output: CommandOutput, entry: Entry? = nil) -> String {
        switch format {
        case .json: return document(output, entry: entry)
        case .csv: return csv(output)
        case .markdown: return markdown(output)
        case .table: return text(output)
        }
    }

    // MARK: - Formats

    private func text(_ output: CommandOutput) -> String {
        let box = BoxTable(width: width, bold: { paint($0, "1") })
        let chart = TerminalChart(width: width, color: color)
        return output.blocks.compactMap { block -> String? in
            switch block {
            case .image: return nil
            case .table(let table): return box.render(table)
            case .text(let text): return ValueFormatting.printable(text).replacingOccurrences(of: "↵", with: "\n")
            case .chart(let c): return chart.render(c)
            case .fields(_, let fields):
                let keyWidth = fields.map { $0.key.count }.max() ?? 0
                return fields.map { field in
                    paint(field.key.padding(keyWidth), "1") + "  "
                        + ValueFormatting.printable(ValueFormatting.display(field.value))
                }.joined(separator: "\n")
            }
        }.joined(separator: "\n")
    }

    private func csv(_ output: CommandOutput) -> String {
        output.blocks.map { block -> String in
            switch block {
            case .table(let table):
                return
                    ([table.columns.map { CSVWriter.field($0) }.joined(separator: ",")]
                    + table.rows.map { $0.map { CSVWriter.field($0.displayText) }.joined(separator: ",") })
                    .joined(separator: "\n")
            case .text(let text):
                return text.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(
                    separator: "\n")
            case .chart, .image: return ""
            case .fields(_, let fields):
                return
                    (["key,value"]
                    + fields.map { CSVWriter.field($0.key) + "," + CSVWriter.field($0.value.displayText) })
                    .joined(separator: "\n")
            }
        }.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    private func markdown(_ output: CommandOutput) -> String {
        let plain = TerminalChart(width: width, color: false)
        return output.blocks.map { block -> String in
            switch block {
            case .table(let table):
                func cell(_ text: String) -> String {
                    ValueFormatting.printable(text).replacingOccurrences(of: "|", with: "\\|")
                }
                let numeric = table.columns.indices.map { ValueFormatting.isNumeric(table.rows, column: $0) }
                var lines = table.title.map { ["**\(cell($0))**", ""] } ?? []
                lines.append("| " + table.columns.map(cell).joined(separator: " | ") + " |")
                lines.append("|" + numeric.map { $0 ? "---:" : "---" }.joined(separator: "|") + "|")
                lines += table.rows.map {
                    "| " + $0.map { cell(ValueFormatting.display($0)) }.joined(separator: " | ") + " |"
                }
                if let total = table.totalRows, total != table.rows.count {
                    lines += ["", "_\(table.rows.count) of \(total) rows_"]
                }
                return lines.joined(separator: "\n")
            case .text(let text): return text
            case .chart(let c): return "```text\n" + plain.render(c) + "\n```"
            case .image(let image): return "![\(image.title.replacingOccurrences(of: "]", with: ")"))](\(image.png))"
            case .fields(_, let fields):
                return fields.map { "- **\($0.key)**: \(ValueFormatting.display($0.value))" }.joined(separator: "\n")
            }
        }.joined(separator: "\n\n") + "\n"
    }

    /// `{"command":…,"ok":true,"source":…,"blocks":[…]}` on one line.
    private func document(_ output: CommandOutput, entry: Entry?) -> String {
        Self.document(output, entry: entry).serialized()
    }

    /// The `--format json` document of one command's output.
    static func document(_ output: CommandOutput, entry: Entry?) -> JSON {
        var pairs: [(String, JSON)] = [("command", .string(output.command)), ("ok", .bool(true))]
        if let label = entry?.origin.label { pairs.append(("source", .string(label))) }
        pairs.append(("blocks", .array(output.blocks.map(Self.json))))
        return .object(pairs)
    }

    private func errorDocument(_ diagnostic: Diagnostic, entry: Entry) -> String {
        var error: [(String, JSON)] = [
            ("layer", .string(diagnostic.layer.rawValue)), ("message", .string(diagnostic.message)),
        ]
        if let kind = diagnostic.kind { error.append(("kind", .string(kind))) }
        if let range = diagnostic.range {
            error.append(("range", .array([.integer(Int64(range.lowerBound)), .integer(Int64(range.upperBound))])))
        }
        if let hint = diagnostic.hint { error.append(("hint", .string(hint))) }
        if !diagnostic.suggestions.isEmpty {
            error.append(("suggestions", .array(diagnostic.suggestions.map(JSON.string))))
        }
        if !diagnostic.notes.isEmpty { error.append(("notes", .array(diagnostic.notes.map(JSON.string)))) }
        var pairs: [(String, JSON)] = [("command", .string(Self.verb(of: entry.text))), ("ok", .bool(false))]
        if let label = entry.origin.label { pairs.append(("source", .string(label))) }
        pairs.append(("error", .object(error)))
        return JSON.object(pairs).serialized()
    }

    static func json(_ block: OutputBlock) -> JSON {
        switch block {
        case .table(let table):
            var pairs: [(String, JSON)] = [("type", .string("table")), ("name", .string(table.name))]
            if let title = table.title { pairs.append(("title", .string(title))) }
            pairs.append(("columns", .array(table.columns.map(JSON.string))))
            pairs.append(("rows", .array(table.rows.map { .array($0.map(JSON.init)) })))
            if let total = table.totalRows { pairs.append(("total_rows", .integer(Int64(total)))) }
            return .object(pairs)
        case .text(let text):
            return .object([("type", .string("text")), ("text", .string(text))])
        case .chart(.bars(let name, let title, let labels, let values, let notes)):
            var pairs: [(String, JSON)] = [("type", .string("bars")), ("name", .string(name))]
            if let title { pairs.append(("title", .string(title))) }
            pairs.append(("labels", .array(labels.map(JSON.string))))
            pairs.append(("values", .array(values.map { JSON(.real($0)) })))
            if !notes.isEmpty { pairs.append(("notes", .array(notes.map(JSON.string)))) }
            return .object(pairs)
        case .chart(.signedBars(let name, let title, let labels, let values)):
            var pairs: [(String, JSON)] = [("type", .string("signed_bars")), ("name", .string(name))]
            if let title { pairs.append(("title", .string(title))) }
            pairs.append(("labels", .array(labels.map(JSON.string))))
            pairs.append(("values", .array(values.map { JSON(.real($0)) })))
            return .object(pairs)
        case .chart(.heatmap(let name, let title, let labels, let values)):
            var pairs: [(String, JSON)] = [("type", .string("heatmap")), ("name", .string(name))]
            if let title { pairs.append(("title", .string(title))) }
            pairs.append(("labels", .array(labels.map(JSON.string))))
            pairs.append(("values", .array(values.map { .array($0.map { JSON(.real($0)) }) })))
            return .object(pairs)
        case .image(let image):
            var pairs: [(String, JSON)] = [
                ("type", .string("image")), ("name", .string(image.name)),
                ("title", .string(image.title)), ("png", .string(image.png)),
            ]
            if let svg = image.svg { pairs.append(("svg", .string(svg))) }
            return .object(pairs)
        case .fields(let name, let fields):
            return .object([
                ("type", .string("fields")), ("name", .string(name)),
                ("fields", .object(fields.map { ($0.key, JSON($0.value)) })),
            ])
        }
    }

    static func verb(of text: String) -> String {
        String(text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).first ?? "")
    }

    private func terminated(_ text: String) -> String {
        text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - ValueFormatting.width(self)))
    }
}
