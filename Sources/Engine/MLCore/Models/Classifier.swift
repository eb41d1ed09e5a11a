import Foundation

/// What a model learns from: features, class indices, and the means to be deterministic and
/// interruptible.
public struct TrainingData: Sendable {
    public let x: Matrix
    public let y: [Int]
    public let classCount: Int
    /// The generator every random choice of this fit draws from.
    public let random: SeededRandom
    public let cancellation: Cancellation?
    /// How many threads the fit may use (trees of a forest).
    public let threads: Int

    public init(x: Matrix, y: [Int], classCount: Int, seed: UInt64, cancellation: Cancellation? = nil, threads: Int = 1)
    {
        self.x = x
        self.y = y
        self.classCount = classCount
        self.random = SeededRandom(seed: seed)
        self.cancellation = cancellation
        self.threads = threads
    }

    /// How many rows each class has.
    public var classCounts: [Int] { y.reduce(into: [Int](repeating: 0, count: classCount)) { $0[$1] += 1 } }
}

/// A fitted classifier: the learned state only, separate from its hyperparameters (docs/STYLE.md §4).
public protocol FittedClassifier: Sendable, Codable, Equatable {
    /// Class probabilities, rows × classes. Models without a probabilistic output (ridge, svm)
    /// return the softmax of their decision scores: a ranking for AUC, not calibrated probabilities.
    func probabilities(_ x: Matrix) -> Matrix
}

extension Matrix {
    /// The index of the largest value in each row (the first, on ties).
    public func argmaxRows() -> [Int] {
        (0..<rows).map { r in
            var best = 0
            for c in 1..<columns where self[r, c] > self[r, best] { best = c }
            return best
        }
    }

    /// Each row passed through softmax (numerically stable).
    public func softmaxRows() -> Matrix {
        var out = self
        for r in 0..<rows {
            var largest = -Double.infinity
            for c in 0..<columns { largest = Swift.max(largest, self[r, c]) }
            var total = 0.0
            for c in 0..<columns {
                let e = Foundation.exp(self[r, c] - largest)
                out[r, c] = e
                total += e
            }
            for c in 0..<columns { out[r, c] /= total }
        }
        return out
    }
}
