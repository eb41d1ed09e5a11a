import Foundation
import MLCore
import Synchronization

/// Records what the session does as MLflow runs and keeps the model registry, behind one
/// interface with two backends:
/// - `EmbeddedTracker`: the workspace's catalog is everything (the zero-setup default for one person);
/// - `ServerTracker`: a tracking server is the registry of record; runs are recorded in the
///   catalog and reach the server through a durable outbox, so no command waits for it.
///
/// Every run is in the workspace's catalog either way; `registry` and `runReader()` read from
/// the store of record.
///
/// A tracker is used from two threads, never at once for the same call: the session's thread
/// does everything, and a session's `RunFinisher` calls `logArtifact`, `recordLoggedModel` and
/// `endRun` for runs the session's thread has stopped logging into.
///
/// ## Topics
/// - ``startRun(name:tags:parent:startTime:)``
/// - ``register(runId:name:description:versionDescription:tags:)``
public protocol Tracker: AnyObject, Sendable {
    /// The workspace's catalog: every run is recorded here first.
    var catalog: Catalog { get }
    /// The experiment new runs go to and the run `run start` opened (`experimentName`, `openRun`).
    var session: TrackerSession { get }
    /// The registry of record.
    var registry: ModelRegistry { get }
    /// A reader of the runs of record, for one command.
    func runReader() -> RunReader
    /// Where runs go, for `tracking`.
    var destination: String { get }
    /// The tracking server that is the registry of record, and the queue for it; nil when the
    /// workspace's catalog is.
    var remote: RemoteTracking? { get }

    /// Starts a run in the current experiment, nested under `parent`; returns its id.
    func startRun(name: String, tags: [String: String], parent: String?, startTime: Int64?) throws -> String
    func log(_ runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String]) throws
    func logInputs(_ runId: String, datasets: [DatasetInput]) throws
    /// Writes an artifact file of the run (`path` relative to its artifacts).
    func logArtifact(_ runId: String, path: String, data: Data) throws
    func endRun(_ runId: String, status: RunStatus) throws
    /// Records the model directory the run logged under `name` as an MLflow 3 LoggedModel
    /// linked to the run (its files are already logged).
    func recordLoggedModel(_ runId: String, name: String) throws

    /// Registers the model logged by run `runId` as the next version of `name` (creating `name`),
    /// or — with a tracking server that cannot take it now — queues the registration.
    ///
    /// - Throws: `EngineError.invalidArgument` when the run logged no model.
    func register(runId: String, name: String, description: String?, versionDescription: String, tags: [String: String])
        throws -> Registration
    /// Sets a registered model's description.
    func describe(_ name: String, description: String) throws
    /// Moves a version to a stage (with `archiveExisting`, the others in it go to Archived).
    func transition(_ name: String, version: Int, to stage: Stage, archiveExisting: Bool) throws -> ModelVersion
    func setAlias(_ name: String, alias: String, version: Int) throws
    func deleteAlias(_ name: String, alias: String) throws
    /// Queues a stage change of `name` behind a registration of it that waits for the tracking
    /// server: `version` is `latest` (the version that registration makes) or a number.
    ///
    /// - Returns: false when no registration of `name` waits (always, without a server): the
    ///   change is made now, with `transition`.
    /// - Throws: `EngineError.invalidArgument` for a version that is neither, or `archiveExisting`
    ///   with a stage other than Staging or Production.
    func queueTransition(_ name: String, version: String, to stage: Stage, archiveExisting: Bool) throws -> Bool
    /// Queues alias `alias` of `name` behind a registration of it that waits for the tracking
    /// server (`version` as for `queueTransition`).
    ///
    /// - Returns: false when no registration of `name` waits (always, without a server): the
    ///   alias is set now, with `setAlias`.
    func queueAlias(_ name: String, alias: String, version: String) throws -> Bool

    /// What went wrong in the background since the last call (cleared).
    func drainWarnings() -> [String]
    /// Ends background work, waiting up to `timeout` seconds for queued writes to be delivered;
    /// returns how many items are still queued (sent at the next start).
    func close(waitingUpTo timeout: TimeInterval) -> Int
}

/// What `register` did: made a version, or queued the registration for a tracking server that
/// could not take it (the server numbers the version when the queue reaches it).
public enum Registration: Sendable, Equatable {
    case registered(ModelVersion)
    /// Queued for registered model `name` from workspace run `runId`, because of `reason`.
    case queued(name: String, runId: String, reason: String)

