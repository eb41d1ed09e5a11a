import Engine
import Foundation

/// Logs into one tracking run: shorthands for what commands record (params, metric values and
/// histories, CSV tables, charts, the dataset and the model), all through the tracker.
///
/// Params, metrics, tags and datasets are logged at once. The files — charts, CSV tables and
/// the model directory — are made on other threads while the command goes on, and `record`
/// hands them back as `RecordedArtifacts`, to be logged in the order they were asked for.
struct RunRecorder {
    let tracker: Tracker
    let runId: String
    private let pending = PendingArtifacts()

    private init(tracker: Tracker, runId: String) {
        self.tracker = tracker
        self.runId = runId
    }

    /// Runs `body` with a recorder for run `runId`, and returns the files it asked for, still
    /// being made: log them (`RecordedArtifacts.log`) before the run ends.
    ///
    /// - Throws: what `body` throws, once the files' work has stopped.
    static func record(_ runId: String, with tracker: Tracker, _ body: (RunRecorder) throws -> Void) throws
        -> RecordedArtifacts
    {
        let recorder = RunRecorder(tracker: tracker, runId: runId)
        do {
            try body(recorder)
        } catch {
            recorder.pending.waitForAll()
            throw error
        }
        return RecordedArtifacts(runId: runId, tracker: tracker, items: recorder.pending.takeAll())
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

    /// Logs `data` as a file (a file already written elsewhere, such as a plot).
    func artifact(_ path: String, _ data: Data) {
        pending.add(.file(path, BackgroundWork(done: data)))
    }

    /// Logs `table` as a CSV file, its bytes made on another thread.
    func csv(_ path: String, _ table: Table) {
        pending.add(.file(path, BackgroundWork { CSVWriter.data(of: table) }))
    }

    /// Logs `figure` as a PNG file, drawn and encoded on another thread.
    func png(_ path: String, _ figure: Figure) {
        pending.add(.file(path, BackgroundWork { try figure.pngData() }))
    }

    func dataset(_ input: DatasetInput) throws { try tracker.logInputs(runId, datasets: [input]) }

    /// Logs `model` as the run's model directory, its files made on another thread.
    func model(_ model: LoggedModel, featureTypes: [ColumnType], example: Matrix) {
        let runId = runId
        pending.add(
            .model(
                BackgroundWork {
                    try ModelArtifact.files(model, featureTypes: featureTypes, example: example, runId: runId)
                }))
    }
}

/// The files a recording asked for, in order, each made on another thread: `log()` waits for
/// each and logs it into the run.
struct RecordedArtifacts: Sendable {
    let runId: String
    let tracker: Tracker
    fileprivate let items: [PendingArtifact]

    /// Logs every file into the run, in the order asked for.
    ///
    /// - Throws: the first error making or logging a file (the files after it are not logged).
    func log() throws {
        for item in items {
            switch item {
            case .file(let path, let work): try tracker.logArtifact(runId, path: path, data: try work.value())
            case .model(let work): try tracker.logModel(runId, files: try work.value())
            }
        }
    }
}

/// A file being made for a run: one artifact, or a whole model directory.
private enum PendingArtifact: Sendable {
    case file(String, BackgroundWork<Data>)
    case model(BackgroundWork<[(String, Data)]>)

    /// Waits until its work has stopped, discarding what it made.
    func wait() {
        switch self {
        case .file(_, let work): _ = try? work.value()
        case .model(let work): _ = try? work.value()
        }
    }
}

/// The files of one recording still being made, in the order asked for.
private final class PendingArtifacts {
    private var items: [PendingArtifact] = []

    func add(_ item: PendingArtifact) { items.append(item) }

    func takeAll() -> [PendingArtifact] {
        defer { items = [] }
        return items
    }

    /// Waits until every item's work has stopped, discarding what it made.
    func waitForAll() {
        for item in takeAll() { item.wait() }
    }
}
