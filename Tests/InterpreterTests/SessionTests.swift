import Engine
import Foundation
import StandardConnectors
import TestSupport
import Testing

@testable import Interpreter

extension Harness {
    /// Runs `text` and returns the outputs it produced, failing the test on any diagnostic.
    @discardableResult
    func run(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [CommandOutput] {
        let (outputs, failures) = execute(text)
        for failure in failures { Issue.record("\(text): \(failure.fullMessage)", sourceLocation: sourceLocation) }
        return outputs
    }
}

@Suite("Session")
struct SessionTests {
    static let faults = "Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults"

    @Test("a command-name prefix runs at the prompt; in a cell, a script and -c it is refused with did-you-mean")
    func prefixesByOrigin() {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults")
        shell.output.removeAll()
        #expect(shell.session.execute("descr Pixels_Areas", origin: .console) == .ok)
        #expect(shell.output.outputs.first?.command == "describe")
        for origin in [Origin.commandLine, .cell(number: 2, line: 1), .script(path: "a.plsh", line: 3)] {
            shell.output.removeAll()
            #expect(shell.session.execute("descr Pixels_Areas", origin: origin) == .failed(.usage), "\(origin)")
            #expect(shell.output.outputs.isEmpty, "nothing ran from \(origin)")
            #expect(shell.output.failures.first?.suggestions == ["describe"])
        }
        #expect(shell.session.execute("describe Pixels_Areas", origin: .commandLine) == .ok)
    }

    @Test("the notebook-1 path: load, label, Pareto, top-3 filter, save with lineage, time travel")
    func notebookPath() throws {
        let shell = Harness()
        let loaded = shell.run("load \(realDataPath) as fsp.faults")
        #expect(loaded.first?.messages.hasPrefix("Loaded 1941 rows × 34 columns") == true)
        shell.run("label onehot=\(Self.faults)")
        let pareto = try #require(shell.run("counts Label").first?.tables(named: "counts").first)
        #expect(pareto.rows.prefix(3).map { $0[0] } == [.text("Other_Faults"), .text("Bumps"), .text("K_Scatch")])
        #expect(pareto.value(2, "cumulative_percent")?.double.map { abs($0 - 75.52807831) < 1e-6 } == true)
        shell.run("keep top=3 by=Label exclude=Other_Faults")
        let top3 = try #require(shell.run("counts Label").first?.tables(named: "counts").first)
        #expect(top3.rows.map { $0[1] } == [.integer(402), .integer(391), .integer(190)])
        let saved = shell.run("save as fsp.top3").first?.blocks
        guard case .fields(_, let fields)? = saved?.last else {
            Issue.record("save shows no version")
            return
        }
        #expect(
            fields.first { $0.key == "source" }?.value
                == .text(
                    "fsp.faults v1 → label Label from one-hot \(Self.faults) → keep Label in Bumps,K_Scatch,Z_Scratch"))
        shell.run("load \(realDataPath) as fsp.faults mode=append")
        #expect(shell.run("use fsp.faults").first?.messages.contains("3882 rows") == true)
        #expect(shell.run("use fsp.faults version=1").first?.messages.contains("1941 rows") == true)
        let versions = try #require(shell.run("history fsp.faults").first?.tables(named: "versions").first)
        #expect(versions.rows.map { $0[5] } == [.text("load"), .text("append")])
    }

