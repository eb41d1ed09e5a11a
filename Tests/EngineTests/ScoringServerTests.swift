import Foundation
import ScoringHTTP
import Synchronization
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Scoring server over HTTP")
struct ScoringServerTests {
    typealias F = ScoringFixture

    @Test(
        "over HTTP: the protocol's answers; a fuzz barrage and slow clients leave it serving; a taken port is named; stop is graceful"
    )
    func overHTTP() async throws {
        let service = ScoringService(source: F.source)
        let server = ScoringServer(service: service, port: 0)
        let port = try server.start()
        #expect(port > 0 && server.port == port)

        let client = try ScoringClient(endpoint: "http://127.0.0.1:\(port)")
        let answer = try client.invoke(columns: F.data.features, rows: [F.cells(0), F.cells(1)])
        #expect(answer.model == F.source.model.label, "the answer names the model that scored it")
        #expect(answer.columns == ["predicted"] + F.pipeline.classes.map { "proba_\($0)" } && answer.rows.count == 2)
        let refused = engineError { _ = try client.invoke(columns: ["X_Minimum"], rows: [[.integer(1)]]) }
        #expect(
            refused?.message.hasPrefix("the scoring server answered HTTP 400: Model is missing inputs ['X_Maximum'")
                == true)

        // Slow clients: half-sent requests held open while the barrage runs.
        let slow = (0..<4).compactMap { _ in RawHTTP.connect(port: port) }
        for fd in slow {
            _ = "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n".withCString {
                send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL))
            }
        }
        defer { for socket in slow { close(socket) } }
        #expect(slow.count == 4)

        var random = SeededRandom(seed: 11)
        let valid = Array(F.splitBody(rows: [0, 1]).utf8)
        let methods = ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]
        let paths = [
            "/invocations", "/invocations", "/ping", "/version", "/nope", "/invocations/x", "/%zz", "/invocations?a=b",
        ]
        let types: [String?] = [
            "application/json", "application/json", "text/csv", "text/plain", nil, "application/json; charset=ascii",
            "multipart/form-data",
        ]
        var answered = 0
        for _ in 0..<800 {
            var body = valid
            switch Int.random(in: 0..<4, using: &random) {
            case 0: body = Array(body.prefix(Int.random(in: 0..<body.count, using: &random)))
            case 1: body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            case 2:
                body = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            default: break
            }
            let method = methods.randomElement(using: &random)!
            let path = paths.randomElement(using: &random)!
            let type = types.randomElement(using: &random)!
            let reply = try #require(
                RawHTTP.exchange(port: port, RawHTTP.request(method, path, contentType: type, body: body)),
                "\(method) \(path): no HTTP answer")
            answered += 1
            if reply.status == 200 { continue }
            let json = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any]
            #expect(
                (400..<500).contains(reply.status) && (json?["error_code"] is String || json?["detail"] is String),
                "\(method) \(path) \(type ?? "-"): \(reply.status) \(reply.body.prefix(200))")
        }
        #expect(answered == 800)
        #expect(
            RawHTTP.exchange(port: port, RawHTTP.request("POST", "/invocations", body: valid))?.status == 200,
            "still serving")
        #expect(RawHTTP.exchange(port: port, RawHTTP.request("GET", "/ping", contentType: nil))?.status == 200)
        let big = Array(repeating: UInt8(ascii: " "), count: ScoringService.maxBodyBytes + 1)
        #expect(RawHTTP.exchange(port: port, RawHTTP.request("POST", "/invocations", body: big))?.status == 413)
        #expect(service.counts.requests >= 800)

        let taken = ScoringServer(service: service, port: port)
        let error = try #require(await onOwnThread { engineError { try taken.start() } })
        #expect(error.message.hasPrefix("cannot listen on 127.0.0.1:\(port)") && error.hint?.contains("port=N") == true)

        await onOwnThread { server.stop() }
        #expect(server.port == nil && RawHTTP.connect(port: port) == nil, "stopped: the port is closed")
    }
    @Test(
        "the server follows a registry change while busy work holds every thread of Dispatch's global queues and Swift's pool"
    )
    func followsWithThreadPoolsHeld() async throws {
        let workspace = TemporaryDirectory()
        let catalog = try Catalog(workspace: workspace.path)
        let directory = F.source.uri
        for _ in 0..<2 {
            _ = try catalog.createVersion(
                name: "m", runId: nil, source: directory, storageLocation: directory, description: "", tags: [:])
        }
        try catalog.setAlias("m", alias: "champion", version: 1)
        let source = try ModelSource(uri: "models:/m@champion", workspace: workspace.path)
        let server = ScoringServer(service: ScoringService(source: source), port: 0, followInterval: .milliseconds(50))
        let port = try server.start()

        // Spinning (never blocked, so neither pool adds threads) until the waiting thread below has its answer.
        let released = Flag()
        let width = ProcessInfo.processInfo.activeProcessorCount
        for _ in 0..<width {
            DispatchQueue.global().async { while !released.isSet {} }
            Task.detached { while !released.isSet {} }
        }
        try catalog.setAlias("m", alias: "champion", version: 2)
        let (followed, answer) = await onOwnThread { () -> (Bool, String?) in
            defer { released.set() }
            let answer = RawHTTP.exchange(
                port: port, RawHTTP.request("POST", "/invocations", body: Array(F.splitBody(rows: [0]).utf8)))
            for _ in 0..<150 {
                if source.model.version == 2 { return (true, answer?.body) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return (false, answer?.body)
        }
        #expect(
            answer?.contains("\"predictions\"") == true, "requests are answered meanwhile: \(answer ?? "no answer")")
        #expect(followed, "the alias moved to version 2 and the follower saw it within 3 s (checks every 50 ms)")
        #expect(source.lastProblem == nil)
        await onOwnThread { server.stop() }
    }
}

