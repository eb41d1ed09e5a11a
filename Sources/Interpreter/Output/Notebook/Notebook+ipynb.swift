import Engine

extension Notebook {
    /// The notebook in nbformat 4.5 (cell ids; the PlateShell kernelspec and language_info in
    /// the metadata), as JSON text with a final line break.
    public func ipynb() -> String {
        let cellsJSON = cells.enumerated().map { index, cell -> JSON in
            let id: JSON = .string("cell-\(index + 1)")
            switch cell {
            case .markdown(let text):
                return .object([
                    ("cell_type", .string("markdown")), ("id", id), ("metadata", .object([])),
                    ("source", .string(text)),
                ])
            case .code(let code):
                let result = code.executionCount == nil ? nil : Self.resultIndex(code.outputs)
                let outputs = code.outputs.enumerated().map { position, output in
                    Self.json(output, executionCount: position == result ? code.executionCount : nil)
                }
                return .object([
                    ("cell_type", .string("code")),
                    ("execution_count", code.executionCount.map { .integer(Int64($0)) } ?? .null),
                    ("id", id), ("metadata", .object([])), ("outputs", .array(outputs)),
                    ("source", .string(code.source)),
                ])
            }
        }
        let document: JSON = .object([
            ("cells", .array(cellsJSON)),
            (
                "metadata",
                .object([
                    ("kernelspec", PlateShellLanguage.kernelSpec), ("language_info", PlateShellLanguage.languageInfo),
                ])
            ),
            ("nbformat", .integer(4)), ("nbformat_minor", .integer(5)),
        ])
        return document.serialized() + "\n"
    }

    /// An output in nbformat: `stream`, `display_data`, `execute_result` (with `executionCount`) or `error`.
    static func json(_ output: NotebookOutput, executionCount: Int?) -> JSON {
        switch output {
        case .stream(let name, let text):
            return .object([("output_type", .string("stream")), ("name", .string(name)), ("text", .string(text))])
        case .display(let bundle):
            if let executionCount {
                return .object([
                    ("output_type", .string("execute_result")), ("data", bundle.json), ("metadata", .object([])),
                    ("execution_count", .integer(Int64(executionCount))),
                ])
            }
            return .object([("output_type", .string("display_data")), ("data", bundle.json), ("metadata", .object([]))])
        case .error(let name, let value, let traceback):
            return .object([
                ("output_type", .string("error")), ("ename", .string(name)), ("evalue", .string(value)),
                ("traceback", .array(traceback.map(JSON.string))),
            ])
        }
    }

    /// Reads the cells of an `.ipynb` file (nbformat 4): markdown and code cells with their
    /// sources; raw cells become `#` comment lines in a code cell. Outputs are not read.
    ///
    /// - Throws: `EngineError.invalidData` when the text is not JSON, has no `cells` list, or a
    ///   cell lacks its type or source.
    public init(ipynb text: String) throws {
        let document = try JSON.parse(text)
        guard let cells = document["cells"]?.arrayValue else {
            throw EngineError(
                .invalidData, "not a notebook: the document has no 'cells' list",
                hint: "an .ipynb file (nbformat 4) was expected")
        }
        self.init(
            cells: try cells.enumerated().map { index, cell in
                guard let type = cell["cell_type"]?.stringValue else {
                    throw EngineError(.invalidData, "cell \(index + 1) has no 'cell_type'")
                }
                let source: String
                switch cell["source"] {
                case .string(let text)?: source = text
                case .array(let parts)?: source = parts.compactMap(\.stringValue).joined()
                default: throw EngineError(.invalidData, "cell \(index + 1) has no 'source' text")
                }
                switch type {
                case "markdown": return .markdown(source)
                case "code": return .code(CodeCell(source: source))
                default:
                    let commented = source.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }
                        .joined(separator: "\n")
                    return .code(CodeCell(source: commented))
                }
            })
    }
}
