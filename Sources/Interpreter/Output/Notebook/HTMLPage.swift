import Engine

/// A replayed notebook as one self-contained HTML page: narration as headings and paragraphs,
/// each code cell's commands, then its tables, messages and pictures (PNG data URIs), errors in
/// red. Nothing is fetched: the style sheet is inline and there are no scripts, fonts or links to
/// other hosts, so it reads offline and prints (a cell never breaks across pages).
public enum HTMLPage {
    public static func render(_ notebook: Notebook, title: String) -> String {
        var body: [String] = []
        for cell in notebook.cells {
            switch cell {
            case .markdown(let text):
                body.append("<section class=\"narration\">\n\(MarkdownHTML.render(text))\n</section>")
            case .code(let code):
                var parts = [
                    "<pre class=\"plsh-code\"><span class=\"count\">\(code.executionCount.map { "[\($0)]" } ?? "[ ]")</span>\(HTMLRenderer.escape(code.source))</pre>"
                ]
                parts += code.outputs.map(output)
                body.append("<section class=\"cell\">\n" + parts.joined(separator: "\n") + "\n</section>")
            }
        }
        return document(title: title, body: body.joined(separator: "\n"))
    }

    /// A whole page around `body` (HTML): the head with `title` and the inline style sheet.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="PlateShell \(PlateShellVersion.current)">
        <title>\(HTMLRenderer.escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    private static func output(_ output: NotebookOutput) -> String {
        switch output {
        case .stream(let name, let text):
            return "<pre class=\"stream \(name)\">\(HTMLRenderer.escape(text))</pre>"
        case .error(_, let value, _):
            return "<pre class=\"error\">\(HTMLRenderer.escape(value))</pre>"
        case .display(let bundle):
            if let png = bundle["image/png"]?.stringValue {
                let title = bundle["text/plain"]?.stringValue ?? ""
                return HTMLRenderer.figure(png: png, title: title)
            }
            if let html = bundle["text/html"]?.stringValue { return "<div class=\"output\">\(html)</div>" }
            if let markdown = bundle["text/markdown"]?.stringValue {
                return "<div class=\"output narration\">\(MarkdownHTML.render(markdown))</div>"
            }
            return "<pre class=\"plsh-text\">\(HTMLRenderer.escape(bundle["text/plain"]?.stringValue ?? ""))</pre>"
        }
    }

    static let style = """
        body { margin: 0; background: #fafafa; color: #1f1f24; font: 15px/1.5 "DejaVu Sans", system-ui, sans-serif; }
        main { max-width: 1080px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
        h1 { font-size: 1.8em; border-bottom: 2px solid #2e6bb5; padding-bottom: 4px; }
        h2 { font-size: 1.35em; margin-top: 1.6em; color: #2e6bb5; }
        h3 { font-size: 1.15em; }
        code, pre { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 13px; }
        code { background: #f0f1f4; padding: 1px 4px; border-radius: 3px; }
        section.cell { margin: 14px 0 22px; break-inside: avoid; page-break-inside: avoid; }
        pre.plsh-code { position: relative; background: #f4f6fa; border-left: 4px solid #2e6bb5; padding: 8px 12px 8px 56px; margin: 0 0 8px; white-space: pre-wrap; }
        pre.plsh-code .count { position: absolute; left: 12px; color: #8a8f99; user-select: none; }
        pre.plsh-text, pre.plsh-chart, pre.stream { margin: 6px 0; white-space: pre-wrap; color: #33343a; }
        div.plsh-text p { margin: 6px 0; color: #33343a; }
        pre.error { margin: 6px 0; padding: 8px 12px; background: #fdf0f0; border-left: 4px solid #c33; color: #8a1f1f; white-space: pre-wrap; }
        table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
        caption { text-align: left; font-weight: bold; padding: 4px 0; }
        th, td { border-bottom: 1px solid #e2e4e8; padding: 3px 10px; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid #b8bcc4; background: #f7f8fa; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.plsh-fields th { color: #555a64; font-weight: normal; }
        .output { overflow-x: auto; }
        .plsh-note { color: #6b707a; font-size: 12px; margin: 2px 0 8px; }
        figure.plsh-figure { margin: 10px 0; }
        figure.plsh-figure img { max-width: 100%; height: auto; border: 1px solid #e2e4e8; }
        figure.plsh-figure figcaption { color: #6b707a; font-size: 12px; }
        @media print {
          body { background: #fff; }
          main { max-width: none; padding: 0; }
          pre { white-space: pre-wrap; }
          figure.plsh-figure img { max-height: 95vh; }
        }
        """
}
