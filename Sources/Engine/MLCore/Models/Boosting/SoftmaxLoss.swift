import Foundation

/// The multiclass log-loss of softmax scores: what gradient boosting minimizes. It gives the
/// initial scores (log class priors), per row and class the gradient p − y and the hessian
/// K/(K−1)·p·(1−p) (LightGBM's scaling), and the loss itself for early stopping.
struct SoftmaxLoss {
    let classCount: Int

    func initialScores(_ y: [Int]) -> [Double] {
        var counts = [Double](repeating: 0, count: classCount)
        for label in y { counts[label] += 1 }
        return counts.map { Foundation.log(max($0 / Double(y.count), 1e-15)) }
    }

    /// Fills gradients and hessians (class-major: `[k * n + r]`) from row-major scores.
    func derivatives(scores: [Double], y: [Int], gradients: inout [Double], hessians: inout [Double]) {
        let n = y.count
        let k = classCount
        let factor = Double(k) / Double(k - 1)
        var probabilities = [Double](repeating: 0, count: k)
        for r in 0..<n {
            var largest = -Double.infinity
            for c in 0..<k { largest = max(largest, scores[r * k + c]) }
            var total = 0.0
            for c in 0..<k {
                probabilities[c] = Foundation.exp(scores[r * k + c] - largest)
                total += probabilities[c]
            }
            for c in 0..<k {
                let p = probabilities[c] / total
                gradients[c * n + r] = p - (y[r] == c ? 1 : 0)
                hessians[c * n + r] = max(factor * p * (1 - p), 1e-16)
            }
        }
    }

    /// The mean log-loss of row-major scores.
    func loss(scores: [Double], y: [Int]) -> Double {
        let k = classCount
        var total = 0.0
        for (r, label) in y.enumerated() {
            var largest = -Double.infinity
            for c in 0..<k { largest = max(largest, scores[r * k + c]) }
            var sum = 0.0
            for c in 0..<k { sum += Foundation.exp(scores[r * k + c] - largest) }
            total -= scores[r * k + label] - largest - Foundation.log(sum)
        }
        return total / Double(y.count)
    }
}
