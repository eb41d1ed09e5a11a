import Foundation

/// Records what the session does as MLflow runs: always in the workspace's catalog, and — when a
/// tracking server is set — mirrored to it over REST. A mirror failure never loses anything: the
/// catalog keeps the run, the failure is reported, and the session carries on.
///
/// `warnings` collects what went wrong with the mirror since it was last drained.
public final class Tracker {
    public let catalog: Catalog
    public private(set) var remote: MLflowClient?
    /// The experiment new runs go to.
    public var experimentName = "plateshell"
    /// The run that `run start` opened: commands log into it instead of starting their own.
    public private(set) var openRun: String?
    public private(set) var warnings: [String] = []

    private var remoteRuns: [String: (id: String, artifactURI: String)] = [:]
    private var remoteVersions: [String: Int] = [:]

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    /// Sends everything from now on to the MLflow server at `uri` too (nil: the catalog only).
    ///
    /// - Throws: `EngineError` when the server cannot be reached or refuses.
    public func connect(_ uri: String?) throws {
        guard let uri else { remote = nil; return }
        let client = try MLflowClient(uri: uri)
        _ = try client.experimentId(named: experimentName)
        remote = client
    }

    /// The warnings since the last call, cleared.
    public func drainWarnings() -> [String] {
        defer { warnings = [] }
        return warnings
    }

    /// Adds a warning for the next drain (a failed connection, for example).
    public func warn(_ text: String) { warnings.append(text) }

    /// Sends something to the server, if one is set. A refusal is reported; a server that cannot
    /// be reached is dropped (so a dead server costs one timeout, not one per call) until
    /// `connect` is called again.
    private func mirror(_ what: String, _ body: (MLflowClient) throws -> Void) {
        guard let remote else { return }
        do { try body(remote) } catch {
            let engineError = error as? EngineError
            warnings.append("\(what) was not sent to the MLflow server (\(engineError?.message ?? "\(error)")); it is kept in the workspace catalog")
            if engineError?.kind == .io {
                self.remote = nil
                warnings.append("later runs stay in the workspace catalog only; 'tracking uri=\(remote.base.absoluteString)' reconnects")
            }
        }
    }

    // MARK: - Runs

    /// Starts a run in the current experiment, nested under `parent` (default: the open run, if any).
    public func startRun(name: String, tags: [String: String] = [:], parent: String? = nil, startTime: Int64? = nil) throws -> String {
        let experiment = try catalog.experiment(named: experimentName)
        var allTags = tags
        let parent = parent ?? openRun
        if let parent { allTags["mlflow.parentRunId"] = parent }
        let run = try catalog.createRun(experimentId: experiment.id, name: name, tags: allTags, startTime: startTime)
        mirror("run \(name)") { client in
            let experimentId = try client.experimentId(named: experimentName)
            var remoteTags = allTags
            if let parent, let remoteParent = remoteRuns[parent] { remoteTags["mlflow.parentRunId"] = remoteParent.id }
            remoteTags["mlflow.user"] = run.user
            remoteRuns[run.id] = try client.createRun(experimentId: experimentId, name: name, startTime: run.startTime, user: run.user, tags: remoteTags)
        }
        return run.id
    }

    /// Opens a run that later commands log into, until `closeRun`.
    public func openGroupRun(name: String, tags: [String: String]) throws -> String {
        if let openRun { throw EngineError(.invalidArgument, "run \(openRun.prefix(8)) is already open", hint: "close it first: run end") }
        let id = try startRun(name: name, tags: tags)
        openRun = id
        return id
    }

    /// Ends the run `run start` opened.
    public func closeGroupRun(status: RunStatus = .finished) throws -> String {
        guard let id = openRun else { throw EngineError(.invalidArgument, "no run is open", hint: "open one with: run start name=NAME") }
        try endRun(id, status: status)
        openRun = nil
        return id
    }

    public func log(_ runId: String, params: [String: String] = [:], metrics: [MetricPoint] = [], tags: [String: String] = [:]) throws {
        try catalog.logBatch(runId: runId, params: params, metrics: metrics, tags: tags)
        mirror("the run's params and metrics") { client in
            guard let remoteRun = remoteRuns[runId] else { return }
            try client.logBatch(runId: remoteRun.id, params: remoteRunIds(params), metrics: metrics, tags: remoteRunIds(tags))
        }
    }

