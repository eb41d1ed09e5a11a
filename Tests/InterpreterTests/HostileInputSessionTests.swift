import Engine
import Foundation
import StandardConnectors
import TestSupport
import Testing

@testable import Interpreter

/// Issue 24, "hostile input", as the session sees it.
@Suite("Hostile input: session")
struct HostileInputSessionTests {
    @Test("load text= with unknown columns points at text= and suggests the file's columns")
    func unknownTextColumns() throws {
        let shell = Harness()
        let path = shell.directory.file("plates.csv", "Plate_Id,Bumps\n1,2\n")
        let source = "load \(path) as fsp.plates text=Nope,Bumsp"
        let failure = try #require(shell.failure(source))
        #expect(failure.fullMessage.hasPrefix("text= names columns that '\(path)' does not have: 'Bumsp', 'Nope'"))
        #expect(failure.fullMessage.contains("did you mean 'Bumps'?"))
        #expect(failure.hint == "text= takes the file's column names (exact case): Plate_Id, Bumps")
        let value = try #require(source.utf8.firstRange(of: "Nope,Bumsp".utf8)).lowerBound
        #expect(failure.range?.lowerBound == source.utf8.distance(from: source.utf8.startIndex, to: value))
        #expect(shell.execute("tables").outputs.first?.messages.contains("No tables yet") == true)
    }

    @Test("load - needs a table name, and is refused when the commands come from standard input")
    func loadStandardInput() throws {
        let shell = Harness()
        let unnamed = try #require(shell.failure("load -"))
        #expect(unnamed.fullMessage == "load - (standard input) needs a table name")
        #expect(unnamed.hint == "name it with as: load - as fsp.faults")
        shell.session.settings.standardInputHoldsCommands = true
        let piped = try #require(shell.failure("load - as fsp.faults"))
        #expect(piped.fullMessage.contains("this session reads its commands from there"))
    }

    @Test("sql's help states the row limit and the pragmas it runs; an endless query is refused")
    func sqlLimits() throws {
        let shell = Harness()
        let help = shell.execute("help sql").outputs.first?.messages ?? ""
        #expect(help.contains("at most 1,000,000 rows") && help.contains("add LIMIT"))
        #expect(help.contains("table_info") && help.contains("pragma_list"))
        let failure = try #require(
            shell.failure("sql with recursive c(x) as (select 1 union all select x+1 from c) select x, 'abc' from c"))
        #expect(failure.fullMessage.hasPrefix("the result has more than 1,000,000 rows"))
        let pragma = try #require(shell.failure("sql pragma reverse_unordered_selects=1"))
        #expect(pragma.fullMessage == "sql runs read-only queries; it refuses PRAGMA reverse_unordered_selects")
    }

    @Test("a huge line's diagnostic shows a 60-character window around the caret, with … marks")
    func longLineWindow() throws {
        let renderer = DiagnosticRenderer(color: false)
        let source =
            "keep " + String(repeating: "a", count: 5_000_000) + " bins=0 " + String(repeating: "b", count: 5_000_000)
        let start = 5 + 5_000_000 + 1
        let text = renderer.render(.usage("bad", at: start..<(start + 6)), source: source, origin: .console)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3 && text.count < 300)
        #expect(lines[1].hasPrefix("  …") && lines[1].hasSuffix("…"))
        let caret = try #require(lines[2].firstIndex(of: "^"))
        let shownStart = lines[1].index(
            lines[1].startIndex, offsetBy: lines[2].distance(from: lines[2].startIndex, to: caret))
        #expect(lines[1][shownStart...].hasPrefix("bins=0"))
        #expect(lines[2].hasSuffix("^^^^^^"))
        let huge = renderer.render(
            .usage(String(repeating: "m", count: 1_000_000), at: 0..<2_000_000), source: source, origin: .console)
        #expect(huge.count < 1_000 && huge.contains("… (999500 more characters)"))
        let short = renderer.render(.usage("oops", at: 0..<2), source: "ab", origin: .console)
        #expect(short == "error: oops\n  ab\n  ^^")
    }
}

/// An output that presses Ctrl-C as the first command's result arrives: between two commands.
private final class InterruptingOutput: SessionOutput {
    let collected = CollectingOutput()
    let cancellation: Cancellation

    init(_ cancellation: Cancellation) { self.cancellation = cancellation }

    func deliver(_ outcome: Outcome) {
        if case .output = outcome, collected.outputs.isEmpty { cancellation.request() }
        collected.deliver(outcome)
    }
}

extension HostileInputSessionTests {
    @Test("a Ctrl-C between two commands of -c or a script stops it; at the console it only drops the line")
    func interruptBetweenCommands() throws {
        let directory = TemporaryDirectory()
        let cancellation = Cancellation()
        let output = InterruptingOutput(cancellation)
        let session = Session(
            workspace: Workspace(root: directory.path + "/ws"), connectors: .standard, output: output,
            cancellation: cancellation)
        #expect(session.execute("timer on; timer off; format csv", origin: .commandLine) == .failed(.engine))
        #expect(output.collected.outputs.count == 1 && session.settings.timer && session.settings.format == .table)
        let failure = try #require(output.collected.failures.first)
        #expect(failure.message == "interrupted (Ctrl-C) before this command: it and the commands after it did not run")
        #expect(failure.range?.lowerBound == "timer on; ".utf8.count)

        let script = directory.file("steps.plsh", "timer off\nformat csv\n")
        #expect(session.runScript(at: script) == .failed(.engine))
        #expect(session.settings.timer && session.settings.format == .table, "no command of the script ran")

        #expect(session.execute("format csv", origin: .console) == .ok)
        #expect(session.settings.format == .csv)
    }
}
