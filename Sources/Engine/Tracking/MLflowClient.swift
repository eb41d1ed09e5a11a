import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of the MLflow tracking server's REST API (`/api/2.0/mlflow/...`, artifacts through
/// the server's proxy), as measured against MLflow 3.17 (MLFLOW.md §7): experiments, runs,
/// log-batch, log-inputs, artifacts, registered models, versions, stages and aliases.
///
/// Requests time out; the server's errors (`{"error_code", "message"}`) come back as
/// `EngineError`s quoting them; an unreachable server says so.
public final class MLflowClient: @unchecked Sendable {
    public let base: URL
    public let timeout: TimeInterval
    private let session: URLSession

    public init(uri: String, timeout: TimeInterval = 10) throws {
        guard let url = URL(string: uri), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil else {
            throw EngineError(.invalidArgument, "'\(uri)' is not an http(s) URL of an MLflow tracking server",
                              hint: "for example: tracking uri=http://127.0.0.1:5000")
        }
        base = url
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 3
        session = URLSession(configuration: configuration)
    }

    // MARK: - Transport

    /// Sends a request and returns the decoded JSON object of the answer.
    @discardableResult
    func call(_ method: String, _ path: String, body: JSON? = nil, query: [(String, String)] = [], raw: Data? = nil) throws -> [String: Any] {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let body {
            request.httpBody = Data(body.serialized().utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try send(request)
        let status = response.statusCode
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard (200..<300).contains(status) else {
            let code = object?["error_code"] as? String ?? "HTTP \(status)"
            let message = object?["message"] as? String ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw EngineError(status == 404 ? .unknownValue : .invalidArgument, "the MLflow server refused \(method) \(path): \(code): \(message)")
        }
        return object ?? [:]
    }

    private func send(_ request: URLRequest) throws -> (Data, HTTPURLResponse) {
        do {
            return try session.synchronousData(for: request)
        } catch {
            throw EngineError(.io, "cannot reach the MLflow server at \(base.absoluteString): \(error.localizedDescription)",
                              hint: "is it running? ('mlflow server --host 127.0.0.1 --port 5000'); everything stays recorded in the workspace catalog")
        }
    }

    // MARK: - Tracking

    /// The id of the experiment named `name`, created when missing.
    public func experimentId(named name: String) throws -> String {
        do {
            let answer = try call("GET", "api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)])
            if let experiment = answer["experiment"] as? [String: Any], let id = experiment["experiment_id"] as? String { return id }
        } catch let error as EngineError where error.kind == .unknownValue {}
        let created = try call("POST", "api/2.0/mlflow/experiments/create", body: .object([("name", .string(name))]))
        guard let id = created["experiment_id"] as? String else { throw EngineError(.invalidData, "the MLflow server created an experiment without an id") }
        return id
    }

    /// Creates a run; returns its id and artifact URI.
    public func createRun(experimentId: String, name: String, startTime: Int64, user: String,
                          tags: [String: String]) throws -> (id: String, artifactURI: String) {
        let answer = try call("POST", "api/2.0/mlflow/runs/create", body: .object([
            ("experiment_id", .string(experimentId)), ("run_name", .string(name)), ("start_time", .integer(startTime)),
            ("user_id", .string(user)), ("tags", Self.pairs(tags)),
        ]))
        guard let info = (answer["run"] as? [String: Any])?["info"] as? [String: Any], let id = info["run_id"] as? String else {
            throw EngineError(.invalidData, "the MLflow server answered runs/create without a run id")
        }
        return (id, info["artifact_uri"] as? String ?? "")
    }

    /// Params, metrics and tags, in batches within the server's limits (100 params, 100 tags,
    /// 1000 metrics a call).
    public func logBatch(runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String]) throws {
        func pairs(_ values: ArraySlice<(key: String, value: String)>) -> JSON {
            .array(values.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
        }
        func send(params: JSON = .array([]), metrics: JSON = .array([]), tags: JSON = .array([])) throws {
            try call("POST", "api/2.0/mlflow/runs/log-batch", body: .object([("run_id", .string(runId)), ("params", params),
                                                                             ("metrics", metrics), ("tags", tags)]))
        }
        let sortedParams = params.sorted { $0.key < $1.key }, sortedTags = tags.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: sortedParams.count, by: 100) { try send(params: pairs(sortedParams[start..<min(start + 100, sortedParams.count)])) }
        for start in stride(from: 0, to: sortedTags.count, by: 100) { try send(tags: pairs(sortedTags[start..<min(start + 100, sortedTags.count)])) }
        for start in stride(from: 0, to: metrics.count, by: 1000) {
            try send(metrics: .array(metrics[start..<min(start + 1000, metrics.count)].map { point in .object([
                ("key", .string(point.key)),
                ("value", point.value.isFinite ? .number(point.value) : .string(point.value.isNaN ? "NaN" : (point.value > 0 ? "Infinity" : "-Infinity"))),
                ("timestamp", .integer(point.timestamp)), ("step", .integer(point.step)),
            ]) }))
        }
    }

    public func logInputs(runId: String, datasets: [DatasetInput]) throws {
        guard !datasets.isEmpty else { return }
        try call("POST", "api/2.0/mlflow/runs/log-inputs", body: .object([
            ("run_id", .string(runId)),
            ("datasets", .array(datasets.map { dataset in .object([
                ("tags", .array([.object([("key", .string("mlflow.data.context")), ("value", .string(dataset.context))])])),
                ("dataset", .object([("name", .string(dataset.name)), ("digest", .string(dataset.digest)),
                                     ("source_type", .string(dataset.sourceType)), ("source", .string(dataset.source)),
                                     ("schema", .string(dataset.schema)), ("profile", .string(dataset.profile))])),
            ]) })),
        ]))
    }

    /// Uploads an artifact through the server's proxy (`mlflow-artifacts:/` artifact URIs).
    public func uploadArtifact(artifactURI: String, path: String, data: Data) throws {
        guard artifactURI.hasPrefix("mlflow-artifacts:/") else {
            throw EngineError(.invalidArgument, "the MLflow server stores artifacts at '\(artifactURI)', which PlateShell cannot upload to",
                              hint: "start the server with artifact proxying (mlflow server --serve-artifacts, the default)")
        }
        let root = artifactURI.dropFirst("mlflow-artifacts:/".count).split(separator: "/").joined(separator: "/")
        try call("PUT", "api/2.0/mlflow-artifacts/artifacts/\(root)/\(path)", raw: data)
    }

    public func endRun(runId: String, status: RunStatus, endTime: Int64) throws {
        try call("POST", "api/2.0/mlflow/runs/update", body: .object([
            ("run_id", .string(runId)), ("status", .string(status.rawValue)), ("end_time", .integer(endTime)),
        ]))
    }

    // MARK: - Registry

    /// Creates the registered model, or updates its description if it exists.
    public func registerModel(_ name: String, description: String?) throws {
        do {
            try call("POST", "api/2.0/mlflow/registered-models/create", body: .object([("name", .string(name))]
                + (description.map { [("description", JSON.string($0))] } ?? [])))
        } catch let error as EngineError where error.message.contains("RESOURCE_ALREADY_EXISTS") {
            if let description { try describeModel(name, description: description) }
        }
    }

    public func describeModel(_ name: String, description: String) throws {
        try call("PATCH", "api/2.0/mlflow/registered-models/update", body: .object([("name", .string(name)), ("description", .string(description))]))
    }

    /// Creates a version from a remote run's model; returns the server's version number.
    public func createVersion(name: String, runId: String, description: String, tags: [String: String]) throws -> Int {
        let answer = try call("POST", "api/2.0/mlflow/model-versions/create", body: .object([
            ("name", .string(name)), ("source", .string("runs:/\(runId)/\(ModelArtifact.directory)")), ("run_id", .string(runId)),
            ("description", .string(description)), ("tags", Self.pairs(tags)),
        ]))
        guard let version = (answer["model_version"] as? [String: Any])?["version"] as? String, let number = Int(version) else {
            throw EngineError(.invalidData, "the MLflow server answered model-versions/create without a version")
        }
        return number
    }

    public func transition(name: String, version: Int, stage: Stage, archiveExisting: Bool) throws {
        try call("POST", "api/2.0/mlflow/model-versions/transition-stage", body: .object([
            ("name", .string(name)), ("version", .string(String(version))), ("stage", .string(stage.rawValue)),
            ("archive_existing_versions", .bool(archiveExisting)),
        ]))
    }

    public func setAlias(name: String, alias: String, version: Int) throws {
        try call("POST", "api/2.0/mlflow/registered-models/alias", body: .object([
            ("name", .string(name)), ("alias", .string(alias)), ("version", .string(String(version))),
        ]))
    }

    public func deleteAlias(name: String, alias: String) throws {
        try call("DELETE", "api/2.0/mlflow/registered-models/alias", body: .object([("name", .string(name)), ("alias", .string(alias))]))
    }

    static func pairs(_ values: [String: String]) -> JSON {
        .array(values.sorted { $0.key < $1.key }.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
    }
}
