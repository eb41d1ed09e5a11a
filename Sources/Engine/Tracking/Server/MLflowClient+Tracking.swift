import Foundation
import MLCore

/// Writing runs: experiments, runs, params, metrics, tags, dataset inputs, artifacts.
extension MLflowClient {
    /// MLflow's `log-batch` limits (MLFLOW.md §7.1): per request at most 100 params, 100 tags,
    /// 1000 metrics, 1000 entities in all, and 1 MB (kept under with a margin).
    public enum BatchLimits {
        public static let params = 100
        public static let tags = 100
        public static let metrics = 1000
        public static let entities = 1000
        public static let bytes = 900_000
    }

    /// The id of the experiment named `name`, created when missing.
    public func experimentId(named name: String) throws -> String {
        do {
            let answer = try call("GET", "api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)])
            if let experiment = answer["experiment"] as? [String: Any], let id = experiment["experiment_id"] as? String
            {
                return id
            }
        } catch let error as MLflowError where error.isNotFound {}
        do {
            let created = try call(
                "POST", "api/2.0/mlflow/experiments/create", body: .object([("name", .string(name))]))
            if let id = created["experiment_id"] as? String { return id }
        } catch let error as MLflowError where error.code == "RESOURCE_ALREADY_EXISTS" {
            // Another client created it between the two calls.
            return try experimentId(named: name)
        }
        throw MLflowError(
            server: server, method: "POST", path: "api/2.0/mlflow/experiments/create",
            failure: .refused(status: 200, code: "NO_ID", message: "the answer has no experiment_id"))
    }

    /// Creates a run; returns its id and artifact URI.
    public func createRun(
        experimentId: String, name: String, startTime: Int64, user: String,
        tags: [String: String]
    ) throws -> (id: String, artifactURI: String) {
        let answer = try call(
            "POST", "api/2.0/mlflow/runs/create",
            body: .object([
                ("experiment_id", .string(experimentId)), ("run_name", .string(name)),
                ("start_time", .integer(startTime)),
                ("user_id", .string(user)), ("tags", Self.pairs(tags)),
            ]))
        return try created(answer, entity: "run", idKey: "run_id", path: "api/2.0/mlflow/runs/create")
    }

    /// The id and artifact URI in the answer to a POST that created a run or a LoggedModel
    /// (`{ENTITY: {"info": {ID_KEY: …, "artifact_uri": …}}}`).
    func created(_ answer: [String: Any], entity: String, idKey: String, path: String) throws -> (
        id: String, artifactURI: String
    ) {
        guard let info = (answer[entity] as? [String: Any])?["info"] as? [String: Any],
            let id = info[idKey] as? String
        else {
            throw MLflowError(
                server: server, method: "POST", path: path,
                failure: .refused(status: 200, code: "NO_ID", message: "the answer has no \(idKey)"))
        }
        return (id, info["artifact_uri"] as? String ?? "")
    }

    /// The run of `experimentId` tagged `key = value`, if there is one (finds a run created by a
    /// request whose answer was lost).
    public func run(taggedWith key: String, value: String, experimentId: String) throws -> (
        id: String, artifactURI: String
    )? {
        let quoted = value.replacingOccurrences(of: "'", with: "\\'")
        let answer = try call(
            "POST", "api/2.0/mlflow/runs/search",
            body: .object([
                ("experiment_ids", .array([.string(experimentId)])), ("filter", .string("tags.`\(key)` = '\(quoted)'")),
                ("max_results", .integer(1)),
            ]))
        guard let run = (answer["runs"] as? [[String: Any]])?.first, let info = run["info"] as? [String: Any],
            let id = info["run_id"] as? String
        else { return nil }
        return (id, info["artifact_uri"] as? String ?? "")
    }

    /// Params, metrics and tags, in as few requests as MLflow's batch limits allow; the metrics
    /// linked to an MLflow 3 LoggedModel when `modelId` is given.
    public func logBatch(
        runId: String, params: [String: String], metrics: [MetricPoint], tags: [String: String], modelId: String? = nil
    ) throws {
        for request in Self.batches(params: params, metrics: metrics, tags: tags, modelId: modelId) {
            try call("POST", "api/2.0/mlflow/runs/log-batch", body: .object([("run_id", .string(runId))] + request))
        }
    }

    /// The bodies (without `run_id`) that carry everything within `BatchLimits`.
    static func batches(
        params: [String: String], metrics: [MetricPoint], tags: [String: String], modelId: String? = nil
    ) -> [[(String, JSON)]] {
        func pair(_ entry: (key: String, value: String)) -> (JSON, Int) {
            (
                .object([("key", .string(entry.key)), ("value", .string(entry.value))]),
                entry.key.utf8.count + entry.value.utf8.count + 32
            )
        }
        var params = params.sorted { $0.key < $1.key }.map(pair)[...]
        var tags = tags.sorted { $0.key < $1.key }.map(pair)[...]
        var metrics = metrics.map { point -> (JSON, Int) in
            let value: JSON =
                point.value.isFinite
                ? .number(point.value)
                : .string(point.value.isNaN ? "NaN" : (point.value > 0 ? "Infinity" : "-Infinity"))
            return (
                .object(
                    [
                        ("key", .string(point.key)), ("value", value), ("timestamp", .integer(point.timestamp)),
                        ("step", .integer(point.step)),
                    ]
                        + (modelId.map { [("model_id", JSON.string($0))] } ?? [])),
                point.key.utf8.count + 80
            )
        }[...]
        var requests: [[(String, JSON)]] = []
        // Each request takes up to 100 params and 100 tags, then fills the rest with metrics.
        while !params.isEmpty || !tags.isEmpty || !metrics.isEmpty {
            var bytes = 0
            var entities = 0
            func take(_ source: inout ArraySlice<(JSON, Int)>, limit: Int) -> [JSON] {
                var taken: [JSON] = []
                while let (item, size) = source.first, taken.count < limit, entities < BatchLimits.entities,
                    bytes + size <= BatchLimits.bytes || entities == 0
                {
                    taken.append(item)
                    bytes += size
                    entities += 1
                    source.removeFirst()
                }
                return taken
            }
            let batchParams = take(&params, limit: BatchLimits.params)
            let batchTags = take(&tags, limit: BatchLimits.tags)
            let batchMetrics = take(&metrics, limit: BatchLimits.metrics)
            requests.append([
                ("params", .array(batchParams)), ("metrics", .array(batchMetrics)), ("tags", .array(batchTags)),
            ])
        }
        return requests
    }

    public func logInputs(runId: String, datasets: [DatasetInput]) throws {
        guard !datasets.isEmpty else { return }
        try call(
            "POST", "api/2.0/mlflow/runs/log-inputs",
            body: .object([
                ("run_id", .string(runId)),
                (
                    "datasets",
                    .array(
                        datasets.map { dataset in
                            .object([
                                (
                                    "tags",
                                    .array([
                                        .object([
                                            ("key", .string("mlflow.data.context")),
                                            ("value", .string(dataset.context)),
                                        ])
                                    ])
                                ),
                                (
                                    "dataset",
                                    .object([
                                        ("name", .string(dataset.name)), ("digest", .string(dataset.digest)),
                                        ("source_type", .string(dataset.sourceType)),
                                        ("source", .string(dataset.source)),
                                        ("schema", .string(dataset.schema)), ("profile", .string(dataset.profile)),
                                    ])
                                ),
                            ])
                        })
                ),
            ]))
    }

    /// Uploads an artifact through the server's proxy (`mlflow-artifacts:/` artifact URIs).
    public func uploadArtifact(artifactURI: String, path: String, data: Data) throws {
        let root = try Self.proxiedPath(artifactURI, server: server)
        try send("PUT", "api/2.0/mlflow-artifacts/artifacts/\(root)/\(path)", raw: data)
    }

    public func endRun(runId: String, status: RunStatus, endTime: Int64) throws {
        try call(
            "POST", "api/2.0/mlflow/runs/update",
            body: .object([
                ("run_id", .string(runId)), ("status", .string(status.rawValue)), ("end_time", .integer(endTime)),
            ]))
    }

    /// The path under the artifact proxy of an `mlflow-artifacts:/…` URI.
    ///
    /// - Throws: `MLflowError` when the server stores artifacts where PlateShell cannot reach them.
    static func proxiedPath(_ artifactURI: String, server: String) throws -> String {
        guard artifactURI.hasPrefix("mlflow-artifacts:") else {
            throw MLflowError(
                server: server, method: "PUT", path: "api/2.0/mlflow-artifacts/artifacts",
                failure: .refused(
                    status: 400, code: "ARTIFACTS_NOT_PROXIED",
                    message:
                        "the server stores artifacts at '\(artifactURI)', which PlateShell reaches only through the server's artifact proxy (start the server with --serve-artifacts, the default)"
                ))
        }
        var rest = Substring(artifactURI.dropFirst("mlflow-artifacts:".count))
        // mlflow-artifacts:/1/… or mlflow-artifacts://host:port/1/…
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            rest = rest.drop { $0 != "/" }
        }
        return rest.split(separator: "/").joined(separator: "/")
    }
}
