import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// A tracking server as the registry of record, against a fake MLflow server whose faults the
/// tests choose: the outbox delivers in order and in batches, survives a server that is down, a
/// lost answer, refused credentials and a crash; the registry numbers versions on the server;
/// downloads are verified and cached.
@Suite("Tracking server: outbox, registry of record, model cache")
struct ServerTrackingTests {
    typealias F = ScoringFixture

    /// A server tracker on a fresh workspace.
    func tracker(_ workspace: TemporaryDirectory, _ server: FakeMLflowServer, credentials: MLflowCredentials? = nil)
        throws -> ServerTracker
    {
        try ServerTracker(
            catalog: try Catalog(workspace: workspace.path),
            client: try MLflowClient(uri: server.url, credentials: credentials, timeout: 15))
    }

    /// A finished run that logged the fixture's model.
    func runWithModel(_ tracker: Tracker, name: String = "fit rf") throws -> String {
        let run = try tracker.startRun(name: name, tags: ["k": "v"])
        try tracker.log(
            run, params: ["n_estimators": "20"], metrics: [MetricPoint(key: "accuracy", value: 0.9, timestamp: 1)])
        try tracker.logModel(
            run, model: .classifier(F.pipeline), featureTypes: F.types, example: F.data.x.selecting(rows: [0, 1]))
        try tracker.endRun(run, status: .finished)
        return run
    }

    func delivered(_ tracker: ServerTracker, timeout: TimeInterval = 20) -> Bool {
        tracker.sender.waitUntilDelivered(timeout: timeout) == .delivered
    }

