import Engine
import Interpreter
import Testing

@testable import PlateShell

/// The replies computed from a request alone: completion (with code-point cursors), inspection,
/// completeness, history.
@Suite("Kernel: complete, inspect, is_complete, history")
struct KernelRepliesTests {
    let completer = Completer(
        tables: ["fsp.faults", "fsp.top3"], columns: ["Pixels_Areas", "Steel_Plate_Thickness"], directory: "/")

    @Test("cursor positions are Unicode code points, on the cursor's line of a multi-line cell")
    func completionCursor() {
        let code = "## Épaisseur — « plaque »\ndescribe Pix"
        let cursor = code.unicodeScalars.count
        let reply = KernelReplies.complete(code: code, cursor: cursor, completer: completer)
        #expect(reply["matches"] == .array([.string("Pixels_Areas")]))
        let lineStart = "## Épaisseur — « plaque »\n".unicodeScalars.count
        #expect(reply["cursor_start"]?.intValue == lineStart + "describe ".count)
        #expect(reply["cursor_end"]?.intValue == cursor)
        let types = reply["metadata"]?["_jupyter_types_experimental"]?.arrayValue
        #expect(types?.first?["type"]?.stringValue == "column")
    }

    @Test("a command name completes at the start of a line, mid-cell, cursor before the end")
    func commandNames() {
        let code = "use fsp.faults\ndesc\nhead 3"
        let cursor = "use fsp.faults\ndesc".unicodeScalars.count
        let reply = KernelReplies.complete(code: code, cursor: cursor, completer: completer)
        #expect(reply["matches"] == .array([.string("describe")]))
        #expect(reply["cursor_start"]?.intValue == "use fsp.faults\n".count)
        #expect(reply["cursor_end"]?.intValue == cursor)
        let tables = KernelReplies.complete(code: "use fsp.t", cursor: 9, completer: completer)
        #expect(tables["matches"] == .array([.string("fsp.top3")]))
        #expect(tables["cursor_start"]?.intValue == 4)
    }

    @Test("UTF-8 ranges convert to code-point ranges")
    func codePoints() {
        #expect(KernelReplies.codePoints(in: "é x", utf8: 3..<4) == 2..<3)
        #expect(KernelReplies.codePoints(in: "abc", utf8: 0..<3) == 0..<3)
    }

    @Test("inspect shows help for the command at the cursor, or the line's command")
    func inspect() {
        let pca = KernelReplies.inspect(code: "help pca", cursor: 7)
        #expect(pca["found"]?.boolValue == true)
        #expect(pca["data"]?["text/plain"]?.stringValue?.hasPrefix("usage: pca") == true)
        let line = KernelReplies.inspect(code: "describe Pixels_Areas", cursor: 15)
        #expect(line["data"]?["text/plain"]?.stringValue?.hasPrefix("usage: describe") == true)
        #expect(KernelReplies.inspect(code: "frobnicate", cursor: 3)["found"]?.boolValue == false)
    }

    @Test("is_complete follows the script rules: \\, open quotes, open sql")
    func isComplete() {
        #expect(KernelReplies.isComplete(code: "describe")["status"]?.stringValue == "complete")
        #expect(KernelReplies.isComplete(code: "## narration only")["status"]?.stringValue == "complete")
        #expect(KernelReplies.isComplete(code: "tune et iters=1 \\")["status"]?.stringValue == "incomplete")
        #expect(KernelReplies.isComplete(code: "model m description=\"open")["status"]?.stringValue == "incomplete")
        #expect(KernelReplies.isComplete(code: "sql")["status"]?.stringValue == "incomplete")
        #expect(
            KernelReplies.isComplete(code: "sql select * from fsp.faults where")["status"]?.stringValue == "incomplete")
        #expect(KernelReplies.isComplete(code: "sql select 1;")["status"]?.stringValue == "complete")
        #expect(KernelReplies.isComplete(code: "sql\n  select 1\n  from t;")["status"]?.stringValue == "complete")
    }

    @Test("history: tail, range and search with unique")
    func history() {
        let entries = ["load a.csv", "describe", "load b.csv", "describe", "counts Label"]
        func inputs(_ reply: JSON) -> [String] {
            reply["history"]?.arrayValue?.compactMap { $0.arrayValue?[2].stringValue } ?? []
        }
        #expect(
            inputs(
                KernelReplies.history(
                    .object([("hist_access_type", .string("tail")), ("n", .integer(2))]), entries: entries))
                == ["describe", "counts Label"])
        #expect(
            inputs(
                KernelReplies.history(
                    .object([("hist_access_type", .string("range")), ("start", .integer(2)), ("stop", .integer(4))]),
                    entries: entries))
                == ["describe", "load b.csv"])
        #expect(
            inputs(
                KernelReplies.history(
                    .object([("hist_access_type", .string("search")), ("pattern", .string("load*"))]), entries: entries)
            )
                == ["load a.csv", "load b.csv"])
        #expect(
            inputs(
                KernelReplies.history(
                    .object([
                        ("hist_access_type", .string("search")), ("pattern", .string("*")),
                        ("unique", .bool(true)),
                    ]), entries: entries))
                == ["load a.csv", "load b.csv", "describe", "counts Label"])
        let first = KernelReplies.history(
            .object([("hist_access_type", .string("tail")), ("n", .integer(1))]), entries: entries)
        #expect(first["history"]?.arrayValue?.first == .array([.integer(0), .integer(5), .string("counts Label")]))
    }

    @Test("kernel_info names the language, .plsh and highlighting modes")
    func kernelInfo() {
        let info = KernelReplies.kernelInfo()
        #expect(info["protocol_version"]?.stringValue == "5.3")
        #expect(info["language_info"]?["file_extension"]?.stringValue == ".plsh")
        #expect(info["language_info"]?["codemirror_mode"]?.stringValue == "shell")
        #expect(info["language_info"]?["pygments_lexer"]?.stringValue == "bash")
        #expect(
            info["help_links"] == KernelSpec.helpLinks()
                && KernelSpec.helpLinks(environment: [:])
                    == .array([
                        .object([
                            ("text", .string("PlateShell commands")),
                            ("url", .string("/kernelspecs/plateshell/help.html")),
                        ])
                    ])
        )
        #expect(
            KernelSpec.helpLinks(environment: [KernelSpec.nameVariable: "ps-test"]).arrayValue?.first?["url"]
                == .string("/kernelspecs/ps-test/help.html"))
    }

    @Test("a progress display leaves one line: what ran, how far and how long")
    func progressSummary() {
        #expect(
            KernelOutput.summary(label: "compare", done: 130, total: 130, seconds: 12.34, interrupted: false)
                == "compare: 130/130 in 12.3 s")
        #expect(
            KernelOutput.summary(label: "tune gbm", done: 23, total: 1000, seconds: 4.2, interrupted: true)
                == "tune gbm: interrupted at 23/1000 after 4.2 s")
        #expect(
            KernelOutput.summary(label: "tune gbm", done: 23, total: 1000, seconds: 4.2, interrupted: false)
                == "tune gbm: stopped at 23/1000 after 4.2 s")
    }

    @Test("the cell's last command entry is found past narration and comments; `a; b` counts two")
    func lastCommand() {
        let last = KernelOutput.lastCommand(of: "describe\n## note\ncounts Label; hist Pixels_Areas\n# done", cell: 4)
        #expect(last?.origin == .cell(number: 4, line: 3) && last?.remaining == 2)
        #expect(KernelOutput.lastCommand(of: "## only narration", cell: 1) == nil)
    }
}
