import Foundation
import Synchronization

/// The model a scoring server answers with, found from a URI and kept current: a registry URI
/// (`models:/NAME/Production`, `models:/NAME@champion`, `models:/NAME/latest`) is resolved again
/// by `refresh()`, and when it names another version that version is loaded and swapped in
/// atomically. Requests in flight finish with the model they started with; none fails.
///
/// URIs: `models:/…` (the workspace's registry), `runs:/RUN_ID/model` (a run's model), or a
/// model directory's path.
public final class ModelSource: Sendable {
    public let uri: String
    private let catalog: Mutex<Catalog>
    private let current: Mutex<ServedModel>
    private let problem = Mutex<String?>(nil)

    /// Resolves `uri` in the workspace's catalog and loads the model it names.
    ///
    /// - Throws: `EngineError` when the URI names nothing, or the model files are missing or damaged.
    public init(uri: String, workspace: String) throws {
        let catalog = try Catalog(workspace: workspace)
        self.uri = uri
        self.current = Mutex(try Self.load(uri, catalog: catalog, unless: nil)!)
        self.catalog = Mutex(catalog)
    }

    /// The model requests are scored with now.
    public var model: ServedModel { current.withLock { $0 } }

    /// Why the last refresh could not follow the URI (it keeps serving the model it has), or nil.
    public var lastProblem: String? { problem.withLock { $0 } }

    /// Resolves the URI again; when it names another version, loads it and switches to it.
    ///
    /// - Returns: the new model when it switched, nil when the URI still names the same one.
    /// - Throws: `EngineError` when the URI no longer resolves or the new version cannot be
    ///   loaded; the current model stays in service (and `lastProblem` says why).
    @discardableResult
    public func refresh() throws -> ServedModel? {
        do {
            // Resolve, load and swap under one lock: two refreshes at once (the follower's and a
            // promotion's) cannot end with the older answer in service.
            let loaded = try catalog.withLock { catalog in
                let loaded = try Self.load(uri, catalog: catalog, unless: model)
                if let loaded { current.withLock { $0 = loaded } }
                return loaded
            }
            problem.withLock { $0 = nil }
            return loaded
        } catch {
            problem.withLock { $0 = (error as? EngineError)?.message ?? "\(error)" }
            throw error
        }
    }

    /// The model `uri` names, or nil when that is `unless` (same registered version or directory).
    private static func load(_ uri: String, catalog: Catalog, unless loaded: ServedModel?) throws -> ServedModel? {
        if uri.hasPrefix("models:/") {
            let version = try catalog.resolve(uri)
            if let loaded, loaded.name == version.name, loaded.version == version.version { return nil }
            let directory = URL(string: version.storageLocation)?.path ?? version.storageLocation
            return try ServedModel(directory: directory, name: version.name, version: version.version)
        }
        let directory: String
        if uri.hasPrefix("runs:/") {
            let parts = uri.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).map(String.init)
            guard let runId = parts.first else {
                throw EngineError(.invalidArgument, "'\(uri)' names no run", hint: "runs:/RUN_ID/model")
            }
            directory = catalog.runDirectory(try catalog.run(runId).id) + "/" + (parts.count > 1 ? parts[1] : ModelArtifact.directory)
        } else {
            directory = uri
        }
        if let loaded, loaded.directory == directory { return nil }
        return try ServedModel(directory: directory)
    }
}
