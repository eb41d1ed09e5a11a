import Foundation
import TestSupport
import Testing

/// Issue 24, "hostile input", through the built binary: standard input as a CSV file, an empty
/// --workspace, a huge command line.
@Suite("End to end: hostile input")
struct HostileInputBinaryTests {
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
