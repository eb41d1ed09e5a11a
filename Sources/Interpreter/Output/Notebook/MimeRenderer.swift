import Engine

/// Turns the session's outcomes into notebook outputs: a command's result becomes one bundle of
/// `text/html` (tables), `text/plain` (the terminal's text) and the `--format json` document
/// (`MimeBundle.documentType`), then one `image/png` (and `image/svg+xml`) bundle per chart;
/// narration becomes `text/markdown`; a diagnostic becomes an error whose value is the caret text.
///
/// The kernel sends these as messages; the exporters write them into `.ipynb` and HTML files.
public struct MimeRenderer: Sendable {
    /// The width the `text/plain` tables fit.
    public var width: Int

    public init(width: Int = 100) { self.width = width }

    public func outputs(for outcome: Outcome) -> [NotebookOutput] {
        switch outcome {
        case .output(let output, let entry): return outputs(for: output, entry: entry)
        case .narration(let text, _):
            return [.display(MimeBundle([("text/markdown", .string(text)), ("text/plain", .string(text))]))]
        case .failure(let diagnostic, let entry): return [error(diagnostic, entry: entry)]
        case .echo: return []
        }
    }

    /// A command's result bundle (nil when it holds only pictures), then its pictures.
    public func outputs(for output: CommandOutput, entry: Entry?) -> [NotebookOutput] {
        var results: [NotebookOutput] = []
        let textual = CommandOutput(
            command: output.command, blocks: output.blocks.filter { if case .image = $0 { false } else { true } })
        if !textual.blocks.isEmpty {
            let plain = OutputRenderer(format: .table, color: false, width: width).render(textual)
            results.append(
                .display(
                    MimeBundle([
                        ("text/html", .string(HTMLRenderer().render(output))),
                        ("text/plain", .string(plain)),
                        (MimeBundle.documentType, OutputRenderer.document(output, entry: entry)),
                    ])))
        }
        for case .image(let image) in output.blocks {
            var bundle = MimeBundle()
            if let png = ImageFiles.pngBase64(image) { bundle.set("image/png", .string(png)) }
            if let svg = ImageFiles.svgText(image) { bundle.set("image/svg+xml", .string(svg)) }
            bundle.set(
                "text/plain",
                .string(
                    bundle.isImage ? "\(image.title) (\(image.png))" : "\(image.title): \(image.png) cannot be read"))
            results.append(.display(bundle))
        }
        return results
    }

    /// The error output: `ename` names the layer (`UsageError` ...), `evalue` is the plain caret
    /// diagnostic, `traceback` its lines with ANSI colour (as notebook front ends show them).
    public func error(_ diagnostic: Diagnostic, entry: Entry) -> NotebookOutput {
        let plain = DiagnosticRenderer(color: false).render(diagnostic, source: entry.text, origin: entry.origin)
        let coloured = DiagnosticRenderer(color: true).render(diagnostic, source: entry.text, origin: entry.origin)
        return .error(
            name: Self.errorName(diagnostic), value: plain,
            traceback: coloured.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    static func errorName(_ diagnostic: Diagnostic) -> String {
        if diagnostic.kind == EngineError.Kind.cancelled.rawValue { return "KeyboardInterrupt" }
        switch diagnostic.layer {
        case .syntax: return "SyntaxError"
        case .usage: return "UsageError"
        case .engine: return "EngineError"
        case .internal: return "InternalError"
        }
    }
}
