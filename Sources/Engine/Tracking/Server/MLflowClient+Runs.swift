import Foundation
import MLCore

/// Reading runs: experiments, run search, one run with its data, metric histories, artifact lists.
extension MLflowClient {
    /// A run as the server returns it: its record and data (params, tags, each metric's latest
    /// value, dataset inputs).
    public struct RunDocument: Sendable {
        public let record: RunRecord
        public let params: [String: String]
        public let tags: [String: String]
        public let latestMetrics: [String: Double]
        public let inputs: [DatasetInput]
    }

    /// Every active experiment.
    public func experiments() throws -> [Experiment] {
        var experiments: [Experiment] = []
        var token: String?
        repeat {
            var body: [(String, JSON)] = [("max_results", .integer(1000)), ("view_type", .string("ACTIVE_ONLY"))]
            if let token { body.append(("page_token", .string(token))) }
            let answer = try call("POST", "api/2.0/mlflow/experiments/search", body: .object(body))
            for item in answer["experiments"] as? [[String: Any]] ?? [] {
                guard let id = item["experiment_id"] as? String, let name = item["name"] as? String else { continue }
                experiments.append(
                    Experiment(
                        id: id, name: name, artifactLocation: item["artifact_location"] as? String ?? "",
                        creationTime: Self.int64(item["creation_time"]) ?? 0,
                        lastUpdateTime: Self.int64(item["last_update_time"]) ?? 0))
            }
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return experiments
    }

    /// The runs of the experiments, newest first, at most `limit`.
    public func searchRuns(experimentIds: [String], limit: Int = 1000) throws -> [RunDocument] {
        guard !experimentIds.isEmpty else { return [] }
        var runs: [RunDocument] = []
        var token: String?
        repeat {
            var body: [(String, JSON)] = [
                ("experiment_ids", .array(experimentIds.map(JSON.string))),
                ("max_results", .integer(Int64(min(1000, limit - runs.count)))),
                ("order_by", .array([.string("attributes.start_time DESC")])),
                ("run_view_type", .string("ACTIVE_ONLY")),
            ]
            if let token { body.append(("page_token", .string(token))) }
            let answer = try call("POST", "api/2.0/mlflow/runs/search", body: .object(body))
            runs += (answer["runs"] as? [[String: Any]] ?? []).compactMap(Self.runDocument)
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false && runs.count < limit
        return runs
    }

    /// One run, by its full id.
    public func run(id: String) throws -> RunDocument {
        let answer = try call("GET", "api/2.0/mlflow/runs/get", query: [("run_id", id)])
        guard let run = answer["run"] as? [String: Any], let document = Self.runDocument(run) else {
            throw MLflowError(
                server: server, method: "GET", path: "api/2.0/mlflow/runs/get",
                failure: .refused(status: 200, code: "NO_RUN", message: "the answer holds no run"))
        }
        return document
    }

    /// Every point of a metric's history.
    public func metricHistory(runId: String, key: String) throws -> [MetricPoint] {
        let answer = try call(
            "GET", "api/2.0/mlflow/metrics/get-history",
            query: [("run_id", runId), ("metric_key", key), ("max_results", "25000")])
        return (answer["metrics"] as? [[String: Any]] ?? []).compactMap { item in
            guard let key = item["key"] as? String else { return nil }
            let value = (item["value"] as? NSNumber)?.doubleValue ?? ((item["value"] as? String) == "NaN" ? .nan : 0)
            return MetricPoint(
                key: key, value: value, timestamp: Self.int64(item["timestamp"]) ?? 0,
                step: Self.int64(item["step"]) ?? 0)
        }
    }

    static func runDocument(_ run: [String: Any]) -> RunDocument? {
        guard let info = run["info"] as? [String: Any], let id = info["run_id"] as? String else { return nil }
        let data = run["data"] as? [String: Any] ?? [:]
        let tags = pairs(data["tags"])
        var metrics: [String: Double] = [:]
        for metric in data["metrics"] as? [[String: Any]] ?? [] {
            if let key = metric["key"] as? String { metrics[key] = (metric["value"] as? NSNumber)?.doubleValue ?? .nan }
        }
        let inputs = ((run["inputs"] as? [String: Any])?["dataset_inputs"] as? [[String: Any]] ?? []).compactMap {
            input -> DatasetInput? in
            guard let dataset = input["dataset"] as? [String: Any] else { return nil }
            return DatasetInput(
                name: dataset["name"] as? String ?? "", digest: dataset["digest"] as? String ?? "",
                sourceType: dataset["source_type"] as? String ?? "", source: dataset["source"] as? String ?? "",
                schema: dataset["schema"] as? String ?? "", profile: dataset["profile"] as? String ?? "",
                context: pairs(input["tags"])["mlflow.data.context"] ?? "")
        }
        let record = RunRecord(
            id: id, experimentId: info["experiment_id"] as? String ?? "",
            name: info["run_name"] as? String ?? tags["mlflow.runName"] ?? "",
            status: RunStatus(rawValue: info["status"] as? String ?? "") ?? .failed,
            startTime: int64(info["start_time"]) ?? 0, endTime: int64(info["end_time"]),
            user: info["user_id"] as? String ?? tags["mlflow.user"] ?? "",
            artifactURI: info["artifact_uri"] as? String ?? "")
        return RunDocument(
            record: record, params: pairs(data["params"]), tags: tags, latestMetrics: metrics, inputs: inputs)
    }
}
