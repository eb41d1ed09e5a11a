import MLCore

/// A table store on a server the session connects to (Spark Connect, in the target
/// `SparkConnect`): the session's tables, and inference logs kept beside them. The Interpreter
/// reaches it through this protocol and `Connectors`, so it does not import Spark Connect.
public protocol RemoteTableStorage: TableStorage {
    /// An inference log `table` in this store for `model`'s rows, written by a thread with a
    /// connection of its own to this store's server-side session (so the shell's reads of the
    /// log see each append at once).
    ///
    /// - Throws: `EngineError` when the server cannot be reached or `table` is not a log of
    ///   these columns.
    func inferenceLog(_ table: TableName, model: ServedModel, source: String) throws -> InferenceLog
}
