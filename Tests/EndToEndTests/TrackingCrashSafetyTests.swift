import Foundation
import TestSupport
import Testing

/// The tracking catalog under kill -9 and concurrent shells: always consistent, never half a
/// version, distinct consecutive version numbers.
@Suite("End to end: crash safety of the tracking catalog")
struct TrackingCrashSafetyTests {
    static let prepare =
        "label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults; keep top=3 by=Label exclude=Other_Faults"

    /// A workspace holding fsp.faults.
    func workspace() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let load = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "load \(realDataPath) as fsp.faults"], in: directory.path)
        #expect(load.status == 0, "\(load.standardError)")
        return directory
    }

    func csv(_ directory: TemporaryDirectory, _ commands: String) throws -> [String] {
        let result = try BinaryRunner.run(["--workspace", "ws", "--format", "csv", "-c", commands], in: directory.path)
        #expect(result.status == 0, "\(commands): \(result.standardError)")
        return result.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test("shells registering versions of one model at once get distinct consecutive versions")
    func concurrentRegister() throws {
        let directory = try workspace()
        let processes = try (0..<4).map { _ in
            let process = try BinaryRunner.start(
                [
                    "--workspace", "ws", "-c",
                    "use fsp.faults; \(Self.prepare); fit nb; register nb as m; register nb as m; register nb as m",
                ],
                in: directory.path)
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let versions = try csv(
            directory, "sql select version from catalog.model_versions where name = 'm' order by version")
        #expect(versions == ["version"] + (1...12).map(String.init))
        let runs = try csv(directory, "sql select count(distinct run_id) as runs from catalog.model_versions")
        #expect(runs == ["runs", "4"], "each shell's versions point at its own run")
    }

    @Test(
        "kill -9 while runs are queued for a tracking server that fails: the next shell delivers every run, each once")
    func killWithQueuedRuns() throws {
        let directory = try workspace()
        let server = try FakeMLflowServer()
        server.inject { _ in .status(503, code: "TEMPORARILY_UNAVAILABLE", message: "down for maintenance") }
        let environment = ["MLFLOW_TRACKING_URI": server.url]
        try BinaryRunner.runKilled(
            [
                "--workspace", "ws", "--threads", "1", "-c",
                "use fsp.faults; \(Self.prepare); fit nb; scale; pca var=0.999; compare folds=3; tune et iters=20 folds=5",
            ],
            in: directory.path, after: 3, environment: environment)
        let local = try csv(directory, "sql select run_id from catalog.runs").dropFirst()
        let queued = try csv(directory, "sql select count(*) as n from catalog.outbox")
        #expect(
            local.count >= 2 && queued != ["n", "0"],
            "the killed shell recorded runs locally and queued them: \(local.count) runs, \(queued)")
        #expect(server.allRuns.isEmpty, "the failing server took nothing")

        server.inject { _ in nil }
        let flush = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "tracking flush timeout=120"], in: directory.path, environment: environment)
        #expect(flush.status == 0, "\(flush.standardOutput) \(flush.standardError)")
        let delivered = server.allRuns.map { $0.tags["plateshell.run_id"] ?? "" }
        #expect(
            Set(delivered) == Set(local) && delivered.count == local.count,
            "every workspace run reached the server once: \(delivered.count) of \(local.count)")
        #expect(try csv(directory, "sql select count(*) as n from catalog.outbox") == ["n", "0"])
    }

    @Test("kill -9 while runs are recorded leaves a consistent catalog that later shells keep using")
    func killDuringTracking() throws {
        let directory = try workspace()
        _ = try csv(directory, "use fsp.faults; \(Self.prepare); fit nb; register nb as m")
        for delay in [0.3, 1.0, 2.0] {
            try BinaryRunner.runKilled(
                [
                    "--workspace", "ws", "--threads", "1", "-c",
                    "use fsp.faults; \(Self.prepare); scale; pca var=0.999; fit nb; register nb as m; compare folds=5; tune et iters=3 folds=3",
                ],
                in: directory.path, after: delay)
            #expect(
                try csv(directory, "sql pragma catalog.integrity_check").prefix(2) == ["integrity_check", "ok"],
                "killed after \(delay) s")
            // Opening the catalog marks the runs the killed shell was recording KILLED.
            let statuses = try csv(directory, "sql select distinct status from catalog.runs order by status")
            #expect(statuses.dropFirst().allSatisfy { $0 == "FINISHED" || $0 == "KILLED" }, "\(statuses)")
            let orphans = try csv(
                directory,
                "sql select count(*) as n from catalog.model_versions v left join catalog.runs r on r.run_id = v.run_id where r.run_id is null"
            )
            #expect(orphans == ["n", "0"], "every version has its run")
            let locations = try csv(directory, "sql select storage_location from catalog.model_versions").dropFirst()
            for location in locations {
                let path = URL(string: location)!.path
                #expect(
                    FileManager.default.fileExists(atPath: path + "/MLmodel")
                        && FileManager.default.fileExists(atPath: path + "/pipeline.json"),
                    "a registered version's model directory is complete: \(path)")
            }
        }
        let after = try csv(
            directory,
            "use fsp.faults; \(Self.prepare); fit nb; register nb as m; sql select max(version) as v from catalog.model_versions"
        )
        #expect(Int(after.last ?? "") ?? 0 >= 2, "a later shell registers the next version")
    }

    @Test(
        "a run whose shell was killed is KILLED when the workspace is next opened, its leftovers gone; a live shell's run stays RUNNING"
    )
    func killedRunIsMarked() throws {
        let directory = try workspace()
        let process = try BinaryRunner.start(
            [
                "--workspace", "ws", "--threads", "1", "-c",
                "use fsp.faults; \(Self.prepare); run start name=long; tune et iters=300 folds=5",
            ], in: directory.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let running = directory.path + "/ws/running"
        var owned: String?
        for _ in 0..<300 where owned == nil {
            owned = try? FileManager.default.contentsOfDirectory(atPath: running).first
            if owned == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        let runId = try #require(owned, "the shell opened its run")
        let status = "sql select status, end_time is not null as ended from catalog.runs where run_id = '\(runId)'"
        #expect(try csv(directory, status) == ["status,ended", "RUNNING,0"], "a live shell's run stays RUNNING")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The killed shell was writing its model: Foundation's temporary file is left in the folder.
        let model = directory.path + "/ws/artifacts/runs/\(runId)/model"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: model + "/.dat.nosync1F2E.a1B2c3", contents: Data("{".utf8)))

        let runs = try BinaryRunner.run(["--workspace", "ws", "-c", "runs"], in: directory.path)
        #expect(
            runs.standardOutput.contains(
                "Tracking: 1 run whose shell was killed while it ran (\(runId.prefix(8))) is now KILLED; its unfinished files were removed."
            ), "\(runs.standardOutput)")
        #expect(try csv(directory, status) == ["status,ended", "KILLED,1"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: model).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: running).isEmpty)
        let register = try BinaryRunner.run(
            ["--workspace", "ws", "-c", "register run=\(runId) as m"], in: directory.path)
        #expect(register.status == 1)
        #expect(
            register.standardError.contains("run \(runId.prefix(8)) was killed before it logged its model"),
            "\(register.standardError)")
    }
}
