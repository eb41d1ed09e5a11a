import Foundation
import Synchronization

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
/// one task taken in turn by `threads` workers. Preprocessing is fitted on each fold's training
/// rows only, once per fold and plan: every model of a fold shares its scaler and PCA (fitting
/// them again per model gave the same numbers at 13 times the cost).
public enum CrossValidation {
    /// Called after each finished fold with (done, total).
    public typealias Progress = @Sendable (Int, Int) -> Void

    public static func evaluate(
        _ tasks: [CrossValidationTask], dataset: Dataset, splits: [Folds.Split], seed: UInt64,
        threads: Int, cancellation: Cancellation? = nil, progress: Progress? = nil
    ) throws -> [CrossValidationResult] {
        let plans = tasks.reduce(into: [PreprocessingPlan]()) { plans, task in
            if !plans.contains(task.plan) { plans.append(task.plan) }
        }
        let folds = try prepare(
            plans: plans, dataset: dataset, splits: splits, threads: threads, cancellation: cancellation)
        let total = tasks.count * splits.count
        var outcomes = [Result<(ClassificationMetrics, Double), Error>?](repeating: nil, count: total)
        let done = Counter()
        let claimed = Counter()
        outcomes.withDisjointSlots { outcomes in
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, total))) { _ in
                while true {
                    let index = claimed.increment() - 1
                    if index >= total || cancellation?.isRequested == true { return }
                    let task = tasks[index / splits.count]
                    let fold = index % splits.count
                    let prepared = folds[plans.firstIndex(of: task.plan)! * splits.count + fold]
                    outcomes[index] = Result {
                        try run(
                            task, on: prepared, classCount: dataset.classes.count, seed: seed,
                            cancellation: cancellation)
                    }
                    progress?(done.increment(), total)
                }
            }
        }
        try cancellation?.check()
        return try tasks.enumerated().map { t, task in
            let results = try (0..<splits.count).map { try outcomes[t * splits.count + $0]!.get() }
            let folds = results.map(\.0)
            return CrossValidationResult(
                kind: task.kind.name, title: task.kind.title, settings: task.settings, plan: task.plan,
                folds: folds, mean: .mean(folds),
                fitSeconds: results.map(\.1).reduce(0, +) / Double(results.count))
        }
    }

    /// One fold under one plan: its rows after the preprocessing fitted on its training rows.
    struct PreparedFold: Sendable {
        let trainX: Matrix
        let trainY: [Int]
        let testX: Matrix
        let testY: [Int]
        /// Seconds spent fitting and applying the preprocessing (counted in every model's fit time).
        let seconds: Double
    }

    /// Every (plan, fold) pair prepared, plan-major, on `threads` workers.
    ///
    /// - Throws: the first preprocessing error (PCA on too few rows, say); `EngineError.cancelled`.
    static func prepare(
        plans: [PreprocessingPlan], dataset: Dataset, splits: [Folds.Split], threads: Int,
        cancellation: Cancellation?
    ) throws -> [PreparedFold] {
        let total = plans.count * splits.count
        var prepared = [Result<PreparedFold, Error>?](repeating: nil, count: total)
        prepared.withDisjointSlots { prepared in
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, total))) { part in
                for index in stride(from: part, to: total, by: max(1, min(threads, total))) {
                    if cancellation?.isRequested == true { return }
                    prepared[index] = Result {
                        let started = DispatchTime.now().uptimeNanoseconds
                        let split = splits[index % splits.count]
                        let train = dataset.selecting(rows: split.train)
                        let test = dataset.selecting(rows: split.test)
                        let preprocessing = try FittedPreprocessing.fit(plans[index / splits.count], train.x)
                        let trainX = preprocessing.transform(train.x)
                        let testX = preprocessing.transform(test.x)
                        return PreparedFold(
                            trainX: trainX, trainY: train.y, testX: testX, testY: test.y,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                    }
                }
            }
        }
        try cancellation?.check()
        return try prepared.map { try $0!.get() }
    }

    /// Fits one configuration on a prepared fold's training rows and scores its test rows; returns
    /// the metrics and the seconds the fit took (the fold's preprocessing included).
    private static func run(
        _ task: CrossValidationTask, on fold: PreparedFold, classCount: Int, seed: UInt64,
        cancellation: Cancellation?
    ) throws -> (ClassificationMetrics, Double) {
        let started = DispatchTime.now().uptimeNanoseconds
        let model = try task.kind.fit(
            task.settings,
            TrainingData(
                x: fold.trainX, y: fold.trainY, classCount: classCount, seed: seed,
                cancellation: cancellation))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 + fold.seconds
        let probabilities = model.probabilities(fold.testX)
        let metrics = ClassificationMetrics(
            actual: fold.testY, predicted: probabilities.argmaxRows(), probabilities: probabilities,
            classCount: classCount)
        return (metrics, seconds)
    }
}

/// A thread-safe counter for progress reports.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
