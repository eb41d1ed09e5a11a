import StandardConnectors
import Testing

@testable import Interpreter

@Suite("Diagnostics and their rendering")
struct DiagnosticTests {
    private let renderer = DiagnosticRenderer(color: false)

    private func failure(_ text: String) -> Diagnostic? {
        let session = Session(
            workspace: Workspace(root: "/nonexistent-plateshell"), connectors: .standard, output: CollectingOutput())
        session.execute(text, origin: .commandLine)
        return (session.output as! CollectingOutput).failures.first
    }

    @Test("an unknown command gets a caret and 'did you mean'")
    func unknownCommand() throws {
        let diagnostic = try #require(failure("descibe Pixels_Areas"))
        #expect(
            renderer.render(diagnostic, source: "descibe Pixels_Areas", origin: .script(path: "nb.plsh", line: 12))
                == """
                nb.plsh:12:1: error: unknown command 'descibe'; did you mean 'describe'?
                  descibe Pixels_Areas
                  ^^^^^^^
                  hint: 'help' lists the commands
                """)
    }

    @Test("a value out of range points at the value and shows the usage")
    func outOfRange() throws {
        let diagnostic = try #require(failure("hist Pixels_Areas bins=0"))
        #expect(
            renderer.render(diagnostic, source: "hist Pixels_Areas bins=0", origin: .console) == """
                error: 'bins' must be an int in [1, 200]; got '0'
                  hist Pixels_Areas bins=0
                                         ^
                  usage: hist <column> [bins=<int>]
                """)
    }

    @Test("an unknown parameter suggests a close one; a missing argument points past the end")
    func parameters() throws {
        let parameter = try #require(failure("counts Label tpo=3"))
        #expect(parameter.fullMessage == "counts has no parameter 'tpo'; did you mean 'top'?")
        #expect(parameter.range == 13..<16)
        let missing = try #require(failure("use"))
        #expect(missing.message == "use needs a <table> (the stored table)")
        #expect(missing.range == 3..<3)
        let extra = try #require(failure("columns now"))
        #expect(extra.message == "unexpected argument 'now'" && extra.range == 8..<11)
        let choice = try #require(failure("format jsn"))
        #expect(
            choice.fullMessage == "'format' must be one of table, json, csv, markdown; got 'jsn'; did you mean 'json'?")
    }

    @Test("a multi-line entry reports the line and column of the culprit, and hostile bytes are neutralized")
    func multiLine() {
        let diagnostic = Diagnostic.usage("bad \u{1B}[31mvalue", at: 15..<18)
        #expect(
            renderer.render(diagnostic, source: "load a.csv \\\n  as x\u{7}y", origin: .script(path: "s.plsh", line: 3))
                == """
                s.plsh:4:3: error: bad ?[31mvalue
                    as x?y
                    ^^^
                """)
    }

    @Test("colour wraps the severity and carets only when asked")
    func color() {
        let text = DiagnosticRenderer(color: true).render(.usage("oops", at: 0..<2), source: "ab", origin: .console)
        #expect(text == "\u{1B}[1;31merror:\u{1B}[0m oops\n  ab\n  \u{1B}[1;32m^^\u{1B}[0m")
    }
}
