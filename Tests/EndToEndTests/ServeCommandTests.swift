import Engine
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("End to end: plateshell serve in the foreground")
struct ServeCommandTests {
    @Test("SIGTERM finishes the request in flight and exits 0; a bad URI or port is refused with the reason")
    func foreground() throws {
        let directory = TemporaryDirectory()
        let workspace = directory.path + "/ws"
        let prepared = try BinaryRunner.run(
            [
                "--workspace", workspace, "-c",
                """
                load \(realDataPath) as fsp.faults; label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults; \
                keep top=3 by=Label exclude=Other_Faults; fit nb on=all; register nb as m; stage m 1 Production
                """,
            ], in: directory.path)
        #expect(prepared.status == 0, "\(prepared.standardError)")

        let process = try BinaryRunner.start(
            ["--workspace", workspace, "serve", "models:/m/Production", "--port", "0"], in: directory.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = output.fileHandleForReading
        var banner = ""
        while !banner.contains("\n") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            banner += String(decoding: chunk, as: UTF8.self)
        }
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
        Thread.sleep(forTimeInterval: 2) // time for the server to read the head, even on a busy machine
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
