import Foundation
import MLCore

/// Delivers an outbox to its tracking server on a thread of its own, so that no command waits
/// for the server: oldest first, consecutive params/metrics/tags of a run merged into as few
/// `log-batch` requests as MLflow's limits allow, retried with exponential backoff (0.5 s up to
/// 30 s) while the server is unreachable or answers 408, 429 or 5xx, and kept while it refuses
/// the credentials (401, 403). An item the server refuses for good (another 4xx) moves to
/// `outbox_failed` with the reason, so it never blocks the queue.
///
/// One process at a time delivers a workspace's outbox (an exclusive `flock` on a file beside
/// the catalog, released by the system when the process dies), so two shells never send an item
/// twice; a run whose creation may have reached the server before a crash is looked up by its
/// `plateshell.run_id` tag before it is created again.
public final class OutboxSender: @unchecked Sendable {
    // @unchecked Sendable: the state others read or change (`state`, `stopped`, `retryNow`,
    // `woken`, `running`) is guarded by `condition`, which the waits also need (Mutex has no
    // condition variable); `experimentIds` and `lockDescriptor` belong to the sender's thread
    // (`lockDescriptor` also to `start` before it starts the thread, and to `deinit`).
    /// What the sender knows about its last deliveries, for `tracking status`.
    public struct State: Sendable, Equatable {
        /// The last failure (nil after a delivery succeeds), and when it happened.
        public var lastError: String?
        public var lastErrorTime: Int64?
        /// When the last item was delivered, and how many were since the sender started.
        public var lastDelivery: Int64?
        public var delivered = 0
        /// Whether this process delivers the workspace's outbox (false: another PlateShell does).
        public var holdsLock = false
        /// Counts failures, so a waiter can tell a new one from an old one.
        var failures = 0
    }

    /// How a wait for the outbox ended.
    public enum Wait: Sendable, Equatable {
        case delivered
        /// Items still wait: how many, and the last failure, if any.
        case pending(Int, lastError: String?)
    }

    public let outbox: Outbox
    public let client: MLflowClient
    /// Where the workspace's run folders are (artifacts are read from there when they are sent).
    let artifactRoot: String
    private let lockPath: String
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var state = State()
    private var stopped = false
    private var retryNow = false
    private var woken = false
    private var running = false
    // Used by the sender's thread only:
    private var experimentIds: [String: String] = [:]
    private var lockDescriptor: Int32 = -1

    /// How long the sender sleeps when it has nothing to send before it looks again (items other
    /// processes queue are found this way).
    public static let idleInterval: TimeInterval = 2

    /// - Parameters:
    ///   - catalog: the workspace's catalog (its artifacts are read from there).
    ///   - client: the server.
    public init(catalog: Catalog, client: MLflowClient) throws {
        outbox = try Outbox(catalogPath: catalog.path, server: client.server)
        self.client = client
        artifactRoot = catalog.artifactRoot
        lockPath = catalog.path + ".outbox-lock"
    }

    deinit { if lockDescriptor >= 0 { close(lockDescriptor) } }

    /// Takes the workspace's delivery lock if it is free, then starts the sender's thread (once).
    public func start() {
        condition.lock()
        guard !running else {
            condition.unlock()
            return
        }
        running = true
        stopped = false
        condition.unlock()
        _ = holdLock()
        let thread = Thread { [self] in run() }
        thread.name = "plateshell-outbox"
        thread.start()
    }

    /// Stops the thread after the request in flight, and waits until it has stopped.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    /// Tells the sender new items wait; `retry` also ends a backoff at once.
    public func wake(retry: Bool = false) {
        condition.lock()
        woken = true
        if retry { retryNow = true }
        condition.broadcast()
        condition.unlock()
    }

