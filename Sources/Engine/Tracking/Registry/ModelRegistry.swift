import MLCore

/// The registry of record: where registered models and their versions are read, and where
/// `models:/` URIs resolve. The workspace's catalog is the registry for one person; with a
/// tracking server set, the server is (`MLflowRegistry`), so a version promoted from Python's
/// `MlflowClient` or the MLflow UI is the one PlateShell serves.
///
/// Writes (register, stage, alias, describe) go through the `Tracker`, which knows how a run
/// reaches the registry.
public protocol ModelRegistry: AnyObject {
    /// Where the registry is, for messages: "the workspace catalog" or "the MLflow server at URL".
    var location: String { get }
    /// Every registered model, by name.
    func registeredModels() throws -> [RegisteredModel]
    /// - Throws: `EngineError.unknownValue` when there is no model of that name.
    func registeredModel(_ name: String) throws -> RegisteredModel
    /// Every version of `name`, oldest first.
    func versions(_ name: String) throws -> [ModelVersion]
    func version(_ name: String, _ number: Int) throws -> ModelVersion
    /// The version a `models:/` URI names, resolved as MLflow resolves it (`ModelURI`).
    func resolve(_ uri: String) throws -> ModelVersion
}

extension Catalog: ModelRegistry {
    public var location: String { "the workspace catalog" }
}
