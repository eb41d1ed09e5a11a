import Foundation
import MLCore
import Synchronization

/// The model a scoring server answers with, found from a URI and kept current: a registry URI
/// (`models:/NAME/Production`, `models:/NAME@champion`, `models:/NAME/latest`) is resolved again
/// by `refresh()`, and when it names another version that version is loaded and swapped in
/// atomically. Requests in flight finish with the model they started with; none fails.
///
/// URIs: `models:/…` (resolved in the registry of record: the workspace's catalog, or the
/// tracking server when one is given, whose versions are downloaded into the workspace's model
/// cache), `runs:/RUN_ID/model` (a run's model), or a model directory's path. When the server
/// cannot be reached at start, the version the URI last resolved to is served from the cache,
/// and `notice` says so.
public final class ModelSource: Sendable {
    public let uri: String
    /// Said once at start when the model came from the cache because the server was unreachable.
    public let notice: String?
    /// How often a server following this source should check the URI: half a second for the
    /// workspace's catalog, two seconds for a tracking server.
    public let followInterval: Duration
    private let resolver: Mutex<ModelResolver>
    private let current: Mutex<ServedModel>
    private let problem = Mutex<String?>(nil)

    /// Resolves `uri` in the registry of record and loads the model it names.
    ///
    /// - Parameters:
    ///   - workspace: the workspace whose catalog (and model cache) to use.
    ///   - server: the tracking server that is the registry of record, nil for the catalog.
    /// - Throws: `EngineError` when the URI names nothing, the server cannot be reached and no
    ///   cached version exists, or the model files are missing, damaged or not PlateShell's.
    public init(uri: String, workspace: String, server: MLflowClient? = nil) throws {
        let resolver = try ModelResolver(workspace: workspace, server: server)
        self.uri = uri
        followInterval = server == nil ? .milliseconds(500) : .seconds(2)
        do {
            current = Mutex(try resolver.load(uri, unless: nil)!)
            notice = nil
        } catch let error as EngineError where error.kind == .io && server != nil {
            let cached: ModelCache.Resolution?
            do { cached = try resolver.cache?.lastResolution(of: uri) } catch let cacheError as EngineError {
                throw EngineError(
                    .io, error.message + "; the model cache's record of \(uri) cannot be read: \(cacheError.message)")
            }
            guard let cached else {
                throw EngineError(
                    .io, error.message + "; no version of \(uri) is in this workspace's model cache",
                    hint: "start the server, or serve from a workspace that served this URI before")
            }
            current = Mutex(try ServedModel(directory: cached.directory, name: cached.name, version: cached.version))
            notice =
                "\(error.message): serving \(cached.name)/\(cached.version) from the model cache (what \(uri) resolved to at \(Self.timeText(cached.time)) UTC); it follows \(uri) again once the server answers"
            problem.withLock { $0 = error.message }
        }
        self.resolver = Mutex(resolver)
    }

    /// The model requests are scored with now.
    public var model: ServedModel { current.withLock { $0 } }

    /// Why the model cache could not record the version the URI resolved to last, nil when it
    /// could (or there is no cache): serving goes on, but a later start without the tracking
    /// server would serve an older version.
    public var recordProblem: String? { resolver.withLock { $0.recordProblem } }

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
            let loaded = try resolver.withLock { resolver in
                let loaded = try resolver.load(uri, unless: model)
                if let loaded { current.withLock { $0 = loaded } }
                return loaded
            }
            problem.withLock { $0 = nil }
            return loaded
        } catch {
            problem.withLock { $0 = EngineError.message(of: error) }
            throw error
        }
    }

    private static func timeText(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

/// Finds the model files a URI names: in the workspace (its catalog's registry and runs), or
/// on a tracking server (its registry, downloaded into the model cache).
final class ModelResolver {
    let catalog: Catalog
    let registry: ModelRegistry
    let cache: ModelCache?
    /// Why the model cache could not record what a URI last resolved to, nil when it could.
    private(set) var recordProblem: String?

    init(workspace: String, server: MLflowClient?) throws {
        catalog = try Catalog(workspace: workspace)
        if let server {
            registry = MLflowRegistry(client: server)
            cache = try ModelCache(catalog: catalog, client: server)
        } else {
            registry = catalog
            cache = nil
        }
    }

    /// The model `uri` names, or nil when that is `unless` (same registered version or directory).
    func load(_ uri: String, unless loaded: ServedModel?) throws -> ServedModel? {
        if uri.hasPrefix("models:/") {
            let version = try registry.resolve(uri)
            if let loaded, loaded.name == version.name, loaded.version == version.version { return nil }
            let directory =
                try cache?.directory(for: version)
                ?? (URL(string: version.storageLocation)?.path ?? version.storageLocation)
            let model = try ServedModel(directory: directory, name: version.name, version: version.version)
            // The model is served either way; an unrecorded resolution is said, not fatal.
            do {
                try cache?.remember(uri, version: version, directory: directory)
                recordProblem = nil
            } catch {
                recordProblem =
                    "the model cache could not record that \(uri) resolves to \(version.name)/\(version.version) (\(EngineError.message(of: error))): a server that starts while the tracking server is down serves the version recorded before"
            }
            return model
        }
        let directory: String
        if uri.hasPrefix("runs:/") {
            let parts = uri.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).map(String.init)
            guard let runId = parts.first else {
                throw EngineError(.invalidArgument, "'\(uri)' names no run", hint: "runs:/RUN_ID/model")
            }
            let path = parts.count > 1 ? parts[1] : ModelArtifact.directory
            // A run the workspace's catalog does not hold is the server's (when there is one); a
            // catalog that cannot be read is an error, not a sign that the run is remote.
            do { directory = catalog.runDirectory(try catalog.run(runId).id) + "/" + path } catch let error
                as EngineError where error.kind == .unknownValue
            {
                guard let cache else { throw error }
                directory = try cache.directory(forRun: runId, path: path)
            }
        } else {
            directory = uri
        }
        if let loaded, loaded.directory == directory { return nil }
        return try ServedModel(directory: directory)
    }
}
