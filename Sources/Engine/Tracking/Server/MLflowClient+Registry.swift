import Foundation
import MLCore

/// The model registry: registered models, versions, stages, aliases, download URIs.
extension MLflowClient {
    /// Creates the registered model, or updates its description if it exists.
    /// Registers model `name`; `description` becomes its description when it is new, or when it
    /// exists without one (a model's description is never replaced, so a registration queued
    /// while the server was down cannot overwrite one set meanwhile).
    public func registerModel(_ name: String, description: String?) throws {
        do {
            try call(
                "POST", "api/2.0/mlflow/registered-models/create",
                body: .object(
                    [("name", .string(name))]
                        + (description.map { [("description", JSON.string($0))] } ?? [])))
        } catch let error as MLflowError where error.code == "RESOURCE_ALREADY_EXISTS" {
            if let description, try registeredModel(name).description.isEmpty {
                try describeModel(name, description: description)
            }
        }
    }

    public func describeModel(_ name: String, description: String) throws {
        try call(
            "PATCH", "api/2.0/mlflow/registered-models/update",
            body: .object([("name", .string(name)), ("description", .string(description))]))
    }

    /// Creates the next version of `name` from `source` (of an MLflow 3 LoggedModel when
    /// `modelId` is given); the server numbers it.
    public func createVersion(
        name: String, source: String, runId: String, modelId: String? = nil, description: String,
        tags: [String: String]
    ) throws -> ModelVersion {
        let answer = try call(
            "POST", "api/2.0/mlflow/model-versions/create",
            body: .object(
                [
                    ("name", .string(name)), ("source", .string(source)), ("run_id", .string(runId)),
                    ("description", .string(description)), ("tags", Self.pairs(tags)),
                ] + (modelId.map { [("model_id", JSON.string($0))] } ?? [])))
        return try modelVersion(answer, "model-versions/create")
    }

    public func transition(name: String, version: Int, stage: Stage, archiveExisting: Bool) throws -> ModelVersion {
        let answer = try call(
            "POST", "api/2.0/mlflow/model-versions/transition-stage",
            body: .object([
                ("name", .string(name)), ("version", .string(String(version))), ("stage", .string(stage.rawValue)),
                ("archive_existing_versions", .bool(archiveExisting)),
            ]))
        return try modelVersion(answer, "model-versions/transition-stage")
    }

    public func setAlias(name: String, alias: String, version: Int) throws {
        try call(
            "POST", "api/2.0/mlflow/registered-models/alias",
            body: .object([
                ("name", .string(name)), ("alias", .string(alias)), ("version", .string(String(version))),
            ]))
    }

    public func deleteAlias(name: String, alias: String) throws {
        try call(
            "DELETE", "api/2.0/mlflow/registered-models/alias",
            body: .object([("name", .string(name)), ("alias", .string(alias))]))
    }

    /// The registered model named `name` (with its aliases and tags).
    public func registeredModel(_ name: String) throws -> RegisteredModel {
        let answer = try call("GET", "api/2.0/mlflow/registered-models/get", query: [("name", name)])
        guard let model = answer["registered_model"] as? [String: Any], let registered = Self.registeredModel(model)
        else {
            throw MLflowError(
                server: server, method: "GET", path: "api/2.0/mlflow/registered-models/get",
                failure: .refused(status: 200, code: "NO_MODEL", message: "the answer holds no registered model"))
        }
        return registered
    }

