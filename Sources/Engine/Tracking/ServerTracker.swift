import Foundation
import MLCore
import Synchronization

/// The tracker for a team: an MLflow tracking server (or Databricks) is the registry of record.
///
/// - Tracking writes are recorded in the workspace's catalog and, in the same transaction, queued
///   in its outbox; `OutboxSender` delivers them in the background. A server that is down never
///   blocks or fails a command, and nothing queued is lost to a crash.
/// - Registry writes go to the server first (it numbers versions, so two analysts never collide):
///   `register` waits until the run's queued writes (its model files among them) are delivered,
///   then creates the version from the server's copy of the run, tagged with the model's digest.
/// - Reads (`registry`, `runReader()`) ask the server.
///
/// Sendable as `Tracker` describes: the run finisher's calls share only `carried`; what the
/// session's thread changes is behind mutexes too, so the compiler checks it.
public final class ServerTracker: Tracker, RemoteTracking, Sendable {
    public let catalog: Catalog
    public let client: MLflowClient
    public let sender: OutboxSender
    public let session = TrackerSession()
    private let mlflowRegistry: MLflowRegistry
    /// The same server with short timeouts (each request over within `directTimeout`), for the
    /// runs made there first.
    private let quickClient: MLflowClient
    /// Workspace runs known to be on their way to the server (created by this tracker, or copied).
    private let carried = Mutex<Set<String>>([])
    /// What `drainWarnings` has said: the delivery failure, and how many items were refused for good.
    private let reported = Mutex<(error: String?, failures: Int)>((nil, 0))
    private let cancellationFlag = Mutex<Cancellation?>(nil)

    public var registry: ModelRegistry { mlflowRegistry }

    /// Ends a wait for the queue early (the shell's Ctrl-C), when set.
    public var cancellation: Cancellation? {
        get { cancellationFlag.withLock { $0 } }
        set { cancellationFlag.withLock { $0 = newValue } }
    }

    /// How long `register` waits for a run's queued writes before it gives up.
    public static let registerTimeout: TimeInterval = 120

    /// Starts delivering the workspace's outbox to the server at `client.base`.
    ///
    /// - Throws: `EngineError` when the catalog cannot be opened for the outbox.
    public init(catalog: Catalog, client: MLflowClient) throws {
        self.catalog = catalog
        self.client = client
        mlflowRegistry = MLflowRegistry(client: client)
        quickClient = try MLflowClient(
            uri: client.base.absoluteString, credentials: client.credentials,
            // An HTTP request gets six times its client's timeout in all (the timeout itself to
            // connect, or without a byte): each request of a direct run is over within `directTimeout`.
            timeout: min(Self.directTimeout, client.timeout) / 6)
        do {
            sender = try OutboxSender(catalog: catalog, client: client)
        } catch {
            throw EngineError(.io, "cannot open the outbox of '\(catalog.path)': \(error)")
        }
        let failures = (try? sender.outbox.failures().count) ?? 0
        reported.withLock { $0.failures = failures }
        sender.start()
    }

    /// A reader of the server's runs. It first gives the queue a moment (at most
    /// `readYourWritesTimeout`, less when delivery fails), so a list read right after a command
    /// shows that command's run.
    public func runReader() -> RunReader {
        _ = sender.waitUntilDelivered(timeout: Self.readYourWritesTimeout, failures: 1)
        let outbox = sender.outbox
        return MLflowRunReader(client: client) { prefix in
            do { return try outbox.remoteRunId(matching: prefix) } catch {
                throw EngineError(.io, Outbox.readFailure(error))
            }
        }
    }

    /// How long a read of runs waits for this workspace's queued writes.
    public static let readYourWritesTimeout: TimeInterval = 15

    public var destination: String {
        "the workspace catalog, then the MLflow server at \(client.server) (the registry of record)"
    }

    public var remote: RemoteTracking? { self }

    // MARK: - Runs