    @Test("sql results show, and 'into' makes them the current frame")
    func sql() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults")
        let result = try #require(
            shell.run("sql select sum(Bumps) as bumps, count(*) as n from fsp.faults").first?.tables(named: "result")
                .first)
        #expect(result.rows == [[.integer(402), .integer(1941)]])
        shell.run("sql select * from fsp.faults where K_Scatch = 1 into kscatch")
        #expect(
            shell.run("state").first.map { output in
                output.blocks.contains {
                    if case .fields(_, let f) = $0 { f.contains(Field("rows", .integer(391))) } else { false }
                }
            } == true)
        let typo = try #require(shell.failure("sql select count(*) from fsp.falts"))
        #expect(typo.fullMessage == "no such table: fsp.falts; did you mean 'fsp.faults'?")
        let syntax = try #require(shell.failure("sql selec 1"))
        #expect(syntax.range == 4..<5, "the caret points into the query")
    }

    @Test("errors from the engine point at the argument they concern")
    func locatedErrors() throws {
        let shell = Harness()
        #expect(shell.failure("describe")?.message == "there is no current table")
        shell.run("load \(realDataPath) as fsp.faults")
        let column = try #require(shell.failure("counts Pixel_Areas"))
        #expect(column.fullMessage == "unknown column 'Pixel_Areas'; did you mean 'Pixels_Areas'?")
        #expect(column.range == 7..<18)
        let value = try #require(shell.failure("label onehot=\(Self.faults); keep Label in Bumps,K_Scratch"))
        #expect(
            value.fullMessage == "column 'Label' has no value 'K_Scratch'; did you mean 'K_Scatch' or 'Z_Scratch'?",
            "equally close names are both offered")
        let missingFile = try #require(shell.failure("load /no/such.csv as fsp.x"))
        #expect(missingFile.range == 5..<17)
        let badName = try #require(shell.failure("load \(realDataPath) as ../x"))
        #expect(badName.message == "'../x' is not a table name")
    }

    @Test("a failed command leaves the frame and its steps as they were")
    func failedCommandKeepsState() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults; label onehot=\(Self.faults)")
        #expect(shell.failure("keep Label in Nope") != nil)
        #expect(shell.failure("label onehot=Bumps,K_Scatch") != nil)
        let state = try #require(shell.run("state").first?.tables(named: "steps").first)
        #expect(state.rows.count == 1)
    }

    @Test("source runs a script in the session; cycles and missing files are diagnosed")
    func source() throws {
        let shell = Harness()
        let inner = shell.directory.file("inner.plsh", "## narration\nload \(realDataPath) as fsp.faults\n")
        shell.directory.file("a.plsh", "source \(shell.directory.path)/b.plsh\n")
        shell.directory.file("b.plsh", "source \(shell.directory.path)/a.plsh\n")
        shell.run("source \(inner)")
        #expect(shell.output.outcomes.contains(.narration("narration", origin: .script(path: inner, line: 1))))
        #expect(shell.failure("source \(shell.directory.path)/a.plsh") != nil)
        #expect(shell.output.failures.first?.message == "source cycle: a.plsh → b.plsh → a.plsh")
        #expect(shell.failure("source /no/script.plsh")?.message == "no script at '/no/script.plsh'")
    }

    @Test("timer reads the injected clock; format changes how results render")
    func settings() throws {
        let directory = TemporaryDirectory()
        let output = CollectingOutput()
        nonisolated(unsafe) var ticks = 0.0
        let session = Session(
            workspace: Workspace(root: directory.path), connectors: .standard, output: output,
            clock: {
                ticks += 0.25
                return ticks
            })
        session.execute("timer on; format json", origin: .commandLine)
        #expect(output.outputs.last?.messages == "Run Time: real 0.250 s")
        #expect(session.settings.format == .json)
        let rendered = OutputRenderer(format: session.settings.format).render(output.outputs.last!)
        #expect(
            rendered
                == #"{"command":"format","ok":true,"blocks":[{"type":"fields","name":"settings","fields":{"format":"json"}},{"type":"text","text":"Run Time: real 0.250 s"}]}"#
        )
    }

    @Test("the command history keeps multi-line entries whole across sessions, capped")
    func history() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/history"
        let history = CommandHistory(path: path, limit: 10)
        history.add("sql\n  select 1;")
        history.add("sql\n  select 1;")
        for i in 0..<30 { history.add("head \(i)") }
        let reloaded = CommandHistory(path: path, limit: 10)
        #expect(reloaded.entries.count == 10)
        #expect(reloaded.entries.last == "head 29")
        let multi = CommandHistory(path: directory.path + "/h2", limit: 10)
        multi.add("sql\n  select 1;")
        multi.add("describe")
        #expect(CommandHistory(path: directory.path + "/h2").entries == ["sql\n  select 1;", "describe"])
    }

    @Test("a history that cannot be written is said once, names the file, and keeps the session's entries")
    func unwritableHistory() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/history", withIntermediateDirectories: true)
        let history = CommandHistory(path: directory.path + "/history")
        let warning = try #require(history.add("describe"))
        #expect(warning.contains(directory.path + "/history") && warning.contains("cannot be saved"), "\(warning)")
        #expect(history.add("head 5") == nil, "said once")
        #expect(history.entries == ["describe", "head 5"])
    }
}