    /// Every registered model.
    public func registeredModels() throws -> [RegisteredModel] {
        var models: [RegisteredModel] = []
        var token: String?
        repeat {
            var query = [("max_results", "1000")]
            if let token { query.append(("page_token", token)) }
            let answer = try call("GET", "api/2.0/mlflow/registered-models/search", query: query)
            models += (answer["registered_models"] as? [[String: Any]] ?? []).compactMap(Self.registeredModel)
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return models.sorted { $0.name < $1.name }
    }

    /// Every version of `name`, oldest first (aliases as `aliases` names them: search omits them).
    public func versions(_ name: String, aliases: [String: Int]) throws -> [ModelVersion] {
        var versions: [ModelVersion] = []
        var token: String?
        let filter = "name='\(name.replacingOccurrences(of: "'", with: "\\'"))'"
        repeat {
            var query = [("filter", filter), ("max_results", "10000")]
            if let token { query.append(("page_token", token)) }
            let answer = try call("GET", "api/2.0/mlflow/model-versions/search", query: query)
            versions += (answer["model_versions"] as? [[String: Any]] ?? []).compactMap {
                Self.modelVersion($0, aliases: aliases)
            }
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return versions.sorted { $0.version < $1.version }
    }

    public func version(_ name: String, _ number: Int) throws -> ModelVersion {
        let answer = try call(
            "GET", "api/2.0/mlflow/model-versions/get", query: [("name", name), ("version", String(number))])
        return try modelVersion(answer, "model-versions/get")
    }

    /// The version an alias points at.
    public func version(_ name: String, alias: String) throws -> ModelVersion {
        let answer = try call(
            "GET", "api/2.0/mlflow/registered-models/alias", query: [("name", name), ("alias", alias)])
        return try modelVersion(answer, "registered-models/alias")
    }

    /// The highest version in `stage`, nil when none is.
    public func latestVersion(_ name: String, stage: Stage) throws -> ModelVersion? {
        let answer = try call(
            "POST", "api/2.0/mlflow/registered-models/get-latest-versions",
            body: .object([
                ("name", .string(name)), ("stages", .array([.string(stage.rawValue)])),
            ]))
        return (answer["model_versions"] as? [[String: Any]] ?? []).compactMap { Self.modelVersion($0, aliases: [:]) }
            .max { $0.version < $1.version }
    }

    /// Where a version's files are (`mlflow-artifacts:/…`, or its `runs:/` source as given).
    public func downloadURI(_ name: String, _ number: Int) throws -> String {
        let answer = try call(
            "GET", "api/2.0/mlflow/model-versions/get-download-uri",
            query: [("name", name), ("version", String(number))])
        guard let uri = answer["artifact_uri"] as? String else {
            throw MLflowError(
                server: server, method: "GET", path: "api/2.0/mlflow/model-versions/get-download-uri",
                failure: .refused(status: 200, code: "NO_URI", message: "the answer holds no artifact_uri"))
        }
        return uri
    }

    private func modelVersion(_ answer: [String: Any], _ path: String) throws -> ModelVersion {
        guard let item = answer["model_version"] as? [String: Any], let version = Self.modelVersion(item, aliases: [:])
        else {
            throw MLflowError(
                server: server, method: "GET", path: "api/2.0/mlflow/" + path,
                failure: .refused(status: 200, code: "NO_VERSION", message: "the answer holds no model version"))
        }
        return version
    }

    static func registeredModel(_ item: [String: Any]) -> RegisteredModel? {
        guard let name = item["name"] as? String else { return nil }
        var aliases: [String: Int] = [:]
        for alias in item["aliases"] as? [[String: Any]] ?? [] {
            if let key = alias["alias"] as? String, let version = (alias["version"] as? String).flatMap(Int.init) {
                aliases[key] = version
            }
        }
        return RegisteredModel(
            name: name, description: item["description"] as? String ?? "",
            creationTime: int64(item["creation_timestamp"]) ?? 0,
            lastUpdateTime: int64(item["last_updated_timestamp"]) ?? 0,
            tags: pairs(item["tags"]), aliases: aliases)
    }

    static func modelVersion(_ item: [String: Any], aliases: [String: Int]) -> ModelVersion? {
        guard let name = item["name"] as? String,
            let number = (item["version"] as? String).flatMap(Int.init) ?? (item["version"] as? Int)
        else { return nil }
        let own = item["aliases"] as? [String] ?? aliases.filter { $0.value == number }.map(\.key)
        let source = item["source"] as? String ?? ""
        return ModelVersion(
            name: name, version: number, runId: (item["run_id"] as? String).flatMap { $0.isEmpty ? nil : $0 },
            source: source,
            storageLocation: item["storage_location"] as? String ?? source,
            description: item["description"] as? String ?? "",
            stage: Stage(rawValue: item["current_stage"] as? String ?? "None") ?? .none,
            creationTime: int64(item["creation_timestamp"]) ?? 0,
            lastUpdateTime: int64(item["last_updated_timestamp"]) ?? 0,
            tags: pairs(item["tags"]), aliases: own.sorted())
    }
}