    public func startRun(name: String, tags: [String: String], parent: String?, startTime: Int64?) throws -> String {
        let experiment = try catalog.experiment(named: experimentName)
        let server = client.server
        let experimentName = self.experimentName
        let time = startTime ?? millisecondsNow()
        let allTags = self.tags(tags, parent: parent)
        let workspaceId = MD5.randomId()
        let direct = createOnServer(workspaceId, name: name, tags: allTags, startTime: time)
        var remote: (id: String, artifactURI: String)?
        if case .created(let id, let artifactURI) = direct { remote = (id, artifactURI) }
        let run = try catalog.createRun(
            experimentId: experiment.id, id: remote?.id ?? workspaceId, name: name, tags: allTags, startTime: time,
            outbox: { db, record, recordedTags in
                if let remote {
                    try Outbox.recordRemoteRun(
                        db, server: server, runId: record.id, remoteId: remote.id, artifactURI: remote.artifactURI)
                    // The tag names the run by the id it was recorded under, the server's.
                    try OutboxEntry(
                        server: server, runId: record.id,
                        item: .logBatch(params: [:], metrics: [], tags: [OutboxSender.runTag: record.id])
                    ).insert(db, at: record.startTime)
                    return
                }
                // After a failed attempt the run may be on the server (an answer lost): the sender looks for it first.
                try OutboxEntry(
                    server: server, runId: record.id,
                    item: .createRun(
                        experiment: experimentName, name: name, startTime: record.startTime,
                        user: record.user, tags: recordedTags),
                    attempts: direct == .notTried ? 0 : 1
                ).insert(db, at: record.startTime)
            })
        carried.withLock { _ = $0.insert(run.id) }
        sender.wake()
        return run.id
    }

    /// Makes the run on the server first when it is reachable, so the workspace records it under
    /// the server's id and one id names it everywhere (the `MLmodel`'s `run_id`, `runs:/ID/model`,
    /// what the shell prints). Not tried while a run's creation waits in the queue (a nested run's
    /// parent, named by its tag, must be there first; other runs' params, files and registrations
    /// may still be on their way) or after the last delivery failed. When the server does not
    /// answer a request within `directTimeout`, the run is queued under `workspaceId` (which its
    /// `plateshell.run_id` tag carries, so a run whose answer was lost is found, not made twice)
    /// and mapped to the server's id when it arrives.
    private func createOnServer(_ workspaceId: String, name: String, tags: [String: String], startTime: Int64)
        -> DirectRun
    {
        guard sender.currentState.lastError == nil, let counts = try? sender.outbox.counts(), counts["run"] == nil
        else { return .notTried }
        do {
            let experimentId = try quickClient.experimentId(named: experimentName)
            var remoteTags = try sender.translated(
                tags.merging(["mlflow.runName": name, "mlflow.user": Catalog.user]) { $1 })
            remoteTags[OutboxSender.runTag] = workspaceId
            let created = try quickClient.createRun(
                experimentId: experimentId, name: name, startTime: startTime, user: Catalog.user, tags: remoteTags)
            return .created(id: created.id, artifactURI: created.artifactURI)
        } catch {
            return .failed
        }
    }

    /// What `createOnServer` did.
    private enum DirectRun: Equatable {
        case notTried, failed
        case created(id: String, artifactURI: String)
    }

    /// How long each request of `startRun` to the server may take (it makes two: the experiment's
    /// id, then the run) before the run is queued instead.
    public static let directTimeout: TimeInterval = 2

