import MLCore

/// An MLflow tracking server as the registry of record (and so Databricks, which speaks the same
/// REST API): every read and every `models:/` resolution asks the server, with MLflow's own rules
/// (the highest version in a stage, the alias's version, the number).
public final class MLflowRegistry: ModelRegistry, Sendable {
    public let client: MLflowClient

    public init(client: MLflowClient) {
        self.client = client
    }

    public var location: String { "the MLflow server at \(client.server)" }

    /// " on the MLflow server at URL", ending messages.
    var place: String { " on " + location }

    public func registeredModels() throws -> [RegisteredModel] {
        try MLflowClient.translatingErrors { try client.registeredModels() }
    }

    public func registeredModel(_ name: String) throws -> RegisteredModel {
        try reading(name) { try client.registeredModel(name) }
    }

    public func versions(_ name: String) throws -> [ModelVersion] {
        let model = try registeredModel(name)
        return try MLflowClient.translatingErrors { try client.versions(name, aliases: model.aliases) }
    }

    public func version(_ name: String, _ number: Int) throws -> ModelVersion {
        do {
            return try reading(name) { try client.version(name, number) }
        } catch let error as EngineError
            where error.kind == .unknownValue && !error.message.hasPrefix("no registered model")
        {
            // The model exists but not that version: say which versions it has.
            return try ModelURI.version(name: name, number: number).pick(
                from: versions(name), aliases: [:], place: place)
        }
    }

    public func resolve(_ uri: String) throws -> ModelVersion {
        let parsed = try ModelURI(parsing: uri)
        switch parsed {
        case .version(let name, let number):
            return try version(name, number)
        case .stage(let name, let stage):
            _ = try registeredModel(name)
            guard let match = try reading(name, { try client.latestVersion(name, stage: stage) }) else {
                return try parsed.pick(from: [], aliases: [:], place: place)
            }
            return match
        case .alias(let name, let alias):
            do {
                return try reading(name) { try client.version(name, alias: alias) }
            } catch let error as EngineError
                where error.kind == .unknownValue && !error.message.hasPrefix("no registered model")
            {
                return try parsed.pick(from: [], aliases: try registeredModel(name).aliases, place: place)
            }
        case .latest:
            return try parsed.pick(from: try versions(parsed.name), aliases: [:], place: place)
        }
    }

    /// Runs a read about model `name`, turning the server's "does not exist" for the model into
    /// PlateShell's message with the names the server knows.
    private func reading<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MLflowError where error.isNotFound {
            // The list tells a missing model from a missing version; without it, say what the server said.
            guard let models = try? client.registeredModels() else { throw error.engineError }
            guard models.contains(where: { $0.name == name }) else {
                throw EngineError(
                    .unknownValue, "no registered model named '\(name)'\(place)",
                    hint: "'models registered' lists them",
                    suggestions: Suggestions.closest(to: name, among: models.map(\.name)))
            }
            throw error.engineError
        } catch let error as MLflowError {
            throw error.engineError
        }
    }
}
