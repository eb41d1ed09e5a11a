import Engine
import Foundation
import StandardConnectors
import TestSupport
import Testing

@testable import Interpreter

/// Notebooks: .plsh ↔ cells, nbformat output, MIME bundles, the HTML page, recording a replay.
@Suite("Notebook")
struct NotebookTests {
    static let script = """
        ## # Title
        ## Some *narration* with `code`.

        load data.csv as fsp.faults
        # a comment stays in its cell
        tables

        sql
          select 1

          from fsp.faults;
        ## Closing words.
        head 2

        """

    @Test(".plsh → cells: narration blocks are markdown, command groups code cells, an open sql stays whole")
    func scriptCells() {
        let notebook = Notebook(script: Self.script)
        #expect(notebook.cells.count == 5)
        #expect(notebook.cells[0] == .markdown("# Title\nSome *narration* with `code`."))
        guard case .code(let first) = notebook.cells[1], case .code(let query) = notebook.cells[2],
            case .code(let last) = notebook.cells[4]
        else {
            Issue.record("unexpected cells \(notebook.cells)")
            return
        }
        #expect(first.source == "load data.csv as fsp.faults\n# a comment stays in its cell\ntables")
        #expect(first.lines == 4...6)
        #expect(query.source == "sql\n  select 1\n\n  from fsp.faults;")
        #expect(query.lines == 8...11)
        #expect(notebook.cells[3] == .markdown("Closing words."))
        #expect(last.source == "head 2" && last.lines == 13...13)
    }

