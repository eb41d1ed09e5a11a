import Engine

/// What a command produced, as data: tables, messages, charts and records. Renderers turn it into
/// text for a terminal, JSON, CSV or Markdown; tests look at it directly.
public struct CommandOutput: Sendable, Equatable {
    /// The command's name (`describe`), used as the JSON document's `command`.
    public var command: String
    public var blocks: [OutputBlock] = []

    public init(command: String, blocks: [OutputBlock] = []) {
        self.command = command
        self.blocks = blocks
    }

    /// Appends a message.
    public mutating func say(_ text: String) { blocks.append(.text(text)) }

    /// Appends a table.
    public mutating func table(
        _ name: String, title: String? = nil, columns: [String], rows: [[Value]],
        totalRows: Int? = nil
    ) {
        blocks.append(.table(TableBlock(name: name, title: title, columns: columns, rows: rows, totalRows: totalRows)))
    }

    /// Appends a table block holding `table`'s rows.
    public mutating func table(_ name: String, title: String? = nil, _ table: Table, rows: [Int]? = nil) {
        let selected = rows ?? Array(0..<table.rowCount)
        blocks.append(
            .table(
                TableBlock(
                    name: name, title: title, columns: table.columnNames,
                    rows: selected.map { table.row($0) },
                    totalRows: rows == nil ? nil : table.rowCount)))
    }

    /// All tables with the given name (tests use this).
    public func tables(named name: String) -> [TableBlock] {
        blocks.compactMap { if case .table(let block) = $0, block.name == name { block } else { nil } }
    }

    /// The fields of the first `fields` block with the given name, nil when there is none (tests use this).
    public func fields(named name: String) -> [Field]? {
        for block in blocks { if case .fields(name, let fields) = block { return fields } }
        return nil
    }

    /// The text of every message block, joined by newlines.
    public var messages: String {
        blocks.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
    }
}

/// One part of a command's output.
public enum OutputBlock: Sendable, Equatable {
    case table(TableBlock)
    case text(String)
    case chart(Chart)
    /// Named values (settings, state, a record).
    case fields(name: String, [Field])
    /// A chart drawn to files, which front ends that show pictures show inline.
    case image(ImageBlock)
}

/// A chart written as PNG (and SVG) files under the workspace's `artifacts/plots/`: the notebook
/// kernel, the exporters and a terminal with inline images show it; text output names its file.
public struct ImageBlock: Sendable, Equatable {
    /// A stable name for machine-readable output (`pca`, `pareto`, `waterfall` ...).
    public var name: String
    /// What the picture shows, for text where the picture cannot be shown.
    public var title: String
    public var png: String
    public var svg: String?

    public init(name: String, title: String, png: String, svg: String? = nil) {
        self.name = name
        self.title = title
        self.png = png
        self.svg = svg
    }
}

/// A named value of a `fields` block.
public struct Field: Sendable, Equatable {
    public let key: String
    public let value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }
}

/// Rows and columns to show.
public struct TableBlock: Sendable, Equatable {
    /// A stable name for machine-readable output (`summary`, `counts`, `pairs` ...).
    public var name: String
    public var title: String?
    public var columns: [String]
    public var rows: [[Value]]
    /// The size of the whole table when `rows` show only part of it (head, tail).
    public var totalRows: Int?

    /// The cell in column `column` of row `row`.
    public func value(_ row: Int, _ column: String) -> Value? {
        columns.firstIndex(of: column).map { rows[row][$0] }
    }
}

/// A chart, drawn with Unicode blocks on a terminal and kept as its numbers in JSON.
public enum Chart: Sendable, Equatable {
    /// Horizontal bars, one per label; `notes` are shown after each bar (for example cumulative %).
    case bars(name: String, title: String?, labels: [String], values: [Double], notes: [String])
    /// Bars that may be negative, drawn left and right of a centre line (SHAP contributions).
    case signedBars(name: String, title: String?, labels: [String], values: [Double])
    /// A matrix of values in [-1, 1] (correlations), coloured blue to red.
    case heatmap(name: String, title: String?, labels: [String], values: [[Double]])
}
