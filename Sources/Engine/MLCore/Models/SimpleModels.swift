import Foundation

/// Predicts the class priors for every row (scikit-learn's `DummyClassifier(strategy="prior")`):
/// the baseline any model must beat.
public struct DummyClassifier: FittedClassifier {
    public let priors: [Double]

    public static func fit(_ data: TrainingData) -> DummyClassifier {
        DummyClassifier(priors: data.classCounts.map { Double($0) / Double(data.y.count) })
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        Matrix(rows: x.rows, columns: priors.count, values: (0..<x.rows).flatMap { _ in priors })
    }
}

/// Gaussian naive Bayes (scikit-learn's `GaussianNB`): per class, each feature normal with its
/// own mean and variance; variances get `var_smoothing` × the largest feature variance added.
public struct GaussianNaiveBayes: FittedClassifier {
    public let means: Matrix
    public let variances: Matrix
    public let logPriors: [Double]

    public static func fit(_ data: TrainingData, smoothing: Double) -> GaussianNaiveBayes {
        let d = data.x.columns
        let k = data.classCount
        let largestVariance =
            (0..<d).map { c -> Double in
                let column = data.x.column(c)
                let m = Moments.mean(column)
                return column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(column.count)
            }.max() ?? 0
        let epsilon = smoothing * largestVariance
        var means = Matrix(rows: k, columns: d)
        var variances = Matrix(rows: k, columns: d)
        let counts = data.classCounts
        for (row, label) in data.y.enumerated() {
            for c in 0..<d { means[label, c] += data.x[row, c] }
        }
        for label in 0..<k { for c in 0..<d { means[label, c] /= Double(max(counts[label], 1)) } }
        for (row, label) in data.y.enumerated() {
            for c in 0..<d {
                let delta = data.x[row, c] - means[label, c]
                variances[label, c] += delta * delta
            }
        }
        for label in 0..<k {
            for c in 0..<d { variances[label, c] = variances[label, c] / Double(max(counts[label], 1)) + epsilon }
        }
        return GaussianNaiveBayes(
            means: means, variances: variances,
            logPriors: counts.map { Foundation.log(Double($0) / Double(data.y.count)) })
    }

    public func probabilities(_ x: Matrix) -> Matrix {
        var joint = Matrix(rows: x.rows, columns: logPriors.count)
        for r in 0..<x.rows {
            for k in logPriors.indices {
                var total = logPriors[k]
                for c in 0..<x.columns {
                    let variance = variances[k, c]
                    let delta = x[r, c] - means[k, c]
                    total -= 0.5 * Foundation.log(2 * Double.pi * variance) + delta * delta / (2 * variance)
                }
                joint[r, k] = total
            }
        }
        return joint.softmaxRows()
    }
}

/// k nearest neighbours by Euclidean distance (scikit-learn's `KNeighborsClassifier`, brute force):
/// a row's probabilities are its neighbours' class shares, uniform or weighted by 1/distance.
public struct NearestNeighbors: FittedClassifier {
    public let x: Matrix
    public let y: [Int]
    public let classCount: Int
    public let neighbors: Int
    public let distanceWeighted: Bool

    public func probabilities(_ query: Matrix) -> Matrix {
        var out = Matrix(rows: query.rows, columns: classCount)
        let k = min(neighbors, x.rows)
        var distances = [(distance: Double, index: Int)](repeating: (0, 0), count: x.rows)
        for r in 0..<query.rows {
            for t in 0..<x.rows {
                var sum = 0.0
                for c in 0..<x.columns {
                    let delta = query[r, c] - x[t, c]
                    sum += delta * delta
                }
                distances[t] = (sum, t)
            }
            let nearest = distances.smallest(k) { ($0.distance, $0.index) < ($1.distance, $1.index) }
            var total = 0.0
            for neighbor in nearest {
                let weight = distanceWeighted ? (neighbor.distance == 0 ? 1e12 : 1 / neighbor.distance.squareRoot()) : 1
                out[r, y[neighbor.index]] += weight
                total += weight
            }
            for c in 0..<classCount { out[r, c] /= total }
        }
        return out
    }
}

extension Array {
    /// The `k` smallest elements in order, by a partial selection (O(n log k)).
    func smallest(_ k: Int, by less: (Element, Element) -> Bool) -> [Element] {
        var heap: [Element] = []
        heap.reserveCapacity(k + 1)
        for element in self {
            if heap.count < k {
                heap.append(element)
                heap.sort(by: less)
            } else if less(element, heap[k - 1]) {
                var i = k - 1
                while i > 0 && less(element, heap[i - 1]) {
                    heap[i] = heap[i - 1]
                    i -= 1
                }
                heap[i] = element
            }
        }
        return heap
    }
}