    @Test(
        "the round trips: .plsh → notebook → .plsh keeps the script (blank lines normalized); .ipynb → .plsh → .ipynb is the same"
    )
    func roundTrips() throws {
        let notebook = Notebook(script: Self.script)
        let script = notebook.script()
        #expect(
            script == """
                ## # Title
                ## Some *narration* with `code`.

                load data.csv as fsp.faults
                # a comment stays in its cell
                tables

                sql
                  select 1

                  from fsp.faults;

                ## Closing words.

                head 2

                """)
        #expect(
            ScriptReader.entries(of: script).filter { if case .command = $0 { true } else { false } }.count
                == ScriptReader.entries(of: Self.script).filter { if case .command = $0 { true } else { false } }.count)
        let ipynb = notebook.ipynb()
        let back = try Notebook(ipynb: ipynb)
        #expect(back.script() == script)
        #expect(Notebook(script: back.script()).ipynb() == ipynb)
        #expect(Notebook(script: Self.script.replacingOccurrences(of: "\n", with: "\r\n")).script() == script)
    }

    @Test("nbformat 4.5: ids, the PlateShell kernelspec and language, cells in order")
    func nbformat() throws {
        let document = try JSON.parse(Notebook(script: Self.script).ipynb())
        #expect(document["nbformat"]?.intValue == 4 && document["nbformat_minor"]?.intValue == 5)
        #expect(document["metadata"]?["kernelspec"]?["name"]?.stringValue == "plateshell")
        #expect(document["metadata"]?["language_info"]?["file_extension"]?.stringValue == ".plsh")
        let cells = try #require(document["cells"]?.arrayValue)
        #expect(cells.map { $0["cell_type"]?.stringValue } == ["markdown", "code", "code", "markdown", "code"])
        #expect(Set(cells.compactMap { $0["id"]?.stringValue }).count == 5)
        #expect(cells[1]["execution_count"] == .null && cells[1]["outputs"] == .array([]))
    }

    @Test("a notebook that is not one is refused with the reason")
    func badNotebooks() {
        #expect(
            throws: EngineError(
                .invalidData, "not a notebook: the document has no 'cells' list",
                hint: "an .ipynb file (nbformat 4) was expected")
        ) {
            try Notebook(ipynb: "{\"nbformat\": 4}")
        }
        #expect(throws: EngineError.self) { try Notebook(ipynb: "{cells") }
        #expect(throws: EngineError(.invalidData, "cell 1 has no 'cell_type'")) {
            try Notebook(ipynb: "{\"cells\": [{\"source\": \"x\"}]}")
        }
        let raw = try? Notebook(ipynb: "{\"cells\": [{\"cell_type\": \"raw\", \"source\": [\"a\\n\", \"b\"]}]}")
        #expect(raw?.script() == "# a\n# b\n")
    }

    @Test("a command's result: an HTML table, its text, its JSON document; then one bundle per picture")
    func bundles() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults; label onehot=\(SessionTests.faults)")
        let counts = try #require(shell.run("counts Label").first)
        let outputs = MimeRenderer().outputs(
            for: counts, entry: Entry("counts Label", origin: .cell(number: 3, line: 1)))
        #expect(outputs.count == 2)
        guard case .display(let result) = outputs[0], case .display(let picture) = outputs[1] else {
            Issue.record("\(outputs)")
            return
        }
        let html = try #require(result["text/html"]?.stringValue)
        #expect(html.hasPrefix("<div class=\"plsh-scroll\" style=\"overflow-x: auto\"><table class=\"plsh-table\">"))
        #expect(html.contains("<table class=\"plsh-table\"><caption>Label in fsp.faults v1 + 1 step</caption>"))
        #expect(html.contains("<td>Other_Faults</td><td class=\"num\">673</td>"))
        #expect(!html.contains("█"), "the Unicode chart gives way to the picture")
        #expect(result["text/plain"]?.stringValue?.contains("│ Other_Faults │") == true)
        #expect(result[MimeBundle.documentType]?["command"]?.stringValue == "counts")
        #expect(result[MimeBundle.documentType]?["source"]?.stringValue == "In[3]:1")
        #expect(result["application/json"] == nil, "JupyterLab would show a JSON tree instead of the table")
        let png = try #require(picture["image/png"]?.stringValue.flatMap { Data(base64Encoded: $0) })
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(picture["image/svg+xml"]?.stringValue?.contains("<svg") == true)
        #expect(picture["image/svg+xml"]?.stringValue?.contains("width=\"100%\" viewBox=") == true)
        #expect(picture["text/plain"]?.stringValue?.hasPrefix("Label: count and cumulative share (") == true)
        #expect(Notebook.resultIndex(outputs) == 0)
    }

    @Test("messages are paragraphs that wrap at spaces; aligned text stays preformatted")
    func prose() {
        let sentence = "Preprocessing: scale then pca; the probabilities of each class are averaged over folds."
        #expect(
            HTMLRenderer.text(sentence + "\nSecond line.\n\nNext <paragraph>.")
                == "<div class=\"plsh-text\"><p>\(sentence)<br>Second line.</p><p>Next &lt;paragraph&gt;.</p></div>")
        #expect(HTMLRenderer.text("name   value\nk      3") == "<pre class=\"plsh-text\">name   value\nk      3</pre>")
        #expect(HTMLRenderer.text("steps:\n  scale") == "<pre class=\"plsh-text\">steps:\n  scale</pre>")
    }

    @Test("a text chart is left out of the HTML beside a table or a picture, kept when it is all there is")
    func textCharts() {
        let chart = OutputBlock.chart(.signedBars(name: "w", title: nil, labels: ["a", "b"], values: [1, -2]))
        let table = OutputBlock.table(
            TableBlock(name: "t", title: nil, columns: ["a"], rows: [[.integer(1)]], totalRows: nil))
        #expect(
            !HTMLRenderer().render(CommandOutput(command: "compare", blocks: [table, chart])).contains("plsh-chart"))
        #expect(
            HTMLRenderer().render(CommandOutput(command: "x", blocks: [chart])).contains("<pre class=\"plsh-chart\">"))
    }

    @Test("an SVG's fixed size gives way to width 100% with its viewBox, so it scales to the output area")
    func svgFits() {
        let cairo =
            "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900pt\" height=\"580pt\" viewBox=\"0 0 900 580\" version=\"1.1\">\n<rect width=\"10\" height=\"5\"/></svg>"
        #expect(
            ImageFiles.fitting(cairo)
                == "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 900 580\" version=\"1.1\">\n<rect width=\"10\" height=\"5\"/></svg>"
        )
        let noViewBox = "<svg width=\"900pt\" height=\"580pt\"></svg>"
        #expect(ImageFiles.fitting(noViewBox) == noViewBox)
    }

    @Test("narration is markdown; a failure is an error whose value is the caret diagnostic")
    func narrationAndErrors() {
        let renderer = MimeRenderer()
        #expect(
            renderer.outputs(for: .narration("## Heading", origin: .cell(number: 1, line: 1)))
                == [
                    .display(
                        MimeBundle([("text/markdown", .string("## Heading")), ("text/plain", .string("## Heading"))]))
                ])
        let shell = Harness()
        let diagnostic = try! #require(shell.failure("counts"))
        let error = renderer.outputs(
            for: .failure(diagnostic, entry: Entry("counts", origin: .cell(number: 4, line: 2))))
        guard case .error(let name, let value, let traceback)? = error.first else {
            Issue.record("\(error)")
            return
        }
        #expect(name == "UsageError")
        #expect(value.hasPrefix("In[4]:2:7: error: counts needs a <column>"))
        #expect(value.contains("\n  counts\n        ^"))
        #expect(traceback.contains { $0.contains("\u{1B}[") }, "the traceback is coloured")
        #expect(Notebook.resultIndex(error) == nil)
    }

    @Test("a cell runs narration and several commands, stops at its first error, names the cell in diagnostics")
    func cells() {
        let shell = Harness()
        shell.output.removeAll()
        let status = shell.session.runCell(
            "## Load it\nload \(realDataPath) as fsp.faults\n# comment\ncounts Lable\nhead 1", number: 7)
        #expect(status == .failed(.engine))
        #expect(shell.output.outcomes.count == 3)
        guard case .narration(let text, .cell(7, 1)) = shell.output.outcomes[0] else {
            Issue.record("\(shell.output.outcomes[0])")
            return
        }
        #expect(text == "Load it")
        let rendered = DiagnosticRenderer().render(
            shell.output.failures[0], source: "counts Lable", origin: .cell(number: 7, line: 4))
        #expect(rendered.hasPrefix("In[7]:4:8: error: unknown column 'Lable'"))
    }

    @Test("the HTML page: narration as headings, code, tables, pictures inline, nothing fetched")
    func page() throws {
        let shell = Harness()
        let recorder = NotebookRecorder(forwarding: nil)
        let session = Session(workspace: shell.session.workspace, connectors: .standard, output: recorder)
        let script = shell.directory.file(
            "n.plsh",
            "## # Notebook\n## A **bold** claim.\n\nload \(realDataPath) as fsp.faults\nlabel onehot=\(SessionTests.faults)\n\ncounts Label\nhist Steel_Plate_Thickness\n\ncounts Lable\n"
        )
        recorder.begin(script: script, text: try String(contentsOfFile: script, encoding: .utf8))
        #expect(session.runScript(at: script, keepGoing: true) == .failed(.engine))
        let cells = recorder.notebook.cells
        #expect(cells.count == 4)
        guard case .code(let first) = cells[1], case .code(let second) = cells[2], case .code(let third) = cells[3]
        else {
            Issue.record("\(cells)")
            return
        }
        #expect(first.executionCount == 1 && second.executionCount == 2 && third.executionCount == 3)
        #expect(second.outputs.filter { if case .display(let b) = $0 { b.isImage } else { false } }.count == 2)
        guard case .error(let name, _, _)? = third.outputs.last else {
            Issue.record("\(third.outputs)")
            return
        }
        #expect(name == "EngineError")
        let document = try JSON.parse(recorder.notebook.ipynb())
        let outputs = try #require(document["cells"]?.arrayValue?[2]["outputs"]?.arrayValue)
        #expect(
            outputs.map { $0["output_type"]?.stringValue } == [
                "display_data", "display_data", "execute_result", "display_data",
            ])
        #expect(outputs[2]["execution_count"]?.intValue == 2)
        let html = HTMLPage.render(recorder.notebook, title: "Notebook")
        #expect(html.contains("<h1>Notebook</h1>"))
        #expect(html.contains("<p>A <strong>bold</strong> claim.</p>"))
        #expect(html.contains("<table class=\"plsh-table\">"))
        #expect(html.components(separatedBy: "<img src=\"data:image/png;base64,").count == 3)
        #expect(html.contains("<pre class=\"error\">"))
        #expect(
            !html.contains("http://") && !html.contains("https://") && !html.contains("<script")
                && !html.contains("<link"))
    }

    @Test("markdown: headings, lists, inline code (literal), emphasis, links; HTML escaped")
    func markdown() {
        #expect(MarkdownHTML.render("# One\n## Two <x>") == "<h1>One</h1>\n<h2>Two &lt;x&gt;</h2>")
        #expect(
            MarkdownHTML.render("- a\n- *b*\n\n1. c") == "<ul><li>a</li><li><em>b</em></li></ul>\n<ol><li>c</li></ol>")
        #expect(
            MarkdownHTML.render("use `a*b*c` and **x** [s](#t)")
                == "<p>use <code>a*b*c</code> and <strong>x</strong> <a href=\"#t\">s</a></p>")
        #expect(MarkdownHTML.render("line one\nline two") == "<p>line one line two</p>")
        #expect(MarkdownHTML.render("3 * 4 * 5") == "<p>3 * 4 * 5</p>")
    }
}
