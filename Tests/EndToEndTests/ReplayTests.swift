import Foundation
import TestSupport
import Testing

/// The built binary, end to end: replaying the notebook, output formats, exit statuses.
@Suite("End to end: the plateshell binary")
struct ReplayTests {
    static let notebook = packageRoot.appendingPathComponent("scripts/notebooks/01-data-load.plsh").path

    @Test("01-data-load.plsh replays into a fresh workspace: narration, echoes, results, exit 0")
    func replayNotebook() throws {
        let directory = try BinaryRunner.projectDirectory()
        let result = try BinaryRunner.run(["--workspace", "ws", "run", Self.notebook], in: directory.path)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        #expect(result.standardOutput.contains("│ # Notebook 1 — Data Load: Faulty Steel Plates"))
        #expect(result.standardOutput.contains("[\(Self.notebook):8] plate> load data/faults.csv as fsp.faults"))
        #expect(
            result.standardOutput.contains(
                "Loaded 1941 rows × 34 columns from data/faults.csv into fsp.faults (version 1"))
        #expect(result.standardOutput.contains("keep Label in Bumps,K_Scatch,Z_Scratch: kept 983 of 1941 rows."))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/ws/tables/fsp.sqlite"))
        let again = try BinaryRunner.run(["--workspace", "ws", "-c", "history fsp.top3"], in: directory.path)
        #expect(again.standardOutput.contains("fsp.top3: 1 version"))
    }

    @Test("--format json gives one parseable document per command, with its source line")
    func jsonOutput() throws {
        let directory = try BinaryRunner.projectDirectory()
        let result = try BinaryRunner.run(
            ["--workspace", "ws", "--format", "json", "run", Self.notebook], in: directory.path)
        #expect(result.status == 0)
        let documents = try result.standardOutput.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        let commands = documents.compactMap { $0["command"] as? String }
        #expect(commands.first == "load" && commands.contains("counts") && commands.last == "state")
        #expect(documents.allSatisfy { $0["ok"] as? Bool == true })
        let counts = documents.filter { $0["command"] as? String == "counts" }.last!
        let lines = try String(contentsOfFile: Self.notebook, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        let lastCounts = try #require(lines.lastIndex(of: "counts Label")) + 1
        #expect(counts["source"] as? String == "\(Self.notebook):\(lastCounts)")
        let block = (counts["blocks"] as! [[String: Any]]).first { $0["name"] as? String == "counts" }!
        let rows = block["rows"] as! [[Any]]
        #expect(rows.map { $0[0] as! String } == ["Bumps", "K_Scatch", "Z_Scratch"])
        #expect(rows.map { $0[1] as! Int } == [402, 391, 190])
    }

    @Test("a failing script stops at its first error: status 1, the caret diagnostic on stderr")
    func failingScript() throws {
        let directory = try BinaryRunner.projectDirectory()
        let script = directory.file("bad.plsh", "load data/faults.csv as fsp.faults\ncounts Lable top=3\nhead 2\n")
        let result = try BinaryRunner.run(["--workspace", "ws", "run", script], in: directory.path)
        #expect(result.status == 1)
        #expect(
            result.standardError == """
                \(script):2:8: error: unknown column 'Lable'
                  counts Lable top=3
                         ^^^^^
                  hint: 'columns' lists the columns of the current table

                """)
        #expect(!result.standardOutput.contains("plate> head 2"), "the script stopped")
        let going = try BinaryRunner.run(["--workspace", "ws", "run", "--keep-going", script], in: directory.path)
        #expect(going.status == 1 && going.standardOutput.contains("plate> head 2"))
    }

    @Test("usage errors on the command line exit 64")
    func usageErrors() throws {
        let directory = TemporaryDirectory()
        let badFormat = try BinaryRunner.run(["--format", "yaml", "-c", "help"], in: directory.path)
        #expect(badFormat.status == 64)
        #expect(badFormat.standardError.contains("--format must be one of table, json, csv, markdown; got 'yaml'"))
        #expect(try BinaryRunner.run(["run"], in: directory.path).status == 64)
        #expect(try BinaryRunner.run(["--no-such-flag"], in: directory.path).status == 64)
    }

    @Test("-c runs commands and exits; piped input runs like a script and stops at an error")
    func commandAndPipe() throws {
        let directory = try BinaryRunner.projectDirectory()
        let command = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "load data/faults.csv as fsp.faults; tables"], in: directory.path)
        #expect(command.status == 0 && command.standardOutput.contains("fsp.faults │       1 │ 1941"))
        let piped = try BinaryRunner.run(
            ["--workspace", "ws"], in: directory.path,
            input: "use fsp.faults\nsql\n  select count(*) as n\n  from fsp.faults;\nfrobnicate\nhead 1\n")
        #expect(piped.status == 1)
        #expect(piped.standardOutput.contains("│ 1941 │"))
        #expect(piped.standardError.contains("<stdin>:5:1: error: unknown command 'frobnicate'"))
        #expect(!piped.standardOutput.contains("X_Minimum"), "head 1 after the error did not run")
    }

    @Test("teaching mode runs on Enter, skips on s, stops on q")
    func stepMode() throws {
        let directory = try BinaryRunner.projectDirectory()
        let script = directory.file(
            "steps.plsh", "## Step one\nload data/faults.csv as fsp.faults\ntables\nhead 1\ncolumns\n")
        let result = try BinaryRunner.run(
            ["--workspace", "ws", "run", "--step", script], in: directory.path, input: "\ns\n\nq\n")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("│ Step one"))
        #expect(result.standardOutput.contains("Loaded 1941 rows"))
        #expect(!result.standardOutput.contains("┌────────────┬─────────┐"), "tables was skipped")
        #expect(result.standardOutput.contains("X_Minimum"), "head 1 ran")
        #expect(!result.standardOutput.contains("│ column"), "q stopped before columns")
    }

    @Test("plateshell data converts the UCI archive format and checks the real file")
    func dataCommands() throws {
        let directory = TemporaryDirectory()
        let fixtures = packageRoot.appendingPathComponent("Tests/EngineTests/Fixtures").path
        let convert = try BinaryRunner.run(
            [
                "data", "convert-uci", "--rows", fixtures + "/Faults.NNA", "--names",
                fixtures + "/Faults27x7_var", "--output", "out.csv",
            ], in: directory.path)
        #expect(convert.status == 0)
        #expect(
            try String(contentsOfFile: directory.path + "/out.csv", encoding: .utf8).hasPrefix(
                "X_Minimum,X_Maximum,Y_Minimum,Pastry,Bumps\n42,50"))
        let wrong = try BinaryRunner.run(["data", "check", "out.csv"], in: directory.path)
        #expect(wrong.status == 1 && wrong.standardError.contains("3 rows; expected 1941"))
        #expect(try BinaryRunner.run(["data", "check", realDataPath], in: directory.path).status == 0)
    }
}