    public func log(_ runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String]) throws {
        try ensureCarried(runId)
        try catalog.logBatch(
            runId: runId, params: params, metrics: metrics, tags: tags,
            outbox: entry(runId, .logBatch(params: params, metrics: metrics, tags: tags)))
        sender.wake()
    }

    public func logInputs(_ runId: String, datasets: [DatasetInput]) throws {
        try ensureCarried(runId)
        try catalog.logInputs(runId: runId, datasets: datasets, outbox: entry(runId, .logInputs(datasets)))
        sender.wake()
    }

    public func logArtifact(_ runId: String, path: String, data: Data) throws {
        try ensureCarried(runId)
        // The file first: a crash in between leaves the artifact in the workspace, never an item
        // that names a missing file.
        try catalog.writeArtifact(runId: runId, path: path, data: data)
        try catalog.enqueue([entry(runId, .artifact(path: path))])
        sender.wake()
    }

    public func endRun(_ runId: String, status: RunStatus) throws {
        try ensureCarried(runId)
        try catalog.endRun(
            runId: runId, status: status,
            outbox: { [self] time in entry(runId, .endRun(status: status, endTime: time)) })
        sender.wake()
    }

    /// Records the LoggedModel, queuing its creation on the server with the run's params, its
    /// user and source tags, and the run's metrics so far (linked to it).
    public func recordLoggedModel(_ runId: String, name: String) throws {
        try ensureCarried(runId)
        let tags = try catalog.tags(of: runId).filter {
            ["mlflow.user", "mlflow.source.name", "mlflow.source.type", "mlflow.source.git.commit"].contains($0.key)
        }
        let item = OutboxItem.loggedModel(
            name: name, params: try catalog.params(of: runId), tags: tags, metrics: try catalog.metrics(of: runId))
        try catalog.recordLoggedModel(runId: runId, name: name, outbox: entry(runId, item))
        sender.wake()
    }

    func entry(_ runId: String, _ item: OutboxItem) -> OutboxEntry {
        OutboxEntry(server: client.server, runId: runId, item: item)
    }

    /// Queues a whole copy of a workspace run the server has not seen (recorded before the server
    /// was set), so that later writes to it, and registering it, reach the server.
    private func ensureCarried(_ runId: String) throws {
        try carried.withLock { carried in
            if carried.contains(runId) { return }
            if try !sender.outbox.carries(runId: runId) { try enqueueCopy(of: runId) }
            carried.insert(runId)
        }
    }

    /// Queues the items that recreate workspace run `runId` on the server as it is now.
    private func enqueueCopy(of runId: String) throws {
        let run = try catalog.run(runId)
        // Read from the catalog alone: the run finisher calls this from its own thread, and
        // `experimentName` belongs to the session's.
        guard let experiment = try catalog.experiments().first(where: { $0.id == run.experimentId })?.name else {
            throw EngineError(
                .io, "run \(run.id) names experiment \(run.experimentId), which '\(catalog.path)' does not hold",
                hint: "the catalog was changed outside PlateShell; restore it from a backup")
        }
        var entries = [
            entry(
                run.id,
                .createRun(
                    experiment: experiment, name: run.name, startTime: run.startTime, user: run.user,
                    tags: try catalog.tags(of: run.id))),
            entry(
                run.id,
                .logBatch(params: try catalog.params(of: run.id), metrics: try catalog.metrics(of: run.id), tags: [:])),
        ]
        let inputs = try catalog.inputs(of: run.id)
        if !inputs.isEmpty { entries.append(entry(run.id, .logInputs(inputs))) }
        entries += catalog.artifacts(of: run.id).map { entry(run.id, .artifact(path: $0.path)) }
        if run.status != .running {
            entries.append(entry(run.id, .endRun(status: run.status, endTime: run.endTime ?? run.startTime)))
        }
        try catalog.enqueue(entries)
    }

    // MARK: - Registry

    public func register(
        runId: String, name: String, description: String?, versionDescription: String, tags: [String: String]
    ) throws -> Registration {
        try Catalog.validate(modelName: name)
        let run = try catalog.run(runId)
        let directory = try loggedModelDirectory(of: run)
        try ensureCarried(run.id)
        let registration = QueuedRegistration(
            runId: run.id, name: name, description: description, versionDescription: versionDescription, tags: tags,
            key: MD5.randomId())
        if try sender.outbox.pendingRegistration(of: name) != nil {
            return try queue(registration, because: "a registration of \(name) queued before it waits")
        }
        sender.wake(retry: true)
        if case .pending(let count, let lastError) = sender.waitUntilDelivered(
            runId: run.id, timeout: Self.registerTimeout, failures: 3, cancellation: cancellation)
        {
            if cancellation?.isRequested == true { throw EngineError(.cancelled, "register \(name) was interrupted") }
            // Credentials the server refuses are the user's to fix now; an outage or a busy server is waited out.
            do { try client.checkAccess() } catch let error as MLflowError where error.isAuthorization {
                throw error.engineError
            } catch {}
            return try queue(
                registration,
                because: lastError
                    ?? "\(count) item\(count == 1 ? "" : "s") of run \(run.id.prefix(8)) still queued after \(Int(Self.registerTimeout)) s"
            )
        }
        guard let remote = try sender.outbox.remoteRun(run.id) else {
            throw EngineError(
                .invalidData,
                "run \(run.id.prefix(8)) was refused by \(registry.location), so it cannot be registered there",
                hint: "'tracking status' shows why")
        }
        var versionTags = tags
        versionTags[ModelDigest.tag] = try ModelDigest.of(directory: directory)
        // The version names its registration, so that one queued after a lost answer finds it, not made twice.
        versionTags[OutboxSender.registrationTag] = registration.key
        // MLflow 3 registers the LoggedModel (source models:/m-…); a run logged before it existed, by its runs:/ URI.
        let loggedModel = try sender.outbox.remoteModel(run.id)
        let version: ModelVersion
        do {
            try client.registerModel(name, description: description)
            version = try client.createVersion(
                name: name,
                source: loggedModel.map { "models:/\($0)" } ?? "runs:/\(remote.id)/\(ModelArtifact.directory)",
                runId: remote.id, modelId: loggedModel, description: versionDescription, tags: versionTags)
        } catch let error as MLflowError where error.isRetryable {
            // The server may have made the version before its answer was lost: the sender looks for it first.
            return try queue(registration, because: error.engineError.message, mayHaveArrived: true)
        } catch let error as MLflowError {
            throw error.engineError
        }
        try catalog.recordServerRegistration(name, server: client.server)
        return .registered(version)
    }

    public func describe(_ name: String, description: String) throws {
        _ = try registry.registeredModel(name)
        try MLflowClient.translatingErrors { try client.describeModel(name, description: description) }
    }

    public func transition(_ name: String, version: Int, to stage: Stage, archiveExisting: Bool) throws -> ModelVersion
    {
        _ = try registry.version(name, version)
        try stage.checkTransition(archiveExisting: archiveExisting)
        return try MLflowClient.translatingErrors {
            try client.transition(name: name, version: version, stage: stage, archiveExisting: archiveExisting)
        }
    }

    public func setAlias(_ name: String, alias: String, version: Int) throws {
        try Catalog.validate(alias: alias)
        _ = try registry.version(name, version)
        try MLflowClient.translatingErrors { try client.setAlias(name: name, alias: alias, version: version) }
    }

    public func deleteAlias(_ name: String, alias: String) throws {
        let model = try registry.registeredModel(name)
        guard model.aliases[alias] != nil else {
            throw EngineError(
                .unknownValue, "\(name) has no alias '\(alias)' on \(registry.location)",
                suggestions: Suggestions.closest(to: alias, among: Array(model.aliases.keys)))
        }
        try MLflowClient.translatingErrors { try client.deleteAlias(name: name, alias: alias) }
    }

    // MARK: - Background state

    /// Says once when delivery starts failing (and why), and when the server refuses items for good.
    public func drainWarnings() -> [String] {
        var warnings: [String] = []
        let state = sender.currentState
        var (reportedError, reportedFailures) = reported.withLock { $0 }
        if let error = state.lastError, reportedError == nil {
            do {
                let queued = try sender.outbox.queued()
                if queued > 0 {
                    warnings.append(
                        "\(queued) item\(queued == 1 ? " is" : "s are") queued for the MLflow server (\(error)); they are sent when it can take them ('tracking status' shows the queue)"
                    )
                    reportedError = error
                }
            } catch let readError {
                warnings.append("\(Outbox.readFailure(readError)) (delivery fails: \(error))")
                reportedError = error
            }
        } else if state.lastError == nil {
            reportedError = nil
        }
        if let failures = try? sender.outbox.failures(), failures.count > reportedFailures {
            for failure in failures[reportedFailures...] {
                warnings.append(
                    "the MLflow server refused the \(failure.kind) of run \(failure.runId.prefix(8)) for good: \(failure.reason); it stays in the workspace catalog"
                )
            }
            reportedFailures = failures.count
        }
        reported.withLock { $0 = (reportedError, reportedFailures) }
        return warnings
    }

    /// Waits for the queue until it is delivered, the first failure, or `timeout`; another
    /// process that holds the workspace's delivery lock sends it, so then it does not wait.
    public func close(waitingUpTo timeout: TimeInterval) -> Int {
        let wait = sender.currentState.holdsLock ? timeout : 0
        var remaining = 0
        if case .pending(let count, _) = sender.waitUntilDelivered(
            timeout: wait, failures: 1, cancellation: cancellation)
        {
            remaining = count
        }
        sender.stop()
        return remaining
    }
}
