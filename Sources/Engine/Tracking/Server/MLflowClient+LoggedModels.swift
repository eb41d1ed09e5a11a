import Foundation
import MLCore

/// MLflow 3's LoggedModel entities over REST (MLFLOW.md §7.3): what the UI lists in an
/// experiment's Models tab and a run's "Models" column.
extension MLflowClient {
    /// Creates a LoggedModel (status PENDING) made by `sourceRunId`; returns its id and artifact URI.
    public func createLoggedModel(
        experimentId: String, name: String, sourceRunId: String, params: [String: String],
        tags: [String: String]
    ) throws -> (id: String, artifactURI: String) {
        let answer = try call(
            "POST", "api/2.0/mlflow/logged-models",
            body: .object([
                ("experiment_id", .string(experimentId)), ("name", .string(name)),
                ("source_run_id", .string(sourceRunId)),
                ("params", Self.pairs(params)), ("tags", Self.pairs(tags)),
            ]))
        return try created(answer, entity: "model", idKey: "model_id", path: "api/2.0/mlflow/logged-models")
    }

    /// The LoggedModel named `name` that run `sourceRunId` made, if there is one (finds one a
    /// request whose answer was lost created).
    public func loggedModel(sourceRunId: String, name: String, experimentId: String) throws -> (
        id: String, artifactURI: String
    )? {
        let answer = try call(
            "POST", "api/2.0/mlflow/logged-models/search",
            body: .object([
                ("experiment_ids", .array([.string(experimentId)])),
                ("filter", .string("source_run_id = '\(sourceRunId)'")),
            ]))
        for model in answer["models"] as? [[String: Any]] ?? [] {
            guard let info = model["info"] as? [String: Any], info["name"] as? String == name,
                let id = info["model_id"] as? String
            else { continue }
            return (id, info["artifact_uri"] as? String ?? "")
        }
        return nil
    }

    /// Links a LoggedModel to the run that produced it (the run's outputs).
    public func linkOutputs(runId: String, modelId: String) throws {
        try call(
            "POST", "api/2.0/mlflow/runs/outputs",
            body: .object([
                ("run_id", .string(runId)),
                ("models", .array([.object([("model_id", .string(modelId)), ("step", .integer(0))])])),
            ]))
    }

    /// Marks a LoggedModel READY (its files are uploaded).
    public func finishLoggedModel(_ modelId: String) throws {
        try call(
            "PATCH", "api/2.0/mlflow/logged-models/\(modelId)",
            body: .object([
                ("model_id", .string(modelId)), ("status", .string("LOGGED_MODEL_READY")),
            ]))
    }
}
