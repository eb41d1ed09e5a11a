import Foundation
import TestSupport
import Testing

/// Issue 24, "hostile input", through the built binary: standard input as a CSV file, an empty
/// --workspace, a huge command line.
@Suite("End to end: hostile input")
struct HostileInputBinaryTests {
    @Test("load /dev/stdin and load - read piped data instead of dying with SIGILL")
    func loadStandardInput() throws {
        let directory = TemporaryDirectory()
        for command in ["load /dev/stdin as t.s", "load - as t.s"] {
            let result = try BinaryRunner.run(
                ["--workspace", "ws", "-c", command], in: directory.path, input: "a,b\n1,2\n")
            #expect(result.status == 0, "\(command): \(result.standardError)")
            #expect(result.standardOutput.contains("Loaded 1 rows × 2 columns from"), "\(command)")
        }
        let last = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "load - as t.s"], in: directory.path, input: "a,b\n1,2\n3,4\n")
        #expect(last.standardOutput.contains("Loaded 2 rows × 2 columns from standard input into t.s (version 3"))
        let history = try BinaryRunner.run(["--workspace", "ws", "-c", "history t.s"], in: directory.path)
        #expect(history.standardOutput.contains("standard input"))
    }

    @Test("load - in commands piped on standard input is refused, not read from the script")
    func loadStandardInputFromScript() throws {
        let directory = TemporaryDirectory()
        let result = try BinaryRunner.run(
            ["--workspace", "ws"], in: directory.path, input: "load - as t.s\na,b\n1,2\n")
        #expect(result.status == 1)
        #expect(result.standardError.contains("this session reads its commands from there"))
    }

    @Test("--workspace \"\" is refused (exit 64) instead of filling the current directory")
    func emptyWorkspace() throws {
        let directory = TemporaryDirectory()
        for arguments in [["--workspace", "", "-c", "tables"], ["--workspace", " ", "run", "x.plsh"]] {
            let result = try BinaryRunner.run(arguments, in: directory.path)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.standardError.contains("--workspace is empty"), "\(result.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a 10 MB command line's error shows a short window of the line, not the line")
    func hugeLine() throws {
        let directory = TemporaryDirectory()
        let line = "hist Pixels_Areas bins=" + String(repeating: "9", count: 10_000_000)
        let result = try BinaryRunner.run(["--workspace", "ws"], in: directory.path, input: line + "\n")
        #expect(result.status != 0)
        #expect(result.standardError.utf8.count < 2_000, "\(result.standardError.prefix(300))")
        #expect(result.standardError.contains("…"))
    }
}
