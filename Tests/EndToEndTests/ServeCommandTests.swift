import Engine
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Starts `plateshell ARGUMENTS` and reads its output up to the banner's address; returns the
/// process, the rest of its output, and what it printed so far.
func serve(_ arguments: [String], in directory: String) throws -> (Process, FileHandle, String) {
    let process = try BinaryRunner.start(arguments, in: directory)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let reader = output.fileHandleForReading
    var banner = ""
    while banner.firstMatch(of: /\/invocations.*\n/) == nil {
        let chunk = reader.availableData
        if chunk.isEmpty { break }
        banner += String(decoding: chunk, as: UTF8.self)
    }
    return (process, reader, banner)
}

/// A script that loads the plates, keeps the three most frequent faults, then runs `commands`.
func top3(_ commands: String) -> String {
    """
    load \(realDataPath) as fsp.faults; label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults; \
    keep top=3 by=Label exclude=Other_Faults; \(commands)
    """
}

@Suite("End to end: plateshell serve in the foreground")
struct ServeCommandTests {
    @Test("SIGTERM finishes the request in flight and exits 0; a bad URI or port is refused with the reason")
    func foreground() throws {
        let directory = TemporaryDirectory()
        let workspace = directory.path + "/ws"
        let prepared = try BinaryRunner.run(
            ["--workspace", workspace, "-c", top3("fit nb on=all; register nb as m; stage m 1 Production")],
            in: directory.path)
        #expect(prepared.status == 0, "\(prepared.standardError)")

        let (process, reader, banner) = try serve(
            ["--workspace", workspace, "serve", "models:/m/Production", "--port", "0"], in: directory.path)
        let match = try #require(
            banner.firstMatch(of: /at http:\/\/127\.0\.0\.1:([0-9]+)\/invocations, pid/), "banner: \(banner)")
        let port = Int(match.1)!
        #expect(banner.hasPrefix("Serving m/1 (models:/m/Production)"))

        // A request in flight: its head and half its body sent, then SIGTERM, then the rest.
        let row = "[" + (0..<27).map { _ in "1" }.joined(separator: ",") + "]"
        let names = try CSVReader.readTable(path: realDataPath).columnNames.prefix(27).map { "\"\($0)\"" }.joined(
            separator: ",")
        let body =
            "{\"dataframe_split\": {\"columns\": [\(names)], \"data\": ["
            + Array(repeating: row, count: 2_000).joined(separator: ",") + "]}}"
        let request = RawHTTP.request("POST", "/invocations", body: Array(body.utf8))
        let half = request.count / 2
        let connection = try #require(RawHTTP.connect(port: port))
        defer { close(connection) }
        #expect(RawHTTP.send(connection, Array(request[..<half])))
        #expect(
            RawHTTP.waitUntilServerReads(connection, serverPort: port, sent: half), "the server read the request's head"
        )
        process.terminate()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(RawHTTP.send(connection, Array(request[half...])))
        let reply = RawHTTP.receive(connection)
        process.waitUntilExit()
        #expect(reply?.status == 200, "the request in flight was answered")
        #expect(reply?.body.hasPrefix("{\"predictions\":[{\"predicted\":") == true)
        #expect(process.terminationStatus == 0)
        let rest = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.contains("Stopped after 1 request (0 refused)."), "\(rest)")
        #expect(RawHTTP.connect(port: port) == nil, "the port is closed")

        let badURI = try BinaryRunner.run(
            ["--workspace", workspace, "serve", "models:/zz/1", "--port", "0"], in: directory.path)
        #expect(
            badURI.status == 1
                && badURI.standardError.hasPrefix("error: cannot serve models:/zz/1: no registered model named 'zz'"))
        let badPort = try BinaryRunner.run(
            ["--workspace", workspace, "serve", "models:/m/1", "--port", "70000"], in: directory.path)
        #expect(badPort.status == 64 && badPort.standardError.contains("--port must be 0 to 65535; got 70000"))
    }
}

@Suite("End to end: plateshell serve delivers the workspace's tracking queue")
struct ServeDeliveryTests {
    @Test("items queued while the tracking server failed are delivered by plateshell serve; GET /model names the model")
    func deliversQueue() throws {
        let directory = TemporaryDirectory()
        let workspace = directory.path + "/ws"
        let server = try FakeMLflowServer()
        server.inject { _ in .status(503, code: "TEMPORARILY_UNAVAILABLE", message: "down for maintenance") }
        let queued = try BinaryRunner.run(
            ["--workspace", workspace, "-c", top3("fit nb on=all")], in: directory.path,
            environment: ["MLFLOW_TRACKING_URI": server.url])
        #expect(queued.status == 0, "\(queued.standardError)")
        #expect(server.allRuns.isEmpty, "the failing server took nothing")
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace + "/artifacts/runs")
        let model = try #require(runs.first.map { workspace + "/artifacts/runs/" + $0 + "/model" })

        server.inject { _ in nil }
        let (process, _, banner) = try serve(
            ["--workspace", workspace, "serve", model, "--port", "0", "--tracking-uri", server.url],
            in: directory.path)
        #expect(banner.contains("queued tracking item"), "serve says it delivers the queue: \(banner)")
        let deadline = Date().addingTimeInterval(60)
        while server.allRuns.first?.status != "FINISHED" && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(server.allRuns.count == 1 && server.allRuns.first?.status == "FINISHED", "the queued run arrived")
        let match = try #require(banner.firstMatch(of: /127\.0\.0\.1:([0-9]+)\/invocations/), "\(banner)")
        let connection = try #require(RawHTTP.connect(port: Int(match.1)!))
        defer { close(connection) }
        #expect(RawHTTP.send(connection, RawHTTP.request("GET", "/model", body: [])))
        let reply = RawHTTP.receive(connection)
        #expect(reply?.status == 200 && reply?.body.contains("\"digest\":\"sha256:") == true, "\(reply?.body ?? "")")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
