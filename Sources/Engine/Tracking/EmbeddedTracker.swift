import Foundation
import MLCore

/// The tracker for one person: the workspace's catalog records every run and is the registry.
///
/// Sendable as `Tracker` describes: the run finisher's calls go to the catalog's serial database
/// queue and to files of their own run.
public final class EmbeddedTracker: Tracker, Sendable {
    public let catalog: Catalog
    public let session = TrackerSession()

    public init(catalog: Catalog) {
        self.catalog = catalog
    }

    public var registry: ModelRegistry { catalog }
    public func runReader() -> RunReader { catalog }
    public var destination: String { "the workspace catalog" }
    public var remote: RemoteTracking? { nil }

    public func startRun(name: String, tags: [String: String], parent: String?, startTime: Int64?) throws -> String {
        let experiment = try catalog.experiment(named: experimentName)
        return try catalog.createRun(
            experimentId: experiment.id, name: name, tags: self.tags(tags, parent: parent), startTime: startTime
        ).id
    }

    public func log(_ runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String]) throws {
        try catalog.logBatch(runId: runId, params: params, metrics: metrics, tags: tags)
    }

    public func logInputs(_ runId: String, datasets: [DatasetInput]) throws {
        try catalog.logInputs(runId: runId, datasets: datasets)
    }

    public func logArtifact(_ runId: String, path: String, data: Data) throws {
        try catalog.writeArtifact(runId: runId, path: path, data: data)
    }

    public func endRun(_ runId: String, status: RunStatus) throws {
        try catalog.endRun(runId: runId, status: status)
    }

    public func recordLoggedModel(_ runId: String, name: String) throws {
        try catalog.recordLoggedModel(runId: runId, name: name)
    }

    public func register(
        runId: String, name: String, description: String?, versionDescription: String, tags: [String: String]
    ) throws -> Registration {
        let run = try catalog.run(runId)
        let location = try loggedModelDirectory(of: run)
        try catalog.registerModel(name, description: description)
        return .registered(
            try catalog.createVersion(
                name: name, runId: run.id, source: "runs:/\(run.id)/\(ModelArtifact.directory)",
                storageLocation: URL(fileURLWithPath: location, isDirectory: false).absoluteString,
                description: versionDescription, tags: tags))
    }

    public func describe(_ name: String, description: String) throws {
        try catalog.describe(name, description: description)
    }

    public func transition(_ name: String, version: Int, to stage: Stage, archiveExisting: Bool) throws -> ModelVersion
    {
        try catalog.transition(name, version: version, to: stage, archiveExisting: archiveExisting)
    }

    public func setAlias(_ name: String, alias: String, version: Int) throws {
        try catalog.setAlias(name, alias: alias, version: version)
    }

    public func deleteAlias(_ name: String, alias: String) throws {
        try catalog.deleteAlias(name, alias: alias)
    }

    /// Nothing waits for a server: the change is made now.
    public func queueTransition(_ name: String, version: String, to stage: Stage, archiveExisting: Bool) -> Bool {
        false
    }

    /// Nothing waits for a server: the alias is set now.
    public func queueAlias(_ name: String, alias: String, version: String) -> Bool { false }

    public func drainWarnings() -> [String] { [] }

    public func close(waitingUpTo timeout: TimeInterval) -> Int { 0 }
}
