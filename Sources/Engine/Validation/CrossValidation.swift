import Foundation

/// A model's cross-validated performance: its metrics per fold, their mean and spread, fit time.
public struct CrossValidationResult: Sendable, Equatable, Codable {
    public let kind: String
    public let title: String
    public let settings: ModelSettings
    public let plan: PreprocessingPlan
    public let folds: [ClassificationMetrics]
    public let mean: ClassificationMetrics
    /// Mean seconds to fit one fold (preprocessing and model).
    public let fitSeconds: Double

    /// The population standard deviation over folds of a metric.
    public func spread(_ metric: String) -> Double? {
        let values = folds.compactMap { $0.value(metric) }
        guard values.count == folds.count, !values.isEmpty else { return nil }
        let m = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
    }
}

/// One unit of cross-validation work: a model configuration on one fold.
public struct CrossValidationTask: Sendable {
    public let kind: ModelKind
    public let settings: ModelSettings
    public let plan: PreprocessingPlan

    public init(kind: ModelKind, settings: ModelSettings, plan: PreprocessingPlan) {
        self.kind = kind
        self.settings = settings
        self.plan = plan
    }
}

/// Runs model configurations under k-fold cross-validation, every (configuration, fold) pair as
/// one task taken in turn by `threads` workers: preprocessing is fitted on each fold's training
/// rows only.
public enum CrossValidation {
    /// Called after each finished fold with (done, total).
    public typealias Progress = @Sendable (Int, Int) -> Void

    public static func evaluate(_ tasks: [CrossValidationTask], dataset: Dataset, splits: [Folds.Split], seed: UInt64,
                                threads: Int, cancellation: Cancellation? = nil, progress: Progress? = nil) throws -> [CrossValidationResult] {
        let total = tasks.count * splits.count
        nonisolated(unsafe) var outcomes = [Result<(ClassificationMetrics, Double), Error>?](repeating: nil, count: total)
        let done = Counter(), claimed = Counter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, total))) { _ in
            while true {
                let index = claimed.increment() - 1
                if index >= total || cancellation?.isRequested == true { return }
                outcomes[index] = Result {
                    try run(tasks[index / splits.count], split: splits[index % splits.count], dataset: dataset, seed: seed,
                            cancellation: cancellation)
                }
                progress?(done.increment(), total)
            }
        }
        try cancellation?.check()
        return try tasks.enumerated().map { t, task in
            let results = try (0..<splits.count).map { try outcomes[t * splits.count + $0]!.get() }
            let folds = results.map(\.0)
            return CrossValidationResult(kind: task.kind.name, title: task.kind.title, settings: task.settings, plan: task.plan,
                                         folds: folds, mean: .mean(folds),
                                         fitSeconds: results.map(\.1).reduce(0, +) / Double(results.count))
        }
    }

    /// Fits one configuration on one fold's training rows and scores its test rows; returns the
    /// metrics and the seconds the fit took.
    private static func run(_ task: CrossValidationTask, split: Folds.Split, dataset: Dataset, seed: UInt64,
                            cancellation: Cancellation?) throws -> (ClassificationMetrics, Double) {
        let started = DispatchTime.now().uptimeNanoseconds
        let train = dataset.selecting(rows: split.train), test = dataset.selecting(rows: split.test)
        let pipeline = try FittedPipeline.fit(kind: task.kind, settings: task.settings, plan: task.plan, dataset: train,
                                              frameSteps: [], target: "", seed: seed, cancellation: cancellation)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let probabilities = pipeline.probabilities(test.x)
        let metrics = ClassificationMetrics(actual: test.y, predicted: probabilities.argmaxRows(), probabilities: probabilities,
                                            classCount: dataset.classes.count)
        return (metrics, seconds)
    }
}

/// A thread-safe counter for progress reports.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}

import Synchronization