    /// A snapshot of the sender's state.
    public var currentState: State {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// How often the sender retries while someone waits for the queue (`waitUntilDelivered`).
    public static let waitingRetryInterval: TimeInterval = 1

    /// Waits until no item waits (of `runId`, if given), at most `timeout` seconds, or — with
    /// `failures` — until that many attempts to deliver have failed since the wait began (the
    /// sender retries after 0.5, 1, 1 … s while someone waits, so 3 failures take about 2.5 s), or
    /// until `cancellation` is requested (Ctrl-C).
    public func waitUntilDelivered(
        runId: String? = nil, timeout: TimeInterval, failures allowed: Int? = nil,
        cancellation: Cancellation? = nil
    ) -> Wait {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        let failuresBefore = state.failures
        condition.unlock()
        var nextRetry = Date()
        // The last count read; an outbox that cannot be read is never taken for an empty one.
        var remaining = 0
        while true {
            if Date() >= nextRetry {
                // Someone waits: retry at least every `waitingRetryInterval`, so a server that comes
                // back is found within about that, not after the rest of a long backoff.
                wake(retry: true)
                nextRetry = Date().addingTimeInterval(Self.waitingRetryInterval)
            }
            var readFailure: String?
            do {
                remaining = try outbox.queued(runId: runId)
            } catch {
                readFailure = Outbox.readFailure(error)
            }
            condition.lock()
            let snapshot = state
            if remaining == 0 && readFailure == nil {
                condition.unlock()
                return .delivered
            }
            if Date() >= deadline || allowed.map({ snapshot.failures - failuresBefore >= $0 }) == true
                || cancellation?.isRequested == true
            {
                condition.unlock()
                return .pending(remaining, lastError: readFailure ?? snapshot.lastError)
            }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
            condition.unlock()
        }
    }

    /// Asks the server whether it answers now (one cheap read), so that what `tracking status`
    /// shows is true: in a fresh process, a server that is down becomes the last error; a server
    /// that answers clears the old error, ends a backoff at once and gets at most `settle` seconds
    /// (less when delivery fails) to take the queue.
    ///
    /// - Returns: why the server cannot be used, nil when it answers.
    public func probe(settle: TimeInterval) -> String? {
        do {
            try client.checkAccess()
        } catch {
            let message = (error as? MLflowError)?.engineError.message ?? "\(error)"
            record(failure: message)
            return message
        }
        condition.lock()
        state.lastError = nil
        state.lastErrorTime = nil
        condition.unlock()
        if currentState.holdsLock { _ = waitUntilDelivered(timeout: settle, failures: 1) }
        return nil
    }

    // MARK: - The thread

    private func run() {
        var backoff: TimeInterval = 0
        while !isStopped {
            guard holdLock() else {
                sleep(Self.idleInterval, untilWoken: false)
                continue
            }
            let items: [Outbox.Pending]
            do {
                items = try outbox.pending(limit: 500)
            } catch {
                record(failure: "cannot read the outbox: \(error)")
                sleep(1, untilWoken: false)
                continue
            }
            if items.isEmpty {
                sleep(Self.idleInterval, untilWoken: true)
                continue
            }
            let deliveredBefore = currentState.delivered
            do {
                try deliver(items)
                backoff = 0
            } catch {
                record(
                    failure: (error as? MLflowError)?.engineError.message ?? (error as? EngineError)?.message
                        ?? "\(error)")
                // The backoff starts again whenever something got through: the server is back.
                backoff = currentState.delivered > deliveredBefore ? 0.5 : min(max(0.5, backoff * 2), 30)
                sleep(backoff, untilWoken: false)
            }
        }
        if lockDescriptor >= 0 {
            close(lockDescriptor)
            lockDescriptor = -1
        }
        condition.lock()
        running = false
        state.holdsLock = false
        condition.broadcast()
        condition.unlock()
    }

    private var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Sleeps up to `seconds`, waking early when stopped or told to retry, and — with
    /// `untilWoken` (idle, not backing off) — when new items are queued.
    private func sleep(_ seconds: TimeInterval, untilWoken: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        while !stopped && !retryNow && !(untilWoken && woken) && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        retryNow = false
        woken = false
        condition.unlock()
    }

    /// Takes the workspace's delivery lock, or says another process holds it.
    private func holdLock() -> Bool {
        if lockDescriptor < 0 {
            lockDescriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            if lockDescriptor < 0 { return false }
        }
        let held = currentState.holdsLock || flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0
        condition.lock()
        state.holdsLock = held
        condition.unlock()
        return held
    }

    private func record(failure: String) {
        condition.lock()
        state.lastError = failure
        state.lastErrorTime = millisecondsNow()
        state.failures += 1
        condition.broadcast()
        condition.unlock()
    }

    private func record(delivered count: Int) {
        condition.lock()
        state.lastError = nil
        state.lastDelivery = millisecondsNow()
        state.delivered += count
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Delivering items

    /// Delivers `items` in order, until all are sent or a failure worth retrying stops it.
    private func deliver(_ items: [Outbox.Pending]) throws {
        var index = 0
        while index < items.count, !isStopped {
            var group = [items[index]]
            if case .logBatch = items[index].item {
                while index + group.count < items.count, items[index + group.count].runId == items[index].runId,
                    case .logBatch = items[index + group.count].item
                { group.append(items[index + group.count]) }
            }
            index += group.count
            let seqs = group.map(\.seq)
            do {
                let created = try send(group)
                try outbox.delivered(seqs, created: created)
                record(delivered: group.count)
            } catch let error as MLflowError where !error.isRetryable && !error.isAuthorization {
                try outbox.fail(seqs, reason: error.engineError.message)
                record(failure: error.engineError.message)
            } catch let error as EngineError {
                try outbox.fail(seqs, reason: error.message)
                record(failure: error.message)
            }
        }
    }

    /// Sends one item, or one run's consecutive batches merged; returns the run or LoggedModel it created.
    private func send(_ group: [Outbox.Pending]) throws -> Outbox.Created? {
        let first = group[0]
        if case .createRun(let experiment, let name, let startTime, let user, let tags) = first.item {
            if try outbox.remoteRun(first.runId) != nil { return nil }
            let experimentId = try experimentId(named: experiment)
            var created: (id: String, artifactURI: String)?
            if first.attempts > 0 {
                created = try client.run(taggedWith: Self.runTag, value: first.runId, experimentId: experimentId)
            }
            if created == nil {
                try outbox.noteAttempt(first.seq)
                var remoteTags = try translated(tags)
                remoteTags[Self.runTag] = first.runId
                created = try client.createRun(
                    experimentId: experimentId, name: name, startTime: startTime, user: user, tags: remoteTags)
            }
            return .run(runId: first.runId, remoteId: created!.id, artifactURI: created!.artifactURI)
        }
        guard let remote = try outbox.remoteRun(first.runId) else {
            throw EngineError(
                .unknownValue,
                "run \(first.runId.prefix(8)) was never created on the server, so its \(first.item.kind) cannot be sent"
            )
        }
        switch first.item {
        case .createRun: break
        case .logBatch:
            var params: [String: String] = [:]
            var tags: [String: String] = [:]
            var metrics: [MetricPoint] = []
            for pending in group {
                guard case .logBatch(let p, let m, let t) = pending.item else { continue }
                params.merge(p) { $1 }
                tags.merge(t) { $1 }
                metrics += m
            }
            try client.logBatch(
                runId: remote.id, params: try translated(params), metrics: metrics, tags: try translated(tags))
        case .logInputs(let datasets):
            try client.logInputs(runId: remote.id, datasets: datasets)
        case .artifact(let path):
            let file = artifactRoot + "/" + first.runId + "/" + path
            if path.hasSuffix("MLmodel") { try namingServerRun(file, local: first.runId, remote: remote.id) }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw EngineError(
                    .io, "artifact '\(path)' of run \(first.runId.prefix(8)) is no longer in the workspace (\(file))")
            }
            try client.uploadArtifact(artifactURI: remote.artifactURI, path: path, data: data)
        case .endRun(let status, let endTime):
            try client.endRun(runId: remote.id, status: status, endTime: endTime)
        case .loggedModel(let name, let params, let tags, let metrics):
            return .loggedModel(
                runId: first.runId,
                modelId: try sendLoggedModel(
                    first, remoteRun: remote.id, name: name, params: params, tags: tags,
                    metrics: metrics))
        case .registerVersion(let name, let description, let versionDescription, let tags, let key):
            let number = try sendRegistration(
                first, remoteRun: remote.id, name: name, description: description,
                versionDescription: versionDescription, tags: tags, key: key)
            return .version(key: key, name: name, number: number)
        case .transition(let name, let version, let stage, let archiveExisting):
            _ = try client.transition(
                name: name, version: try number(of: version), stage: stage, archiveExisting: archiveExisting)
        case .setAlias(let name, let alias, let version):
            try client.setAlias(name: name, alias: alias, version: try number(of: version))
        }
        return nil
    }

    /// Creates a run's LoggedModel on the server (or finds the one a lost answer created), uploads
    /// its files, links it to the run and its metrics, and marks it READY; returns its id.
    private func sendLoggedModel(
        _ item: Outbox.Pending, remoteRun: String, name: String, params: [String: String], tags: [String: String],
        metrics: [MetricPoint]
    ) throws -> String {
        if let known = try outbox.remoteModel(item.runId) { return known }
        let experimentId = try client.run(id: remoteRun).record.experimentId
        var model =
            item.attempts > 0
            ? try client.loggedModel(sourceRunId: remoteRun, name: name, experimentId: experimentId) : nil
        if model == nil {
            try outbox.noteAttempt(item.seq)
            model = try client.createLoggedModel(
                experimentId: experimentId, name: name, sourceRunId: remoteRun, params: params, tags: tags)
        }
        let (modelId, artifactURI) = model!
        let folder = artifactRoot + "/" + item.runId + "/" + name
        try namingServerRun(folder + "/MLmodel", local: item.runId, remote: remoteRun)
        for (path, data) in try ModelDigest.files(in: folder).sorted(by: { $0.key < $1.key }) {
            try client.uploadArtifact(artifactURI: artifactURI, path: path, data: data)
        }
        try client.linkOutputs(runId: remoteRun, modelId: modelId)
        try client.logBatch(runId: remoteRun, params: [:], metrics: metrics, tags: [:], modelId: modelId)
        try client.finishLoggedModel(modelId)
        return modelId
    }

    /// Rewrites the `run_id` of the `MLmodel` file at `file` from the workspace run's id to the
    /// server's (a run queued while the server was down has one of each), before it is sent: the
    /// model on the server names the server's run, as `MlflowClient.get_run` needs, and the
    /// workspace keeps the same bytes, so the model's digest is the same in both places.
    func namingServerRun(_ file: String, local: String, remote: String) throws {
        guard local != remote, FileManager.default.fileExists(atPath: file) else { return }
        // An MLmodel that cannot be read fails the item (it is retried): sent as it is, it would
        // name a run the server does not have.
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw EngineError(.io, "cannot read '\(file)': \(FileSystemProblem.reason(for: error, at: file))")
        }
        let renamed = text.replacingOccurrences(of: "\nrun_id: \"\(local)\"\n", with: "\nrun_id: \"\(remote)\"\n")
        guard renamed != text else { return }
        try AtomicFile.write(Data(renamed.utf8), to: file)
    }

    /// The tag that names a server run's workspace run.
    public static let runTag = "plateshell.run_id"

    private func experimentId(named name: String) throws -> String {
        if let known = experimentIds[name] { return known }
        let id = try client.experimentId(named: name)
        experimentIds[name] = id
        return id
    }

    /// Values that name a workspace run (keys ending in `run_id` or `RunId`, as
    /// `mlflow.parentRunId` and a scoring run's `model_run_id`), as the server knows that run.
    func translated(_ values: [String: String]) throws -> [String: String] {
        var result = values
        for (key, value) in values where key.hasSuffix("run_id") || key.hasSuffix("RunId") {
            if let remote = try outbox.remoteRun(value) { result[key] = remote.id }
        }
        return result
    }
}
