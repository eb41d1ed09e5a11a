import Foundation
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
/// Sendable as `Tracker` describes: the run finisher's calls share only `carried`, behind a lock.
public final class ServerTracker: Tracker, @unchecked Sendable {
    public let catalog: Catalog
    public let client: MLflowClient
    public let sender: OutboxSender
    public var experimentName = "plateshell"
    public var openRun: String?
    public let registry: ModelRegistry
    /// Workspace runs known to be on their way to the server (created by this tracker, or copied).
    private let carried = Mutex<Set<String>>([])
    private var reportedError: String?
    private var reportedFailures = 0

    /// Ends a wait for the queue early (the shell's Ctrl-C), when set.
    public var cancellation: Cancellation?

    /// How long `register` waits for a run's queued writes before it gives up.
    public static let registerTimeout: TimeInterval = 120

    /// Starts delivering the workspace's outbox to the server at `client.base`.
    ///
    /// - Throws: `EngineError` when the catalog cannot be opened for the outbox.
    public init(catalog: Catalog, client: MLflowClient) throws {
        self.catalog = catalog
        self.client = client
        registry = MLflowRegistry(client: client)
        do {
            sender = try OutboxSender(catalog: catalog, client: client)
        } catch {
            throw EngineError(.io, "cannot open the outbox of '\(catalog.path)': \(error)")
        }
        reportedFailures = (try? sender.outbox.failures().count) ?? 0
        sender.start()
    }

    /// A reader of the server's runs. It first gives the queue a moment (at most
    /// `readYourWritesTimeout`, less when delivery fails), so a list read right after a command
    /// shows that command's run.
    public func runReader() -> RunReader {
        _ = sender.waitUntilDelivered(timeout: Self.readYourWritesTimeout, failures: 1)
        let outbox = sender.outbox
        return MLflowRunReader(client: client) { prefix in try? outbox.remoteRunId(matching: prefix) }
    }

    /// How long a read of runs waits for this workspace's queued writes.
    public static let readYourWritesTimeout: TimeInterval = 15

    public var destination: String {
        "the workspace catalog, then the MLflow server at \(client.server) (the registry of record)"
    }

    // MARK: - Runs

    public func startRun(name: String, tags: [String: String], parent: String?, startTime: Int64?) throws -> String {
        let experiment = try catalog.experiment(named: experimentName)
        let server = client.server
        let experimentName = self.experimentName
        let run = try catalog.createRun(
            experimentId: experiment.id, name: name, tags: self.tags(tags, parent: parent), startTime: startTime,
            outbox: { record, allTags in
                OutboxEntry(
                    server: server, runId: record.id,
                    item: .createRun(
                        experiment: experimentName, name: name, startTime: record.startTime,
                        user: record.user, tags: allTags))
            })
        carried.withLock { _ = $0.insert(run.id) }
        sender.wake()
        return run.id
    }

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

    private func entry(_ runId: String, _ item: OutboxItem) -> OutboxEntry {
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
    ) throws -> ModelVersion {
        try Catalog.validate(modelName: name)
        let run = try catalog.run(runId)
        let directory = try loggedModelDirectory(of: run)
        try ensureCarried(run.id)
        sender.wake(retry: true)
        if case .pending(let count, let lastError) = sender.waitUntilDelivered(
            runId: run.id, timeout: Self.registerTimeout, failures: 3, cancellation: cancellation)
        {
            throw EngineError(
                .io,
                "cannot register \(name) on \(registry.location): \(count) queued item\(count == 1 ? "" : "s") of run \(run.id.prefix(8)) (its model among them) could not be delivered"
                    + (lastError.map { " (\($0))" } ?? ""),
                hint:
                    "the run stays recorded in the workspace and queued; 'tracking status' shows the queue; register again when the server is reachable"
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
        // MLflow 3 registers the LoggedModel (source models:/m-…); a run logged before it existed, by its runs:/ URI.
        let loggedModel = try sender.outbox.remoteModel(run.id)
        let version = try MLflowClient.translatingErrors {
            try client.registerModel(name, description: description)
            return try client.createVersion(
                name: name,
                source: loggedModel.map { "models:/\($0)" } ?? "runs:/\(remote.id)/\(ModelArtifact.directory)",
                runId: remote.id, modelId: loggedModel, description: versionDescription, tags: versionTags)
        }
        try catalog.recordServerRegistration(name, server: client.server)
        return version
    }

    public func describe(_ name: String, description: String) throws {
        _ = try registry.registeredModel(name)
        try MLflowClient.translatingErrors { try client.describeModel(name, description: description) }
    }

    public func transition(_ name: String, version: Int, to stage: Stage, archiveExisting: Bool) throws -> ModelVersion
    {
        _ = try registry.version(name, version)
        if archiveExisting && stage != .staging && stage != .production {
            throw EngineError(.invalidArgument, "archive=true only applies when moving to Staging or Production")
        }
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
        if let error = state.lastError, reportedError == nil {
            let queued = ((try? sender.outbox.counts()) ?? [:]).values.reduce(0, +)
            if queued > 0 {
                warnings.append(
                    "\(queued) item\(queued == 1 ? " is" : "s are") queued for the MLflow server (\(error)); they are sent when it can take them ('tracking status' shows the queue)"
                )
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
