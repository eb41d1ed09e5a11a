/// Limited-memory BFGS minimization (Nocedal & Wright, Algorithm 7.4 with the two-loop
/// recursion) with a backtracking Armijo line search: for smooth convex objectives such as the
/// logistic loss, where it needs only gradients.
public enum LBFGS {
    /// Minimizes `objective` (value and gradient) from `start` until the largest gradient component
    /// is below `tolerance` or `maxIterations` pass; returns the last point.
    public static func minimize(
        from start: [Double], memory: Int = 10, tolerance: Double, maxIterations: Int,
        cancellation: Cancellation? = nil,
        objective: ([Double]) -> (value: Double, gradient: [Double])
    ) throws -> [Double] {
        var x = start
        var (value, gradient) = objective(x)
        var steps: [[Double]] = []
        var changes: [[Double]] = []
        var rhos: [Double] = []
        for iteration in 0..<maxIterations {
            if iteration % 16 == 0 { try cancellation?.check() }
            if gradient.reduce(0, { max($0, abs($1)) }) < tolerance { break }
            var direction = gradient.map { -$0 }
            var alphas = [Double](repeating: 0, count: steps.count)
            for i in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[i] = rhos[i] * dot(steps[i], direction)
                for j in direction.indices { direction[j] -= alphas[i] * changes[i][j] }
            }
            if let lastStep = steps.last, let lastChange = changes.last {
                let scale = dot(lastStep, lastChange) / dot(lastChange, lastChange)
                for j in direction.indices { direction[j] *= scale }
            } else {
                let norm = dot(gradient, gradient).squareRoot()
                for j in direction.indices { direction[j] /= max(norm, 1) }
            }
            for i in steps.indices {
                let beta = rhos[i] * dot(changes[i], direction)
                for j in direction.indices { direction[j] += steps[i][j] * (alphas[i] - beta) }
            }
            var slope = dot(gradient, direction)
            if slope >= 0 {
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
                steps.removeAll()
                changes.removeAll()
                rhos.removeAll()
            }
            var rate = 1.0
            var accepted: (x: [Double], value: Double, gradient: [Double])?
            for _ in 0..<50 {
                let candidate = zip(x, direction).map { $0 + rate * $1 }
                let (candidateValue, candidateGradient) = objective(candidate)
                if candidateValue <= value + 1e-4 * rate * slope {
                    accepted = (candidate, candidateValue, candidateGradient)
                    break
                }
                rate /= 2
            }
            guard let next = accepted else { break }
            let step = zip(next.x, x).map { $0 - $1 }
            let change = zip(next.gradient, gradient).map { $0 - $1 }
            let curvature = dot(step, change)
            if curvature > 1e-12 {
                steps.append(step)
                changes.append(change)
                rhos.append(1 / curvature)
                if steps.count > memory {
                    steps.removeFirst()
                    changes.removeFirst()
                    rhos.removeFirst()
                }
            }
            let improvement = value - next.value
            (x, value, gradient) = (next.x, next.value, next.gradient)
            if improvement <= 1e-16 * max(abs(value), 1) { break }
        }
        return x
    }

    @inline(__always)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}