    @Test("log-batch requests stay within MLflow's limits: 100 params, 100 tags, 1000 metrics, 1000 entities")
    func batchLimits() {
        let params = Dictionary(uniqueKeysWithValues: (0..<250).map { ("p\($0)", "v") })
        let tags = Dictionary(uniqueKeysWithValues: (0..<120).map { ("t\($0)", "v") })
        let metrics = (0..<2500).map { MetricPoint(key: "m", value: Double($0), timestamp: 1, step: Int64($0)) }
        let requests = MLflowClient.batches(params: params, metrics: metrics, tags: tags)
        func count(_ request: [(String, JSON)], _ key: String) -> Int {
            if case .array(let items)? = request.first(where: { $0.0 == key })?.1 { return items.count }
            return 0
        }
        #expect(
            requests.allSatisfy {
                count($0, "params") <= 100 && count($0, "tags") <= 100 && count($0, "metrics") <= 1000
            })
        #expect(requests.allSatisfy { count($0, "params") + count($0, "tags") + count($0, "metrics") <= 1000 })
        #expect(
            requests.map { count($0, "params") }.reduce(0, +) == 250
                && requests.map { count($0, "tags") }.reduce(0, +) == 120)
        #expect(requests.map { count($0, "metrics") }.reduce(0, +) == 2500, "nothing is dropped")
        #expect(requests.count == 3, "as few requests as the limits allow (2870 entities): \(requests.count)")
        let big = String(repeating: "x", count: 6000)
        let heavy = MLflowClient.batches(
            params: Dictionary(uniqueKeysWithValues: (0..<100).map { ("p\($0)", big) }), metrics: [],
            tags: Dictionary(uniqueKeysWithValues: (0..<100).map { ("t\($0)", big) }))
        #expect(
            heavy.count == 2,
            "1.2 MB of values do not fit under MLflow's 1 MB request limit in one request: \(heavy.count)")
    }

    @Test("queued writes reach the server in order, merged into few requests; the run has one id, the server's")
    func delivery() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let tracker = try tracker(workspace, server)
        tracker.experimentName = "exp"
        // Everything queued before the sender runs: on a loaded machine it could otherwise send
        // between two writes, and how many requests the writes take would depend on the timing.
        tracker.sender.stop()
        let run = try tracker.startRun(name: "many")
        for step in 0..<30 {
            try tracker.log(
                run, metrics: [MetricPoint(key: "loss", value: 1 / Double(step + 1), timestamp: 1, step: Int64(step))])
        }
        try tracker.log(run, params: Dictionary(uniqueKeysWithValues: (0..<150).map { ("p\($0)", String($0)) }))
        try tracker.logArtifact(run, path: "notes/a.txt", data: Data("hello".utf8))
        try tracker.endRun(run, status: .finished)
        tracker.sender.start()
        #expect(delivered(tracker))
        let remote = try #require(server.runs["many"])
        #expect(remote.status == "FINISHED" && remote.params.count == 150 && remote.metrics.count == 30)
        #expect(remote.metrics.map(\.step) == (0..<30).map(Int64.init), "metric points keep their order")
        #expect(remote.id == run, "made on the reachable server first: one id in the workspace and on the server")
        #expect(remote.tags[OutboxSender.runTag] == run && remote.tags["mlflow.runName"] == "many")
        #expect(server.artifacts["1/\(remote.id)/artifacts/notes/a.txt"] == Data("hello".utf8))
        let batches = server.requests.filter { $0.path.hasSuffix("log-batch") }.count
        #expect(batches <= 3, "31 queued batches were sent in \(batches) requests")
        #expect(try tracker.sender.outbox.counts().isEmpty && (try tracker.catalog.run(run).status == .finished))
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("an outbox that cannot be read is never taken for an empty one: waiting says why, counting throws")
    func unreadableOutbox() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let tracker = try tracker(workspace, server)
        _ = try runWithModel(tracker)
        #expect(delivered(tracker))
        // Another program breaks the catalog's outbox table under the running tracker.
        try DatabaseQueue(path: tracker.catalog.path).write { db in
            try db.execute(sql: "ALTER TABLE outbox RENAME TO outbox_elsewhere")
        }
        #expect(throws: (any Error).self) { try tracker.sender.outbox.queued() }
        let waited = tracker.sender.waitUntilDelivered(timeout: 1)
        guard case .pending(_, let lastError) = waited else {
            Issue.record("an unreadable outbox was reported delivered: \(waited)")
            return
        }
        #expect(lastError?.hasPrefix("the tracking outbox cannot be read: ") == true, "\(lastError ?? "nil")")
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("registering a model that exists never replaces its description; one without gets the new one")
    func registrationKeepsDescription() throws {
        let server = try FakeMLflowServer()
        let client = try MLflowClient(uri: server.url, credentials: nil, timeout: 15)
        try client.registerModel("described", description: "set by the team")
        try client.registerModel("described", description: "a queued registration's")
        #expect(try client.registeredModel("described").description == "set by the team")
        try client.registerModel("bare", description: nil)
        try client.registerModel("bare", description: "the first one given")
        #expect(try client.registeredModel("bare").description == "the first one given")
    }

    @Test("a server that is down: every write is recorded and queued, and delivered once it answers; a 5xx is retried")
    func serverDown() throws {
        let port = try FakeMLflowServer().port // a free port, closed again
        let workspace = TemporaryDirectory()
        let catalog = try Catalog(workspace: workspace.path)
        let tracker = try ServerTracker(
            catalog: catalog, client: try MLflowClient(uri: "http://127.0.0.1:\(port)", credentials: nil, timeout: 2))
        let run = try runWithModel(tracker)
        #expect(try catalog.run(run).status == .finished, "the workspace has the run at once")
        #expect(tracker.sender.waitUntilDelivered(timeout: 10, failures: 1) != .delivered)
        let queued = try tracker.sender.outbox.counts().values.reduce(0, +)
        #expect(queued >= 8, "run, batches, model files and end stay queued: \(queued)")
        #expect(
            tracker.sender.currentState.lastError?.hasPrefix(
                "cannot reach the MLflow server at http://127.0.0.1:\(port)") == true)
        #expect(
            tracker.drainWarnings().first?.contains("queued for the MLflow server") == true, "the shell is told once")
        #expect(tracker.drainWarnings().isEmpty, "and not again while nothing changes")
        let registering = try tracker.register(
            runId: run, name: "m", description: nil, versionDescription: "", tags: ["team": "q"])
        guard case .queued("m", run, let reason) = registering else {
            Issue.record("the registration is queued, not refused: \(registering)")
            return
        }
        #expect(reason.hasPrefix("cannot reach the MLflow server at http://127.0.0.1:\(port)"))
        #expect(try tracker.queueTransition("m", version: "latest", to: .production, archiveExisting: true))
        #expect(try tracker.queueAlias("m", alias: "champion", version: "latest"))
        #expect(try tracker.sender.outbox.counts()["version"] == 1 && tracker.sender.outbox.counts()["alias"] == 1)
        let second = try tracker.register(runId: run, name: "m", description: nil, versionDescription: "", tags: [:])
        #expect(second.version == nil, "a second registration of m waits behind the first")
        #expect(try tracker.queueAlias("m", alias: "challenger", version: "latest"))

        let server = try FakeMLflowServer(port: port)
        let flaky = Counter()
        server.inject { request in
            guard request.path.hasSuffix("log-batch") else { return nil }
            switch flaky.next() {
            case 0: return .status(429, code: "REQUEST_LIMIT_EXCEEDED", message: "slow down")
            case 1: return .status(500, code: "INTERNAL_ERROR", message: "oops")
            case 2: return .status(503, code: "TEMPORARILY_UNAVAILABLE", message: "busy")
            default: return nil
            }
        }
        #expect(
            delivered(tracker, timeout: 60), "delivered after the server came back (a 429, a 500 and a 503 retried)")
        #expect(flaky.next() >= 4, "the batch was tried again after each")
        #expect(server.runs["fit rf"]?.status == "FINISHED" && server.runs["fit rf"]?.params["n_estimators"] == "20")
        #expect(server.artifacts.keys.contains { $0.hasSuffix("/artifacts/model/MLmodel") })
        #expect(server.requests.filter { $0.path.hasSuffix("runs/create") }.count == 1)
        // Queued while the server was down: the server gave the run its own id, and the model names it.
        let remoteId = try #require(server.runs["fit rf"]?.id)
        #expect(remoteId != run)
        let uploaded = server.artifacts.filter { $0.key.hasSuffix("/MLmodel") }.map {
            String(decoding: $0.value, as: UTF8.self)
        }
        #expect(
            uploaded.count >= 2 && uploaded.allSatisfy { $0.contains("\nrun_id: \"\(remoteId)\"\n") }, "\(uploaded)")
        let kept = try String(contentsOfFile: catalog.runDirectory(run) + "/model/MLmodel", encoding: .utf8)
        #expect(kept.contains("\nrun_id: \"\(remoteId)\"\n"), "the workspace's copy is the same, so the digests agree")
        let versions = try tracker.registry.versions("m")
        #expect(versions.map(\.version) == [1, 2], "the queued registrations arrived, numbered by the server")
        #expect(versions.first?.stage == .production && versions.first?.tags["team"] == "q")
        #expect(versions.first?.tags[ModelDigest.tag]?.hasPrefix("sha256:") == true)
        #expect(try tracker.registry.resolve("models:/m@champion").version == 1, "the queued alias followed, in order")
        #expect(try tracker.registry.resolve("models:/m@challenger").version == 2)
        #expect(try tracker.hasQueuedRegistration(of: "m") == false)
        #expect(
            try catalog.registrationServers(of: "m") == ["http://127.0.0.1:\(port)"],
            "the workspace remembers where the queued registration arrived")
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("a slow server costs the first run its direct attempt (2 s) and no more; each run is made on it once")
    func slowServer() throws {
        let server = try FakeMLflowServer()
        server.inject { $0.path.hasSuffix("runs/create") ? .delay(4) : nil }
        let workspace = TemporaryDirectory()
        let tracker = try tracker(workspace, server)
        var started = Date()
        let first = try tracker.startRun(name: "a")
        let firstTook = Date().timeIntervalSince(started)
        started = Date()
        let second = try tracker.startRun(name: "b")
        let secondTook = Date().timeIntervalSince(started)
        #expect(
            firstTook >= ServerTracker.directTimeout - 0.5 && firstTook < ServerTracker.directTimeout + 1,
            "the first run waited for the server's answer at most about 2 s: \(firstTook)")
        #expect(secondTook < 0.5, "the next run goes straight to the queue behind the first: \(secondTook)")
        server.inject { _ in nil }
        try tracker.endRun(first, status: .finished)
        try tracker.endRun(second, status: .finished)
        #expect(delivered(tracker, timeout: 60))
        #expect(server.allRuns.count == 2, "the run whose answer was lost was found by its tag, not made twice")
        #expect(Set(server.allRuns.map { $0.tags[OutboxSender.runTag] }) == [first, second])
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("a version made by the server whose answer was lost is found by its registration's tag, not made twice")
    func lostVersionAnswer() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let tracker = try tracker(workspace, server)
        let run = try runWithModel(tracker)
        #expect(delivered(tracker, timeout: 30))
        let once = Counter()
        let held = Mutex(true) // the queued registration waits until its alias is queued behind it
        server.inject { request in
            if request.path.hasSuffix("model-versions/create") && once.next() == 0 {
                return .status(502, code: "BAD_GATEWAY", message: "lost")
            }
            return request.path.hasSuffix("model-versions/search") && held.withLock({ $0 })
                ? .status(503, code: "TEMPORARILY_UNAVAILABLE", message: "busy") : nil
        }
        let registration = try tracker.register(
            runId: run, name: "m", description: nil, versionDescription: "", tags: [:])
        guard case .queued("m", run, let reason) = registration else {
            Issue.record("a lost answer queues the registration: \(registration)")
            return
        }
        #expect(reason.contains("502"), "\(reason)")
        #expect(try tracker.queueAlias("m", alias: "champion", version: "latest"))
        held.withLock { $0 = false }
        #expect(delivered(tracker, timeout: 30))
        let versions = try tracker.registry.versions("m")
        #expect(versions.map(\.version) == [1], "the server made the version once")
        #expect(server.requests.filter { $0.path.hasSuffix("model-versions/create") }.count == 1)
        #expect(try tracker.registry.resolve("models:/m@champion").version == 1)
        #expect(try tracker.catalog.registrationServers(of: "m") == [server.url])
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("each failure says whether retrying helps and what to do")
    func failureAdvice() {
        func error(_ status: Int?) -> MLflowError {
            MLflowError(
                server: "http://h:5000", method: "POST", path: "api/2.0/mlflow/runs/create",
                failure: status.map { .refused(status: $0, code: "X", message: "m") } ?? .unreachable("refused"))
        }
        #expect(
            [nil, 408, 429, 500, 503].allSatisfy { error($0).isRetryable }
                && ![400, 401, 403, 404].contains { error($0).isRetryable })
        #expect(error(401).isAuthorization && error(403).isAuthorization && !error(404).isAuthorization)
        #expect(
            error(401).engineError.hint?.contains(
                "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN") == true)
        #expect(error(403).engineError.hint == "the user lacks the permission; ask the server's admin for it")
        #expect(error(429).engineError.hint == "the server is rate-limiting; try again shortly")
        #expect(
            error(500).engineError.message
                == "the MLflow server at http://h:5000 refused POST mlflow/runs/create: HTTP 500 X: m")
        #expect(error(nil).engineError.message == "cannot reach the MLflow server at http://h:5000 (refused)")
    }

    @Test("a run whose creation reached the server but whose answer was lost is found by its tag, not created twice")
    func lostAnswer() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let once = Counter()
        server.inject { request in
            request.path.hasSuffix("runs/create") && once.next() == 0
                ? .status(502, code: "BAD_GATEWAY", message: "lost") : nil
        }
        let tracker = try tracker(workspace, server)
        let run = try tracker.startRun(name: "r")
        try tracker.endRun(run, status: .finished)
        #expect(delivered(tracker, timeout: 30))
        #expect(server.requests.filter { $0.path.hasSuffix("runs/create") }.count == 1 && server.runs.count == 1)
        #expect(server.runs["r"]?.status == "FINISHED")
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("refused credentials (401) keep the items queued with a clear message; the right ones deliver them")
    func credentials() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let right = MLflowCredentials.basic(user: "alice", password: "secret")
        server.inject { request in
            request.authorization == right.authorization
                ? nil : .status(401, code: "UNAUTHENTICATED", message: "You are not authenticated.")
        }
        let wrong = try tracker(workspace, server, credentials: .basic(user: "alice", password: "nope"))
        let run = try wrong.startRun(name: "r")
        try wrong.endRun(run, status: .finished)
        #expect(wrong.sender.waitUntilDelivered(timeout: 10, failures: 1) != .delivered)
        let error = try #require(wrong.sender.currentState.lastError)
        #expect(error.contains("HTTP 401 UNAUTHENTICATED") && error.contains(server.url))
        #expect(
            error.contains("You are not authenticated; it refused user 'alice' (MLFLOW_TRACKING_USERNAME/PASSWORD)"),
            "the server's words, then which credentials it refused: \(error)")
        #expect(try wrong.sender.outbox.counts()["run"] == 1, "nothing was dropped")
        #expect(wrong.close(waitingUpTo: 0) == 2)

        let fixed = try tracker(workspace, server, credentials: right)
        #expect(delivered(fixed))
        #expect(server.runs["r"]?.status == "FINISHED")
        #expect(server.requests.last?.authorization == "Basic " + Data("alice:secret".utf8).base64EncodedString())
        _ = fixed.close(waitingUpTo: 0)
        #expect(
            MLflowCredentials.fromEnvironment(["MLFLOW_TRACKING_TOKEN": "t", "MLFLOW_TRACKING_USERNAME": "u"])
                == .bearer(token: "t"))
        #expect(MLflowCredentials.bearer(token: "t").authorization == "Bearer t")
        #expect(MLflowCredentials.fromEnvironment([:]) == nil)
    }

    @Test("an item the server refuses for good (400) is set aside with the reason; the queue goes on")
    func refusedItem() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        server.inject { request in
            request.path.hasSuffix("log-inputs")
                ? .status(400, code: "INVALID_PARAMETER_VALUE", message: "bad dataset") : nil
        }
        let tracker = try tracker(workspace, server)
        let run = try tracker.startRun(name: "r")
        try tracker.logInputs(
            run,
            datasets: [
                DatasetInput(
                    name: "d", digest: "x", sourceType: "s", source: "{}", schema: "{}", profile: "{}",
                    context: "training")
            ])
        try tracker.endRun(run, status: .finished)
        #expect(delivered(tracker))
        #expect(server.runs["r"]?.status == "FINISHED", "the end was delivered after the refused item")
        let failures = try tracker.sender.outbox.failures()
        #expect(
            failures.count == 1 && failures[0].kind == "dataset"
                && failures[0].reason.contains("INVALID_PARAMETER_VALUE: bad dataset"))
        #expect(
            tracker.drainWarnings().contains { $0.contains("refused the dataset of run \(run.prefix(8)) for good") })
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("a crash leaves the queue in the catalog; the next tracker on the workspace delivers it")
    func resumesAfterCrash() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        server.inject { _ in .status(503, code: "TEMPORARILY_UNAVAILABLE", message: "down") }
        let first = try tracker(workspace, server)
        let run = try runWithModel(first)
        first.sender.stop() // as if killed: nothing delivered, nothing closed
        server.inject { _ in nil }
        let next = try tracker(workspace, server)
        #expect(delivered(next))
        #expect(server.runs["fit rf"]?.tags[OutboxSender.runTag] == run)
        _ = next.close(waitingUpTo: 0)
    }

    @Test("a run recorded before the server was set is copied whole into its own experiment, not the tracker's")
    func copiesEarlierRuns() throws {
        let server = try FakeMLflowServer()
        let workspace = TemporaryDirectory()
        let embedded = EmbeddedTracker(catalog: try Catalog(workspace: workspace.path))
        embedded.experimentName = "early"
        let run = try embedded.startRun(name: "before the server")
        try embedded.log(run, params: ["k": "v"])
        try embedded.endRun(run, status: .finished)

        let tracker = try tracker(workspace, server)
        tracker.experimentName = "later"
        try tracker.log(run, metrics: [MetricPoint(key: "late", value: 1, timestamp: 2)])
        #expect(delivered(tracker))
        let remote = try #require(server.runs["before the server"])
        #expect(server.experimentNames[remote.experimentId] == "early")
        #expect(remote.status == "FINISHED" && remote.params == ["k": "v"] && remote.metrics.map(\.key) == ["late"])
        #expect(remote.tags[OutboxSender.runTag] == run)
        _ = tracker.close(waitingUpTo: 0)
    }

    @Test("the server numbers versions: two workspaces registering one model get 1 and 2; reads and URIs resolve there")
    func registryOfRecord() throws {
        let server = try FakeMLflowServer()
        let (a, b) = (TemporaryDirectory(), TemporaryDirectory())
        let alice = try tracker(a, server)
        let bob = try tracker(b, server)
        let registered = try alice.register(
            runId: try runWithModel(alice), name: "m", description: "the model", versionDescription: "v1",
            tags: ["team": "q"])
        let first = try #require(registered.version, "\(registered)")
        let second = try #require(
            try bob.register(
                runId: try runWithModel(bob), name: "m", description: nil, versionDescription: "v2", tags: [:]
            ).version)
        #expect(first.version == 1 && second.version == 2)
        #expect(first.tags[ModelDigest.tag]?.hasPrefix("sha256:") == true && first.tags["team"] == "q")
        let loggedModel = try #require(
            server.loggedModels[String(first.source.dropFirst("models:/".count))],
            "registered from its MLflow 3 LoggedModel: \(first.source)")
        #expect(
            loggedModel["status"] == "LOGGED_MODEL_READY" && loggedModel["output_of"] == first.runId
                && loggedModel["source_run_id"] == first.runId)
        #expect(
            server.artifacts.keys.contains {
                $0.hasSuffix("/models/\(first.source.dropFirst("models:/".count))/artifacts/MLmodel")
            },
            "the model's files are the LoggedModel's artifacts too")
        #expect(try bob.registry.versions("m").map(\.version) == [1, 2], "bob reads alice's version from the server")
        _ = try bob.transition("m", version: 1, to: .production, archiveExisting: false)
        try bob.setAlias("m", alias: "champion", version: 2)
        #expect(try alice.registry.resolve("models:/m/Production").version == 1)
        #expect(try alice.registry.resolve("models:/m@champion").version == 2)
        #expect(
            try alice.registry.resolve("models:/m/latest").version == 2
                && (try alice.registry.resolve("models:/m/1").version == 1))
        let noStage = try #require(engineError { _ = try alice.registry.resolve("models:/m/Staging") })
        #expect(
            noStage.message == "no versions of model 'm' are in stage 'Staging' on the MLflow server at \(server.url)")
        let noAlias = try #require(engineError { _ = try alice.registry.resolve("models:/m@chamption") })
        #expect(
            noAlias.message == "m has no alias 'chamption' on the MLflow server at \(server.url)"
                && noAlias.suggestions == ["champion"])
        let noModel = try #require(engineError { _ = try alice.registry.resolve("models:/n/1") })
        #expect(
            noModel.message == "no registered model named 'n' on the MLflow server at \(server.url)"
                && noModel.suggestions == ["m"])
        let noVersion = try #require(engineError { _ = try alice.registry.version("m", 9) })
        #expect(
            noVersion.message == "m has no version 9 on the MLflow server at \(server.url)"
                && noVersion.hint == "it has versions 1 to 2")
        #expect(
            engineError { try alice.setAlias("m", alias: "latest", version: 1) }?.message.contains("reserved") == true)
        _ = alice.close(waitingUpTo: 0)
        _ = bob.close(waitingUpTo: 0)
    }

    @Test(
        "serving from the server: a verified download, the cache reused when the server is down, a follow of an alias moved elsewhere"
    )
    func servingFromServer() throws {
        let server = try FakeMLflowServer()
        let (a, replica) = (TemporaryDirectory(), TemporaryDirectory())
        let alice = try tracker(a, server)
        for _ in 0..<2 {
            _ = try alice.register(
                runId: try runWithModel(alice), name: "m", description: nil, versionDescription: "", tags: [:])
        }
        server.setAlias("m", alias: "champion", version: 1)
        let client = try MLflowClient(uri: server.url, credentials: nil, timeout: 15)
        let source = try ModelSource(uri: "models:/m@champion", workspace: replica.path, server: client)
        #expect(source.model.label == "m/1" && source.notice == nil && source.followInterval == .seconds(2))
        #expect(
            source.model.directory.hasPrefix(replica.path + "/model-cache/m/1/"), "downloaded into the replica's cache")
        #expect(
            try ModelDigest.of(directory: source.model.directory)
                == (try alice.registry.version("m", 1).tags[ModelDigest.tag]))
        let own = try ModelSource(uri: "models:/m@champion", workspace: a.path, server: client)
        #expect(
            own.model.directory.hasPrefix(a.path + "/artifacts/runs/"),
            "the workspace that sent the run reads its own files")

        server.setAlias("m", alias: "champion", version: 2)
        #expect(try source.refresh()?.label == "m/2")
        #expect(try source.refresh() == nil, "nothing moved since")
        #expect(source.recordProblem == nil)
        // Another program breaks the cache's record under the source: it serves on, and says so.
        let replicaCatalog = try DatabaseQueue(path: replica.path + "/catalog.sqlite")
        try replicaCatalog.write { try $0.execute(sql: "ALTER TABLE model_resolutions RENAME TO elsewhere") }
        server.setAlias("m", alias: "champion", version: 1)
        #expect(try source.refresh()?.label == "m/1")
        #expect(
            source.recordProblem?.hasPrefix("the model cache could not record that models:/m@champion resolves to m/1")
                == true, "\(source.recordProblem ?? "nil")")
        try replicaCatalog.write { try $0.execute(sql: "ALTER TABLE elsewhere RENAME TO model_resolutions") }
        server.setAlias("m", alias: "champion", version: 2)
        #expect(try source.refresh()?.label == "m/2")
        #expect(source.recordProblem == nil, "recorded again")

        server.stop()
        let offline = try ModelSource(uri: "models:/m@champion", workspace: replica.path, server: client)
        #expect(offline.model.label == "m/2" && offline.notice?.contains("serving m/2 from the model cache") == true)
        #expect(offline.notice?.hasPrefix("cannot reach the MLflow server at \(server.url)") == true)
        let never = try #require(
            engineError {
                _ = try ModelSource(uri: "models:/m/1", workspace: TemporaryDirectory().path, server: client)
            })
        #expect(never.message.contains("no version of models:/m/1 is in this workspace's model cache"))
        _ = alice.close(waitingUpTo: 0)
    }

    @Test(
        "a truncated or corrupted download, a model of another tool, a URI naming nothing: refused, the old model stays"
    )
    func badDownloads() throws {
        let server = try FakeMLflowServer()
        let a = TemporaryDirectory()
        let alice = try tracker(a, server)
        for _ in 0..<3 {
            _ = try alice.register(
                runId: try runWithModel(alice), name: "m", description: nil, versionDescription: "", tags: [:])
        }
        server.setAlias("m", alias: "champion", version: 1)
        let client = try MLflowClient(uri: server.url, credentials: nil, timeout: 15)
        let source = try ModelSource(uri: "models:/m@champion", workspace: TemporaryDirectory().path, server: client)

        server.inject { $0.path.hasSuffix("/pipeline.json") ? .truncate(100) : nil }
        server.setAlias("m", alias: "champion", version: 2)
        let truncated = try #require(engineError { _ = try source.refresh() })
        #expect(
            truncated.message.contains("the download of m/2's pipeline.json from \(server.url) is truncated: 100 of"))
        #expect(source.model.label == "m/1" && source.lastProblem == truncated.message, "version 1 stays in service")

        server.inject { $0.path.hasSuffix("/pipeline.json") ? .corrupt : nil }
        let corrupted = try #require(engineError { _ = try source.refresh() })
        #expect(
            corrupted.message.hasPrefix(
                "the files of m/2 downloaded from \(server.url) do not match its registered digest (expected sha256:"))
        #expect(source.model.label == "m/1")
        server.inject { _ in nil }
        #expect(try source.refresh()?.label == "m/2", "a good download goes through")

        let foreign = server.registerForeignVersion(
            name: "sk",
            files: [
                "MLmodel": Data(
                    "flavors:\n  python_function: {loader_module: mlflow.sklearn}\n  sklearn: {pickled_model: model.pkl}\n"
                        .utf8),
                "model.pkl": Data([1, 2, 3]),
            ])
        let notOurs = try #require(
            engineError {
                _ = try ModelSource(uri: "models:/sk/\(foreign)", workspace: TemporaryDirectory().path, server: client)
            })
        #expect(
            notOurs.message.contains(
                "is not a PlateShell model: its MLmodel has the flavors python_function, sklearn, not plateshell"))
        server.setAlias("m", alias: "champion", version: 3)
        let third = try alice.registry.version("m", 3).source.dropFirst("models:/".count)
        server.replaceArtifact(
            try #require(server.artifacts.keys.first { $0.hasSuffix("/models/\(third)/artifacts/pipeline.json") }),
            with: Data("{}".utf8))
        #expect(
            engineError { _ = try source.refresh() }?.message.contains("do not match its registered digest") == true,
            "files changed on the server after registration are refused")
        #expect(source.model.label == "m/2")
        _ = alice.close(waitingUpTo: 0)
    }
}

/// Counts calls across threads.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// The count before this call.
    func next() -> Int {
        value.withLock { count in
            defer { count += 1 }
            return count
        }
    }
}
