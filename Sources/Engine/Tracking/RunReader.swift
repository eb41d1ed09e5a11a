import MLCore

/// Where runs are read: the workspace's catalog, or the tracking server when it is the store of
/// record. `runs`, `run show`, `artifacts` and `lineage` read through it.
public protocol RunReader: AnyObject {
    /// Where the runs are, for messages.
    var location: String { get }
    func experiments() throws -> [Experiment]
    /// Runs, newest first, optionally of one experiment.
    func runs(experimentId: String?) throws -> [RunRecord]
    /// The run with this id: the full id, a unique prefix, or `latest`.
    ///
    /// - Throws: `EngineError.unknownValue` for no or several matching runs.
    func run(_ id: String) throws -> RunRecord
    func params(of runId: String) throws -> [String: String]
    func tags(of runId: String) throws -> [String: String]
    /// Every metric point of a run, by key then step.
    func metrics(of runId: String) throws -> [MetricPoint]
    /// Each metric's latest value, as MLflow shows it.
    func latestMetrics(of runId: String) throws -> [String: Double]
    func inputs(of runId: String) throws -> [DatasetInput]
    /// A run's artifact files (relative paths) with their sizes.
    func artifacts(of runId: String) throws -> [(path: String, size: Int)]
    /// Where a run's artifacts are (a folder, or the server's artifact URI).
    func artifactLocation(of runId: String) throws -> String
}

extension Catalog: RunReader {
    public func artifactLocation(of runId: String) throws -> String { runDirectory(runId) }
}
