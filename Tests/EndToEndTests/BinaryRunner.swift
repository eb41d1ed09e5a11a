import Foundation
import TestSupport

/// Runs the built `plateshell` binary as a subprocess, as a user or CI would.
struct BinaryRunner {
    /// The binary beside the test bundle (the same build), or `$PLATESHELL_BIN`.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PLATESHELL_BIN"] { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "plateshell"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/plateshell").path
    }()

    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    /// A fresh directory holding `data/faults.csv`, as the demo prepares it.
    static func projectDirectory() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/data", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: realDataPath, toPath: directory.path + "/data/faults.csv")
        return directory
    }

    /// Runs the binary with `arguments` in `directory`, feeding `input` on standard input.
    static func run(
        _ arguments: [String], in directory: String, input: String = "", environment: [String: String] = [:]
    ) throws -> Result {
        let process = try start(arguments, in: directory, environment: environment)
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        inputPipe.fileHandleForWriting.write(Data(input.utf8))
        try inputPipe.fileHandleForWriting.close()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the binary with `arguments`, output discarded, and kills it with SIGKILL after
    /// `delay` seconds (crash-safety tests).
    static func runKilled(
        _ arguments: [String], in directory: String, after delay: Double, environment: [String: String] = [:]
    ) throws {
        let process = try start(arguments, in: directory, environment: environment)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A configured, not yet started process (for tests that signal it).
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var merged = ProcessInfo.processInfo.environment
        merged["NO_COLOR"] = "1"
        // A tracking server only when the test names one.
        merged["MLFLOW_TRACKING_URI"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        return process
    }
}