    /// Values that name a run (keys ending in `run_id` or `RunId`, as `mlflow.parentRunId` and a
    /// scoring run's `model_run_id`) as the server knows that run, when it was mirrored.
    private func remoteRunIds(_ values: [String: String]) -> [String: String] {
        var translated = values
        for (key, value) in values where key.hasSuffix("run_id") || key.hasSuffix("RunId") {
            if let remote = remoteRuns[value] { translated[key] = remote.id }
        }
        return translated
    }

    public func logInputs(_ runId: String, datasets: [DatasetInput]) throws {
        try catalog.logInputs(runId: runId, datasets: datasets)
        mirror("the run's dataset") { client in
            guard let remoteRun = remoteRuns[runId] else { return }
            try client.logInputs(runId: remoteRun.id, datasets: datasets)
        }
    }

    public func logArtifact(_ runId: String, path: String, data: Data) throws {
        try catalog.writeArtifact(runId: runId, path: path, data: data)
        mirror("artifact \(path)") { client in
            guard let remoteRun = remoteRuns[runId] else { return }
            try client.uploadArtifact(artifactURI: remoteRun.artifactURI, path: path, data: data)
        }
    }

    /// Logs a model directory (MLmodel, artifact, environment, input example) under `model/`.
    public func logModel(_ runId: String, model: LoggedModel, featureTypes: [ColumnType], example: Matrix) throws {
        for (file, data) in try ModelArtifact.files(model, featureTypes: featureTypes, example: example, runId: runId) {
            try logArtifact(runId, path: ModelArtifact.directory + "/" + file, data: data)
        }
    }

    public func endRun(_ runId: String, status: RunStatus) throws {
        try catalog.endRun(runId: runId, status: status)
        mirror("the run's end") { client in
            guard let remoteRun = remoteRuns[runId] else { return }
            try client.endRun(runId: remoteRun.id, status: status, endTime: millisecondsNow())
        }
    }

    // MARK: - Registry

    /// Registers the model logged by run `runId` as the next version of `name`.
    ///
    /// - Throws: `EngineError.invalidArgument` when the run logged no model.
    public func register(runId: String, name: String, description: String?, versionDescription: String, tags: [String: String]) throws -> ModelVersion {
        let run = try catalog.run(runId)
        let location = catalog.runDirectory(run.id) + "/" + ModelArtifact.directory
        guard FileManager.default.fileExists(atPath: location + "/MLmodel") else {
            throw EngineError(.invalidArgument, "run \(run.id.prefix(8)) logged no model", hint: "register a run of fit or tune, or a fitted model of the session")
        }
        try catalog.registerModel(name, description: description)
        let version = try catalog.createVersion(name: name, runId: run.id, source: "runs:/\(run.id)/\(ModelArtifact.directory)",
                                                storageLocation: URL(fileURLWithPath: location, isDirectory: false).absoluteString,
                                                description: versionDescription, tags: tags)
        mirror("version \(version.version) of \(name)") { client in
            guard let remoteRun = remoteRuns[run.id] else { throw EngineError(.unknownValue, "its run was not sent to the server") }
            try client.registerModel(name, description: description)
            remoteVersions["\(name)#\(version.version)"] = try client.createVersion(name: name, runId: remoteRun.id,
                                                                                   description: versionDescription, tags: tags)
        }
        return version
    }

    public func describe(_ name: String, description: String) throws {
        try catalog.describe(name, description: description)
        mirror("the description of \(name)") { client in try client.describeModel(name, description: description) }
    }

    public func transition(_ name: String, version: Int, to stage: Stage, archiveExisting: Bool) throws -> ModelVersion {
        let result = try catalog.transition(name, version: version, to: stage, archiveExisting: archiveExisting)
        mirror("the stage of \(name) version \(version)") { client in
            guard let remoteVersion = remoteVersions["\(name)#\(version)"] else { throw EngineError(.unknownValue, "the version was not sent to the server") }
            try client.transition(name: name, version: remoteVersion, stage: stage, archiveExisting: archiveExisting)
        }
        return result
    }

    public func setAlias(_ name: String, alias: String, version: Int) throws {
        try catalog.setAlias(name, alias: alias, version: version)
        mirror("alias \(alias) of \(name)") { client in
            guard let remoteVersion = remoteVersions["\(name)#\(version)"] else { throw EngineError(.unknownValue, "the version was not sent to the server") }
            try client.setAlias(name: name, alias: alias, version: remoteVersion)
        }
    }

    public func deleteAlias(_ name: String, alias: String) throws {
        try catalog.deleteAlias(name, alias: alias)
        mirror("removing alias \(alias) of \(name)") { client in try client.deleteAlias(name: name, alias: alias) }
    }
}