extension ScoringServerTests {
    @Test("the server tells when following its URI fails (once per problem, not every check) and when it works again")
    func followEvents() throws {
        let workspace = TemporaryDirectory()
        let catalog = try Catalog(workspace: workspace.path)
        let good = F.source.uri
        let missing = workspace.path + "/no-such-model"
        for storage in [good, missing, good] {
            _ = try catalog.createVersion(
                name: "m", runId: nil, source: storage, storageLocation: storage, description: "", tags: [:])
        }
        try catalog.setAlias("m", alias: "champion", version: 1)
        let source = try ModelSource(uri: "models:/m@champion", workspace: workspace.path)
        let events = EventLog()
        let server = ScoringServer(
            service: ScoringService(source: source), port: 0, followInterval: .milliseconds(20),
            onFollow: { event in
                switch event {
                case .switched(let model): events.append("switched \(model.label)")
                case .failing(let problem): events.append("failing: \(problem)")
                case .recovered: events.append("recovered")
                }
            })
        _ = try server.start()
        defer { server.stop() }
        try catalog.setAlias("m", alias: "champion", version: 2)
        #expect(events.waitFor { $0.contains { $0.hasPrefix("failing: ") } }, "the failing check is told")
        Thread.sleep(forTimeInterval: 0.3) // fifteen more checks fail the same way
        try catalog.setAlias("m", alias: "champion", version: 3)
        #expect(events.waitFor { $0.contains("switched m/3") }, "\(events.all)")
        let all = events.all
        #expect(all.count == 3 && all[0].contains(missing) && all[1] == "recovered", "\(all)")
        #expect(source.model.label == "m/3" && source.lastProblem == nil)
    }
}

/// Events a callback reports on another thread, read by the test.
private final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    var all: [String] { events.withLock { $0 } }
    func append(_ event: String) { events.withLock { $0.append(event) } }

    /// Waits (up to 5 s) until `condition` holds of the events.
    func waitFor(_ condition: ([String]) -> Bool) -> Bool {
        for _ in 0..<250 {
            if condition(all) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}

/// A flag threads spin on.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
