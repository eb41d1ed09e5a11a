import Engine
import Foundation

/// What the modelling and explanation commands touch: the frame (which they read), the
/// modelling state, the session's seed and threads, Ctrl-C, the clock and the progress display,
/// the tracking of their runs, and the workspace's artifacts.
struct ModelingContext {
    let frames: FrameState
    let state: ModelingState
    let tracking: TrackingState
    let settings: Session.Settings
    let cancellation: Cancellation
    let clock: @Sendable () -> Double
    let progressDisplay: ProgressDisplay?
    let workspace: Workspace

    init(session: Session) {
        frames = session.frames
        state = session.modeling
        tracking = session.tracking
        settings = session.settings
        cancellation = session.cancellation
        clock = session.clock
        progressDisplay = session.output as? ProgressDisplay
        workspace = session.workspace
    }

    /// How many threads parallel work may use (`--threads`, default every core).
    var threads: Int { settings.threads }

    /// The session's seed, as the engine takes it.
    var seed: UInt64 { UInt64(settings.seed) }

    /// The current frame as features and labels.
    func dataset() throws -> Dataset {
        try Dataset.from(try frames.currentTable(), target: state.target)
    }

    /// A progress callback for long commands: the terminal draws a bar; other outputs get nothing.
    func progress(_ label: String) -> CrossValidation.Progress {
        let reporter = progressDisplay
        return { done, total in reporter?.report(label, done: done, total: total) }
    }

    /// The holdout split, if it still matches the current frame.
    func currentHoldout() throws -> Holdout? {
        guard let holdout = state.holdout else { return nil }
        guard holdout.sourceRows == (try frames.currentSourceRows()) else {
            throw EngineError(.invalidArgument, "the frame changed since 'split'", hint: "run split again")
        }
        return holdout
    }

    /// The rows a command trains on: the holdout's training part, or all rows.
    func trainingRows(_ data: Dataset, on requested: TrainingRows? = nil) throws -> (rows: [Int], description: String) {
        let holdout = try currentHoldout()
        switch requested ?? (holdout == nil ? .all : .train) {
        case .train:
            guard let holdout else {
                throw EngineError(
                    .invalidArgument, "on=train needs a holdout split", hint: "run split first, or fit on=all")
            }
            return (holdout.split.train, "the \(holdout.split.train.count) training rows")
        case .all:
            return (Array(0..<data.rowCount), "all \(data.rowCount) rows")
        }
    }

    /// The fitted model named, or the last fitted.
    func sessionModel(_ name: String?, range: SourceRange) throws -> SessionModel {
        if let name {
            guard let model = state.model(named: name) else {
                throw Diagnostic(
                    EngineError(
                        .unknownValue, "no fitted model named '\(name)'",
                        hint: state.models.isEmpty ? "fit one first: fit MODEL" : "'models' lists them",
                        suggestions: Suggestions.closest(to: name, among: state.models.map(\.name))), range: range)
            }
            return model
        }
        guard let last = state.models.last else {
            throw EngineError(
                .invalidArgument, "no model has been fitted in this session",
                hint: "fit one first, for example: fit gbm")
        }
        return last
    }

    /// A model's metrics and confusion matrix on the holdout's test rows; nil when it was fitted
    /// on all rows or there is no split.
    func holdoutEvaluation(_ model: SessionModel) throws -> HoldoutEvaluation? {
        guard model.trainedOn == .train, let holdout = try currentHoldout() else { return nil }
        let data = try dataset()
        let test = data.selecting(rows: holdout.split.test)
        let probabilities = model.pipeline.probabilities(
            try model.pipeline.features(of: try frames.currentTable().selecting(rows: holdout.split.test)))
        let predicted = probabilities.argmaxRows()
        return HoldoutEvaluation(
            model: model.name, classes: data.classes, testRows: test.rowCount,
            metrics: ClassificationMetrics(
                actual: test.y, predicted: predicted, probabilities: probabilities,
                classCount: data.classes.count),
            confusion: ConfusionMatrix(actual: test.y, predicted: predicted, classCount: data.classes.count))
    }

    /// The rows to predict: a stored table (with its version), a CSV file, or the current frame.
    func predictionInput(on: String?, range: SourceRange) throws -> (
        table: Table, source: String, stored: TableVersion?
    ) {
        guard let on else { return (try frames.currentTable(), frames.name, nil) }
        do {
            if on.lowercased().hasSuffix(".csv") || on.contains("/") {
                return (try CSVReader.readTable(path: on), on, nil)
            }
            let store = try frames.store()
            let version = try store.version(try TableName(parsing: on))
            return (try store.read(version), "\(version.name.displayName) v\(version.version)", version)
        } catch let error as EngineError {
            throw Diagnostic(error, range: range)
        }
    }
}

/// A model's scores on the holdout's test rows.
struct HoldoutEvaluation {
    let model: String
    let classes: [String]
    let testRows: Int
    let metrics: ClassificationMetrics
    let confusion: ConfusionMatrix
}