    /// The version made, nil when the registration is queued.
    public var version: ModelVersion? {
        if case .registered(let version) = self { return version }
        return nil
    }
}

extension Tracker {
    /// Starts a run nested under the open run, if any.
    public func startRun(name: String, tags: [String: String] = [:], parent: String? = nil, startTime: Int64? = nil)
        throws -> String
    {
        try startRun(name: name, tags: tags, parent: parent, startTime: startTime)
    }

    public func log(
        _ runId: String, params: [String: String] = [:], metrics: [MetricPoint] = [], tags: [String: String] = [:]
    ) throws {
        try log(runId, params: params, metrics: metrics, tags: tags)
    }

    /// Opens a run that later commands log into, until `closeGroupRun`.
    public func openGroupRun(name: String, tags: [String: String]) throws -> String {
        if let openRun {
            throw EngineError(
                .invalidArgument, "run \(openRun.prefix(8)) is already open", hint: "close it first: run end")
        }
        let id = try startRun(name: name, tags: tags, parent: nil, startTime: nil)
        openRun = id
        return id
    }

    /// Ends the run `run start` opened.
    public func closeGroupRun(status: RunStatus = .finished) throws -> String {
        guard let id = openRun else {
            throw EngineError(.invalidArgument, "no run is open", hint: "open one with: run start name=NAME")
        }
        try endRun(id, status: status)
        openRun = nil
        return id
    }

    /// Logs a model directory (MLmodel, artifact, environment, input example) under `model/`,
    /// and records it as the run's LoggedModel.
    public func logModel(_ runId: String, model: LoggedModel, featureTypes: [ColumnType], example: Matrix) throws {
        try logModel(
            runId, files: try ModelArtifact.files(model, featureTypes: featureTypes, example: example, runId: runId))
    }

    /// Logs the files of a model directory (`ModelArtifact.files`) under `model/`, and records
    /// it as the run's LoggedModel.
    public func logModel(_ runId: String, files: [(String, Data)]) throws {
        for (file, data) in files {
            try logArtifact(runId, path: ModelArtifact.directory + "/" + file, data: data)
        }
        try recordLoggedModel(runId, name: ModelArtifact.directory)
    }

    /// The tags of a run with its parent: the given parent, else the open run.
    func tags(_ tags: [String: String], parent: String?) -> [String: String] {
        var all = tags
        if let parent = parent ?? openRun { all["mlflow.parentRunId"] = parent }
        return all
    }

    /// The local folder of the model a workspace run logged.
    ///
    /// - Throws: `EngineError.invalidArgument` when the run logged no model, or was killed before
    ///   its model was whole.
    func loggedModelDirectory(of run: RunRecord) throws -> String {
        let location = catalog.runDirectory(run.id) + "/" + ModelArtifact.directory
        if run.status == .killed, try catalog.loggedModel(ofRun: run.id) == nil {
            throw EngineError(
                .invalidArgument,
                "run \(run.id.prefix(8)) was killed before it logged its model: its shell stopped while it ran (status KILLED)",
                hint: "run fit or tune again and register the new run; 'runs' lists the runs")
        }
        guard FileManager.default.fileExists(atPath: location + "/MLmodel") else {
            throw EngineError(
                .invalidArgument, "run \(run.id.prefix(8)) logged no model",
                hint: "register a run of fit or tune, or a fitted model of the session")
        }
        return location
    }
}

/// What a tracker keeps for the session: the experiment new runs go to and the run `run start`
/// opened. The session's thread sets them; behind a mutex so that the compiler checks the
/// trackers are Sendable.
public final class TrackerSession: Sendable {
    private let state = Mutex<(experimentName: String, openRun: String?)>(("plateshell", nil))

    var experimentName: String {
        get { state.withLock { $0.experimentName } }
        set { state.withLock { $0.experimentName = newValue } }
    }

    var openRun: String? {
        get { state.withLock { $0.openRun } }
        set { state.withLock { $0.openRun = newValue } }
    }

    init() {}
}

extension Tracker {
    /// The experiment new runs go to.
    public var experimentName: String {
        get { session.experimentName }
        set { session.experimentName = newValue }
    }

    /// The run that `run start` opened: commands log into it instead of starting their own.
    public var openRun: String? {
        get { session.openRun }
        set { session.openRun = newValue }
    }
}
