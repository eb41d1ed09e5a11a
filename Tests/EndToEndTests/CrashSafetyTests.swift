import Foundation
import TestSupport
import Testing

/// A load killed at any moment, or two shells writing at once, never damage stored versions.
@Suite("End to end: crash safety of the table store")
struct CrashSafetyTests {
    /// A CSV of `rows` rows shaped like the faults data (enough to take a while to store).
    private func bigFile(in directory: TemporaryDirectory, rows: Int) -> String {
        var text = "a,b,c,label\n"
        text.reserveCapacity(rows * 40)
        for i in 0..<rows { text += "\(i),\(Double(i) * 0.37),\(i % 977),class_\(i % 7)\n" }
        return directory.file("big.csv", text)
    }

    @Test("kill -9 during a load leaves the earlier version intact, the catalog consistent")
    func killDuringLoad() throws {
        let directory = TemporaryDirectory()
        let small = directory.file("small.csv", "a,b,c,label\n1,2.5,3,x\n")
        let big = bigFile(in: directory, rows: 400_000)
        #expect(
            try BinaryRunner.run(["--workspace", "ws", "-c", "load \(small) as fsp.t"], in: directory.path).status == 0)
        for delay in [0.15, 0.4, 0.8, 1.2] {
            try BinaryRunner.runKilled(
                ["--workspace", "ws", "-c", "load \(big) as fsp.t"], in: directory.path, after: delay)
            let check = try BinaryRunner.run(
                [
                    "--workspace", "ws", "--format", "csv", "-c",
                    "sql select version, row_count from fsp._plateshell_versions order by version; use fsp.t version=1; head 1",
                ],
                in: directory.path)
            #expect(check.status == 0, "\(check.standardError)")
            let lines = check.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines[1] == "1,1", "version 1 is intact (killed after \(delay) s)")
            #expect(check.standardOutput.contains("1,2.5,3,x"))
            // Every later version (one per load that finished before its kill) is whole: it claims
            // every row, and its stored table holds as many as it claims.
            let listed = try BinaryRunner.run(
                [
                    "--workspace", "ws", "--format", "csv", "-c",
                    "sql select version, row_count from fsp._plateshell_versions where version > 1 order by version",
                ],
                in: directory.path)
            let later = listed.standardOutput.split(separator: "\n").dropFirst().map {
                $0.split(separator: ",").map(String.init)
            }
            for version in later {
                #expect(
                    version[1] == "400000", "version \(version[0]) claims \(version[1]) rows (killed after \(delay) s)")
                let stored = try BinaryRunner.run(
                    [
                        "--workspace", "ws", "--format", "csv", "-c",
                        "sql select count(*) as n from fsp._v\(version[0])_t",
                    ],
                    in: directory.path)
                #expect(stored.standardOutput == "n\n400000\n", "version \(version[0]) holds \(stored.standardOutput)")
            }
        }
        let integrity = try BinaryRunner.run(
            ["--workspace", "ws", "--format", "csv", "-c", "sql pragma fsp.integrity_check"], in: directory.path)
        #expect(integrity.standardOutput.contains("ok"))
    }

    @Test("two shells loading the same table at once get distinct consecutive versions")
    func concurrentWriters() throws {
        let directory = TemporaryDirectory()
        let file = bigFile(in: directory, rows: 20_000)
        let processes = try (0..<2).map { _ in
            let process = try BinaryRunner.start(
                ["--workspace", "ws", "-c", "load \(file) as fsp.t"], in: directory.path)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let versions = try BinaryRunner.run(
            [
                "--workspace", "ws", "--format", "csv", "-c",
                "sql select version, row_count from fsp._plateshell_versions",
            ], in: directory.path)
        #expect(versions.standardOutput == "version,row_count\n1,20000\n2,20000\n")
    }
}
