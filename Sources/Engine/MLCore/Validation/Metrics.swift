import Foundation

/// Classification metrics, computed as scikit-learn computes them.
///
/// - accuracy;
/// - AUC: one-vs-rest, macro-averaged over classes, from the predicted probabilities (rank-based,
///   ties counted half);
/// - recall, precision, F1: macro (unweighted mean over classes) and weighted (by class support);
///   a class never predicted has precision 0, as with `zero_division=0`;
/// - Cohen's kappa and the multiclass Matthews correlation coefficient;
/// - log loss (probabilities clipped to [1e-15, 1 − 1e-15]).
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    public var accuracy: Double
    public var auc: Double?
    public var recallMacro: Double
    public var precisionMacro: Double
    public var f1Macro: Double
    public var recallWeighted: Double
    public var precisionWeighted: Double
    public var f1Weighted: Double
    public var kappa: Double
    public var mcc: Double
    public var logLoss: Double?

    /// The metrics' names, in leaderboard order, and a way to read each.
    public static let names: [(name: String, read: @Sendable (ClassificationMetrics) -> Double?)] = [
        ("accuracy", { $0.accuracy }), ("auc", { $0.auc }), ("recall", { $0.recallMacro }),
        ("precision", { $0.precisionMacro }), ("f1", { $0.f1Macro }), ("recall_weighted", { $0.recallWeighted }),
        ("precision_weighted", { $0.precisionWeighted }), ("f1_weighted", { $0.f1Weighted }),
        ("kappa", { $0.kappa }), ("mcc", { $0.mcc }), ("log_loss", { $0.logLoss }),
    ]

    /// The metric named `name` (one of `names`).
    public func value(_ name: String) -> Double? {
        Self.names.first { $0.name == name }?.read(self)
    }

    /// Metrics of predictions `predicted` against `actual` (class indices), with `probabilities`
    /// (rows × classes) when the model gives them.
    public init(actual: [Int], predicted: [Int], probabilities: Matrix?, classCount: Int) {
        let confusion = ConfusionMatrix(actual: actual, predicted: predicted, classCount: classCount)
        let n = Double(actual.count)
        accuracy = Double(confusion.correct) / n
        var recalls = [Double]()
        var precisions = [Double]()
        var f1s = [Double]()
        var supports = [Double]()
        for k in 0..<classCount {
            let tp = Double(confusion.counts[k][k])
            let support = Double(confusion.actualTotals[k])
            let predictedTotal = Double(confusion.predictedTotals[k])
            let recall = support > 0 ? tp / support : 0
            let precision = predictedTotal > 0 ? tp / predictedTotal : 0
            recalls.append(recall)
            precisions.append(precision)
            f1s.append(recall + precision > 0 ? 2 * recall * precision / (recall + precision) : 0)
            supports.append(support)
        }
        let labelled = (0..<classCount).map { supports[$0] > 0 || confusion.predictedTotals[$0] > 0 }
        let present = Double(labelled.filter { $0 }.count)
        func macro(_ values: [Double]) -> Double {
            values.indices.reduce(0) { $0 + (labelled[$1] ? values[$1] : 0) } / present
        }
        func weighted(_ values: [Double]) -> Double { zip(values, supports).reduce(0) { $0 + $1.0 * $1.1 } / n }
        recallMacro = macro(recalls)
        precisionMacro = macro(precisions)
        f1Macro = macro(f1s)
        recallWeighted = weighted(recalls)
        precisionWeighted = weighted(precisions)
        f1Weighted = weighted(f1s)
        let expected =
            (0..<classCount).reduce(0.0) {
                $0 + Double(confusion.actualTotals[$1]) * Double(confusion.predictedTotals[$1])
            } / (n * n)
        kappa = expected == 1 ? 0 : (accuracy - expected) / (1 - expected)
        let c = Double(confusion.correct)
        let sumPT = (0..<classCount).reduce(0.0) {
            $0 + Double(confusion.predictedTotals[$1]) * Double(confusion.actualTotals[$1])
        }
        let sumP2 = confusion.predictedTotals.reduce(0.0) { $0 + Double($1) * Double($1) }
        let sumT2 = confusion.actualTotals.reduce(0.0) { $0 + Double($1) * Double($1) }
        let denominator = ((n * n - sumP2) * (n * n - sumT2)).squareRoot()
        mcc = denominator == 0 ? 0 : (c * n - sumPT) / denominator
        if let probabilities {
            auc = Self.oneVersusRestAUC(actual: actual, probabilities: probabilities, classCount: classCount)
            var loss = 0.0
            for (row, k) in actual.enumerated() {
                let p = min(max(probabilities[row, k], 1e-15), 1 - 1e-15)
                loss -= Foundation.log(p)
            }
            logLoss = loss / n
        } else {
            auc = nil
            logLoss = nil
        }
    }

    /// The mean of each metric over folds.
    public static func mean(_ folds: [ClassificationMetrics]) -> ClassificationMetrics {
        func average(_ read: (ClassificationMetrics) -> Double) -> Double {
            folds.map(read).reduce(0, +) / Double(folds.count)
        }
        func averageOptional(_ read: (ClassificationMetrics) -> Double?) -> Double? {
            let values = folds.compactMap(read)
            return values.count == folds.count ? values.reduce(0, +) / Double(values.count) : nil
        }
        var result = folds[0]
        result.accuracy = average(\.accuracy)
        result.auc = averageOptional(\.auc)
        result.recallMacro = average(\.recallMacro)
        result.precisionMacro = average(\.precisionMacro)
        result.f1Macro = average(\.f1Macro)
        result.recallWeighted = average(\.recallWeighted)
        result.precisionWeighted = average(\.precisionWeighted)
        result.f1Weighted = average(\.f1Weighted)
        result.kappa = average(\.kappa)
        result.mcc = average(\.mcc)
        result.logLoss = averageOptional(\.logLoss)
        return result
    }

    /// Macro one-vs-rest ROC AUC (Mann–Whitney), skipping classes absent from `actual`.
    static func oneVersusRestAUC(actual: [Int], probabilities: Matrix, classCount: Int) -> Double? {
        var total = 0.0
        var counted = 0
        for k in 0..<classCount {
            let scores = (0..<actual.count).map { probabilities[$0, k] }
            let positives = actual.filter { $0 == k }.count
            let negatives = actual.count - positives
            guard positives > 0, negatives > 0 else { continue }
            let order = scores.indices.sorted { scores[$0] < scores[$1] }
            var rankSum = 0.0
            var i = 0
            while i < order.count {
                var j = i
                while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
                let rank = Double(i + j) / 2 + 1
                for t in i...j where actual[order[t]] == k { rankSum += rank }
                i = j + 1
            }
            total += (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
            counted += 1
        }
        return counted == 0 ? nil : total / Double(counted)
    }
}

/// Counts of actual (rows) against predicted (columns) classes.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public let counts: [[Int]]

    public init(actual: [Int], predicted: [Int], classCount: Int) {
        var counts = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        for (a, p) in zip(actual, predicted) { counts[a][p] += 1 }
        self.counts = counts
    }

    public var correct: Int { counts.indices.reduce(0) { $0 + counts[$1][$1] } }
    public var actualTotals: [Int] { counts.map { $0.reduce(0, +) } }
    public var predictedTotals: [Int] { counts.indices.map { k in counts.reduce(0) { $0 + $1[k] } } }
}
