import Engine

/// A notebook: markdown and code cells, the code cells with their outputs once run.
///
/// `.plsh` scripts are the source of truth: `init(script:)` makes `##` narration blocks markdown
/// cells and each run of command lines (up to a blank line or narration) a code cell;
/// `script()` writes it back. `ipynb()` writes nbformat 4.5; `init(ipynb:)` reads one.
public struct Notebook: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case markdown(String)
        case code(CodeCell)
    }

    /// Commands (and their comments) run together, with what they showed.
    public struct CodeCell: Sendable, Equatable {
        public var source: String
        public var outputs: [NotebookOutput] = []
        public var executionCount: Int?
        /// The script lines the cell came from (1-based), for matching a replay's outcomes to it.
        public var lines: ClosedRange<Int>?

        public init(
            source: String, outputs: [NotebookOutput] = [], executionCount: Int? = nil, lines: ClosedRange<Int>? = nil
        ) {
            self.source = source
            self.outputs = outputs
            self.executionCount = executionCount
            self.lines = lines
        }
    }

    public var cells: [Cell]

    public init(cells: [Cell] = []) { self.cells = cells }

    /// Which of a cell's outputs is its `execute_result`: the last command result (the bundle
    /// with the JSON document), when only its own pictures follow it; nil otherwise.
    public static func resultIndex(_ outputs: [NotebookOutput]) -> Int? {
        for index in outputs.indices.reversed() {
            guard case .display(let bundle) = outputs[index] else { return nil }
            if bundle.isResult { return index }
            if !bundle.isImage { return nil }
        }
        return nil
    }
}

// MARK: - .plsh

extension Notebook {
    /// The cells of a `.plsh` script: each `##` block a markdown cell (without its `##`), each
    /// group of command and comment lines between blank lines or narration a code cell. A
    /// command continued over lines (`\`, an open quote, an `sql` query awaiting `;`) stays in
    /// one cell even across a blank line.
    public init(script text: String) {
        var cells: [Cell] = []
        var narration: [String] = []
        var code: [String] = []
        var codeStart = 0
        var pendingEntry: String?
        func flushNarration() {
            if !narration.isEmpty { cells.append(.markdown(narration.joined(separator: "\n"))) }
            narration = []
        }
        func flushCode(endingAt line: Int) {
            if !code.isEmpty {
                cells.append(.code(CodeCell(source: code.joined(separator: "\n"), lines: codeStart...line)))
            }
            code = []
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(
            String.init)
        if lines.last == "" { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if let entry = pendingEntry {
                code.append(line)
                let joined = entry + "\n" + line
                pendingEntry = Parser.completeness(of: joined) == .incomplete ? joined : nil
                continue
            }
            let stripped = line.trimmingCharacters(in: [" ", "\t"])
            if stripped.hasPrefix("##") {
                flushCode(endingAt: number - 1)
                var body = stripped.dropFirst(2)
                if body.first == " " { body = body.dropFirst() }
                narration.append(String(body))
                continue
            }
            flushNarration()
            if stripped.isEmpty {
                flushCode(endingAt: number - 1)
                continue
            }
            if code.isEmpty { codeStart = number }
            code.append(line)
            if !stripped.hasPrefix("#"), Parser.completeness(of: line) == .incomplete { pendingEntry = line }
        }
        flushNarration()
        flushCode(endingAt: lines.count)
        self.init(cells: cells)
    }

    /// The notebook as a `.plsh` script: markdown lines behind `## `, code as it is, one blank
    /// line between cells. Outputs are not part of a script.
    public func script() -> String {
        cells.map { cell -> String in
            switch cell {
            case .markdown(let text):
                return text.split(separator: "\n", omittingEmptySubsequences: false).map {
                    $0.isEmpty ? "##" : "## " + $0
                }.joined(separator: "\n")
            case .code(let code):
                return code.source
            }
        }.joined(separator: "\n\n") + "\n"
    }
}
