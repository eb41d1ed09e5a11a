import Engine
import Foundation

/// The rows a model was trained on, found again from its run: what `monitor` compares new rows
/// with.
struct TrainingBaseline {
    /// The training rows: the table version the run recorded, read again (the same part of it),
    /// with the model's preparation steps (label, keep, …) applied.
    let table: Table
    /// The stored version read.
    let version: TableVersion
    /// How messages name it: `fsp.faults v1 + 2 steps`.
    let description: String
    /// The run whose dataset input named the version.
    let runId: String
    /// Said when the version's digest differs from the one the run recorded.
    let notice: String?
}

extension ModelingContext {
    /// The training rows of `served`: the dataset input with context `training` of the run that
    /// logged it (a registered version's run, or the run of a `runs:/` URI), its table version
    /// read again and the pipeline's frame steps replayed on it.
    ///
    /// - Throws: `EngineError` when the model names no run, the run recorded no stored training
    ///   table (an `sql` result), or that table version can no longer be read.
    func trainingBaseline(of served: ServedModel, uri: String, pipeline: FittedPipeline) throws -> TrainingBaseline {
        let tracker = try tracking.tracker()
        let runId: String
        if let name = served.name, let number = served.version {
            guard let id = try tracker.registry.version(name, number).runId else {
                throw EngineError(
                    .invalidData, "\(served.label) names no run, so its training rows are unknown",
                    hint: "give the rows to compare with: baseline=TABLE")
            }
            runId = id
        } else if uri.hasPrefix("runs:/"), let id = uri.dropFirst("runs:/".count).split(separator: "/").first {
            runId = try tracker.runReader().run(String(id)).id
        } else {
            throw EngineError(
                .invalidArgument, "'\(uri)' is a model directory, with no run to find its training rows in",
                hint: "monitor a models:/ or runs:/ URI, or give baseline=TABLE")
        }
        let inputs = try tracker.runReader().inputs(of: runId)
        guard let input = inputs.first(where: { $0.context == "training" }) else {
            throw EngineError(
                .invalidData, "run \(runId.prefix(8)) recorded no training dataset",
                hint: "give the rows to compare with: baseline=TABLE")
        }
        let source = try JSON.parse(input.source)
        guard let tableName = source["table"]?.stringValue, let number = source["version"]?.intValue else {
            throw EngineError(
                .invalidData,
                "run \(runId.prefix(8)) was trained on '\(input.name)', not a stored table version, so its rows cannot be read again",
                hint: "save the training rows as a table and give baseline=TABLE")
        }
        let store = try frames.store()
        let name = try TableName(parsing: tableName)
        var part: TablePart?
        if let limit = source["limit"]?.intValue { part = .limit(limit) }
        if let seed = source["seed"]?.intValue {
            switch source["sample"] {
            case .number(let fraction)?: part = .sample(fraction: fraction, seed: seed)
            case .integer(let fraction)?: part = .sample(fraction: Double(fraction), seed: seed)
            default: break
            }
        }
        var version: TableVersion
        var table: Table
        if let part {
            (version, table) = try store.read(name, version: number, part: part)
        } else {
            version = try store.version(name, number)
            table = try store.read(version)
        }
        for step in pipeline.frameSteps { table = try step.apply(to: table) }
        let recorded = source["table_digest"]?.stringValue
        let notice =
            recorded.map { $0 != version.digest } == true
            ? "the digest of \(version.name.displayName) v\(version.version) differs from the one run \(runId.prefix(8)) recorded: the baseline may not be the rows the model saw"
            : nil
        let steps = pipeline.frameSteps.count
        return TrainingBaseline(
            table: table, version: version,
            description: "\(part.map { "\($0) of " } ?? "")\(version.name.displayName) v\(version.version)"
                + (steps == 0 ? "" : " + \(steps) step\(steps == 1 ? "" : "s")"),
            runId: runId, notice: notice)
    }
}
