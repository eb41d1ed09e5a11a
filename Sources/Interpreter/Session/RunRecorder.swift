import Engine
import Foundation

/// Logs into one tracking run: shorthands for what commands record (params, metric values and
/// histories, CSV tables, charts, the dataset and the model), all through the tracker.
///
/// The bytes of charts and CSV tables are made on another thread while the command's thread goes
/// on logging; `record` logs them, in the order they were asked for, before it returns, so a run
/// never ends without them.
struct RunRecorder {
    let tracker: Tracker
    let runId: String
    private let pending = PendingArtifacts()

    private init(tracker: Tracker, runId: String) {
        self.tracker = tracker
        self.runId = runId
    }

    /// Runs `body` with a recorder for run `runId`, then logs the artifacts it asked for.
    ///
    /// - Throws: what `body` throws (once the artifacts' work has stopped), or an error logging them.
    static func record(_ runId: String, with tracker: Tracker, _ body: (RunRecorder) throws -> Void) throws {
        let recorder = RunRecorder(tracker: tracker, runId: runId)
        do {
            try body(recorder)
        } catch {
            recorder.pending.waitForAll()
            throw error
        }
        for (path, work) in recorder.pending.takeAll() { try recorder.artifact(path, try work.value()) }
    }

    func params(_ values: [String: String]) throws {
        try tracker.log(runId, params: values.mapValues { String($0.prefix(6000)) })
    }

    func tags(_ values: [String: String]) throws {
        try tracker.log(runId, tags: values.mapValues { String($0.prefix(8000)) })
    }

    /// Logs each finite value once at `step` (MLflow cannot carry NaN over JSON).
    func metrics(_ values: [String: Double], step: Int64 = 0) throws {
        let time = millisecondsNow()
        try tracker.log(
            runId,
            metrics: values.filter { $0.value.isFinite }.sorted { $0.key < $1.key }.map {
                MetricPoint(key: $0.key, value: $0.value, timestamp: time, step: step)
            })
    }

    /// Logs params, metric values (step 0) and metric histories (steps 0, 1, 2, …) in one batch.
    func log(params: [String: String], metrics: [String: Double], histories: [String: [Double]]) throws {
        let time = millisecondsNow()
        let points =
            metrics.filter { $0.value.isFinite }.map { MetricPoint(key: $0.key, value: $0.value, timestamp: time) }
            + histories.flatMap { key, values in
                values.enumerated().filter { $0.element.isFinite }.map {
                    MetricPoint(key: key, value: $0.element, timestamp: time, step: Int64($0.offset))
                }
            }
        try tracker.log(
            runId, params: params.mapValues { String($0.prefix(6000)) },
            metrics: points.sorted { ($0.key, $0.step) < ($1.key, $1.step) })
    }

    /// Logs `values` as one metric's history, step 0, 1, 2, … (per-fold scores, variance ratios).
    func history(_ key: String, _ values: [Double]) throws {
        let time = millisecondsNow()
        try tracker.log(
            runId,
            metrics: values.enumerated().filter { $0.element.isFinite }.map {
                MetricPoint(key: key, value: $0.element, timestamp: time, step: Int64($0.offset))
            })
    }

    func artifact(_ path: String, _ data: Data) throws { try tracker.logArtifact(runId, path: path, data: data) }

    /// Logs `table` as a CSV file: its bytes are made on another thread, logged when `record` ends.
    func csv(_ path: String, _ table: Table) {
        pending.add(path, BackgroundWork { CSVWriter.data(of: table) })
    }

    /// Logs `figure` as a PNG file: drawn and encoded on another thread, logged when `record` ends.
    func png(_ path: String, _ figure: Figure) {
        pending.add(path, BackgroundWork { try figure.pngData() })
    }

    func dataset(_ input: DatasetInput) throws { try tracker.logInputs(runId, datasets: [input]) }

    func model(_ model: LoggedModel, featureTypes: [ColumnType], example: Matrix) throws {
        try tracker.logModel(runId, model: model, featureTypes: featureTypes, example: example)
    }
}

/// The artifacts of one recording whose bytes are still being made, in the order asked for.
private final class PendingArtifacts {
    private var items: [(path: String, work: BackgroundWork<Data>)] = []

    func add(_ path: String, _ work: BackgroundWork<Data>) { items.append((path, work)) }

    func takeAll() -> [(path: String, work: BackgroundWork<Data>)] {
        defer { items = [] }
        return items
    }

    /// Waits until every item's work has stopped, discarding what it made.
    func waitForAll() {
        for (_, work) in takeAll() { _ = try? work.value() }
    }
}
