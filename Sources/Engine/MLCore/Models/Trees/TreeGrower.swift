import Foundation

/// How a classification tree grows (scikit-learn's `DecisionTreeClassifier` parameters).
public struct TreeSettings: Sendable, Equatable {
    public enum Criterion: String, Sendable, CaseIterable { case gini, entropy }
    public enum Splitter: String, Sendable {
        /// The best threshold of each candidate feature (CART).
        case best
        /// One uniformly drawn threshold per candidate feature (extremely randomized trees).
        case random
    }

    public var criterion: Criterion = .gini
    public var splitter: Splitter = .best
    public var maxDepth: Int?
    public var minSamplesSplit = 2
    public var minSamplesLeaf = 1
    public var minImpurityDecrease = 0.0
    /// Features examined per split (non-constant ones counted).
    public var maxFeatures: Int
}

/// The training rows as feature columns (column-major), sorted once per feature: shared by all
/// the trees grown on one training set.
public struct FeatureColumns: Sendable {
    public let rows: Int
    public let features: Int
    /// `values[f * rows + r]`.
    public let values: [Double]
    /// `sorted[f]`: row indices in increasing order of feature f.
    public let sorted: [[Int32]]

    public init(_ x: Matrix) {
        rows = x.rows
        features = x.columns
        let transposed = x.transposed.values
        values = transposed
        sorted = (0..<x.columns).map { f in
            (0..<x.rows).map(Int32.init).sorted { transposed[f * x.rows + Int($0)] < transposed[f * x.rows + Int($1)] }
        }
    }
}

/// Grows one classification tree by recursive binary splitting (CART), with per-row weights
/// (bootstrap counts × class weights; rows of weight 0 are left out).
///
/// The best splitter keeps, for every feature, the node's rows in that feature's sorted order
/// (sorted once, then partitioned stably at each split), so finding a split is one linear scan
/// per candidate feature. Features are tried in a seeded random order and the first strictly best
/// split wins, as in scikit-learn; thresholds are midpoints between consecutive distinct values.
struct TreeGrower {
    let columns: FeatureColumns
    let y: [Int]
    let weights: [Double]
    let classCount: Int
    let settings: TreeSettings

    /// Values closer than this are the same value (scikit-learn's FEATURE_THRESHOLD).
    static let featureThreshold = 1e-7

    func grow(random: inout SeededRandom) -> Tree {
        // The loops below read the data through pointers: with arrays, their bounds checks and
        // uniqueness checks were a third of a forest's time. So the inputs must agree.
        precondition(y.count == columns.rows && weights.count == columns.rows)
        precondition(y.allSatisfy { $0 >= 0 && $0 < classCount })
        return columns.values.withUnsafeBufferPointer { values in
            y.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { weights in
                    grow(TreeInputs(values: values, y: y, weights: weights), random: &random)
                }
            }
        }
    }

    /// The training data as the hot loops read it.
    private struct TreeInputs {
        /// `values[f * rows + r]`, as `FeatureColumns.values`.
        let values: UnsafeBufferPointer<Double>
        let y: UnsafeBufferPointer<Int>
        let weights: UnsafeBufferPointer<Double>
    }

    private func grow(_ data: TreeInputs, random: inout SeededRandom) -> Tree {
        let weights = data.weights
        let members = Self.weighted(Array(0..<Int32(columns.rows)), weights)
        let allRows = members.count == columns.rows
        var orders: [[Int32]] =
            settings.splitter == .best
            ? columns.sorted.map { allRows ? $0 : Self.weighted($0, weights) } : [members]
        var scratch = [Int32](repeating: 0, count: members.count)
        var goesLeft = [Bool](repeating: false, count: columns.rows)
        var left = [Double](repeating: 0, count: classCount)
        var tree = Tree(outputs: classCount)
        let totalWeight = members.reduce(0.0) { $0 + weights[Int($1)] }
        let root = tree.addNode(value: [Double](repeating: 0, count: classCount), cover: 0)
        var stack: [(node: Int, start: Int, end: Int, depth: Int)] = [(root, 0, members.count, 0)]
        var featureOrder = Array(0..<columns.features)
        while let (node, start, end, depth) = stack.popLast() {
            var classWeights = [Double](repeating: 0, count: classCount)
            classWeights.withUnsafeMutableBufferPointer { classWeights in
                orders[0].withUnsafeBufferPointer { rows in
                    for i in start..<end {
                        let r = Int(rows[i])
                        classWeights[data.y[r]] += weights[r]
                    }
                }
            }
            let nodeWeight = classWeights.reduce(0, +)
            tree.setValue(node, classWeights.map { $0 / nodeWeight })
            tree.setCover(node, nodeWeight)
            let impurity = Self.impurity(classWeights, total: nodeWeight, settings.criterion)
            let count = end - start
            if impurity <= 1e-15 || count < settings.minSamplesSplit || count < 2 * settings.minSamplesLeaf
                || (settings.maxDepth.map { depth >= $0 } ?? false)
            {
                continue
            }
            let found = classWeights.withUnsafeBufferPointer { classWeights in
                left.withUnsafeMutableBufferPointer { left in
                    bestSplit(
                        data, orders: orders, start: start, end: end, classWeights: classWeights,
                        nodeWeight: nodeWeight, left: left, featureOrder: &featureOrder, random: &random)
                }
            }
            guard let split = found else { continue }
            let decrease =
                nodeWeight / totalWeight
                * (impurity - split.rightWeight / nodeWeight * split.rightImpurity
                    - split.leftWeight / nodeWeight * split.leftImpurity)
            if decrease + 1e-15 < settings.minImpurityDecrease { continue }
            let column = data.values.baseAddress! + split.feature * columns.rows
            goesLeft.withUnsafeMutableBufferPointer { goesLeft in
                orders[0].withUnsafeBufferPointer { rows in
                    for i in start..<end {
                        let r = Int(rows[i])
                        goesLeft[r] = column[r] <= split.threshold
                    }
                }
            }
            var leftCount = 0
            goesLeft.withUnsafeBufferPointer { goesLeft in
                for index in orders.indices {
                    leftCount = stablePartition(&orders[index], start: start, count: end - start, scratch: &scratch) {
                        goesLeft[Int($0)]
                    }
                }
            }
            let leftNode = tree.addNode(value: [Double](repeating: 0, count: classCount), cover: 0)
            let rightNode = tree.addNode(value: [Double](repeating: 0, count: classCount), cover: 0)
            tree.split(node, feature: split.feature, threshold: split.threshold, left: leftNode, right: rightNode)
            stack.append((rightNode, start + leftCount, end, depth + 1))
            stack.append((leftNode, start, start + leftCount, depth + 1))
        }
        return tree
    }

    /// The rows of `order` whose weight is positive, in their order.
    ///
    /// Branch-free: every row is written and only a kept one advances the count. A bootstrap
    /// leaves about a third of the rows out at random, and as a branch this loop (run for every
    /// feature's order of every tree) was a fifth of a forest's tree growing.
    private static func weighted(_ order: [Int32], _ weights: UnsafeBufferPointer<Double>) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: order.count) { kept, count in
            count = 0
            order.withUnsafeBufferPointer { order in
                for r in order {
                    kept[count] = r
                    // A Bool's byte (0 or 1): `? 1 : 0` was compiled back into a branch.
                    count &+= Int(unsafeBitCast(weights[Int(r)] > 0, to: UInt8.self))
                }
            }
        }
    }

    private struct Split {
        var feature: Int
        var threshold: Double
        var proxy: Double
        var leftWeight = 0.0, rightWeight = 0.0
        var leftImpurity = 0.0, rightImpurity = 0.0
    }

    /// The best split of the node's rows `start..<end` over up to `maxFeatures` features drawn
    /// in random order; `left` is scratch for the left side's class weights.
    private func bestSplit(
        _ data: TreeInputs, orders: [[Int32]], start: Int, end: Int, classWeights: UnsafeBufferPointer<Double>,
        nodeWeight: Double, left: UnsafeMutableBufferPointer<Double>, featureOrder: inout [Int],
        random: inout SeededRandom
    ) -> Split? {
        var best: Split?
        var visited = 0
        var remaining = featureOrder.count
        let y = data.y
        let weights = data.weights
        while remaining > 0 && visited < settings.maxFeatures {
            let pick = Int(random.next() % UInt64(remaining))
            remaining -= 1
            featureOrder.swapAt(pick, remaining)
            let f = featureOrder[remaining]
            let column = data.values.baseAddress! + f * columns.rows
            orders[settings.splitter == .best ? f : 0].withUnsafeBufferPointer { order in
                var low = Double.infinity
                var high = -Double.infinity
                if settings.splitter == .best {
                    low = column[Int(order[start])]
                    high = column[Int(order[end - 1])]
                } else {
                    // Compared, not min()/max(): a new extreme is rare, so the branches are
                    // predicted, while min() and max() chained a select through every row.
                    for i in start..<end {
                        let v = column[Int(order[i])]
                        if v < low { low = v }
                        if v > high { high = v }
                    }
                }
                if high <= low + Self.featureThreshold { return }
                visited += 1
                for k in 0..<classCount { left[k] = 0 }
                if settings.splitter == .random {
                    var threshold = low + random.nextUnit() * (high - low)
                    if threshold >= high { threshold = low }
                    let leftCount = Self.sumLeft(
                        of: threshold, column: column, rows: UnsafeBufferPointer(rebasing: order[start..<end]), y: y,
                        weights: weights, into: left)
                    if leftCount < settings.minSamplesLeaf || end - start - leftCount < settings.minSamplesLeaf {
                        return
                    }
                    consider(
                        f, threshold: threshold, left: left, classWeights: classWeights, nodeWeight: nodeWeight,
                        best: &best)
                    return
                }
                for i in start..<(end - 1) {
                    let r = Int(order[i])
                    left[y[r]] += weights[r]
                    let current = column[r]
                    let next = column[Int(order[i + 1])]
                    if next <= current + Self.featureThreshold { continue }
                    let leftCount = i - start + 1
                    if leftCount < settings.minSamplesLeaf || end - start - leftCount < settings.minSamplesLeaf {
                        continue
                    }
                    var threshold = current / 2 + next / 2
                    if threshold == next || threshold.isInfinite { threshold = current }
                    consider(
                        f, threshold: threshold, left: left, classWeights: classWeights, nodeWeight: nodeWeight,
                        best: &best)
                }
            }
        }
        return best
    }

    /// Adds the weights of the rows whose value in `column` is at most `threshold` to `left`,
    /// class by class and in the rows' order; returns how many rows those are.
    ///
    /// With up to four classes each class's sum is kept in a register: the data set comes grouped
    /// by class, so most rows add to the same sum as the row before, and through memory each such
    /// add waited for the previous store.
    private static func sumLeft(
        of threshold: Double, column: UnsafePointer<Double>, rows: UnsafeBufferPointer<Int32>,
        y: UnsafeBufferPointer<Int>, weights: UnsafeBufferPointer<Double>, into left: UnsafeMutableBufferPointer<Double>
    ) -> Int {
        var leftCount = 0
        guard left.count <= 4 else {
            for row in rows {
                let r = Int(row)
                if column[r] <= threshold {
                    left[y[r]] += weights[r]
                    leftCount += 1
                }
            }
            return leftCount
        }
        var sums = (0.0, 0.0, 0.0, 0.0)
        for row in rows {
            let r = Int(row)
            if column[r] <= threshold {
                switch y[r] {
                case 0: sums.0 += weights[r]
                case 1: sums.1 += weights[r]
                case 2: sums.2 += weights[r]
                default: sums.3 += weights[r]
                }
                leftCount &+= 1
            }
        }
        // `left` holds zeros: 0 + sum is the sum.
        if left.count > 0 { left[0] += sums.0 }
        if left.count > 1 { left[1] += sums.1 }
        if left.count > 2 { left[2] += sums.2 }
        if left.count > 3 { left[3] += sums.3 }
        return leftCount
    }

    /// Keeps a candidate split when its proxy improvement beats the best so far.
    @inline(__always)
    private func consider(
        _ feature: Int, threshold: Double, left: UnsafeMutableBufferPointer<Double>,
        classWeights: UnsafeBufferPointer<Double>, nodeWeight: Double, best: inout Split?
    ) {
        var leftWeight = 0.0
        for k in 0..<classCount { leftWeight += left[k] }
        let rightWeight = nodeWeight - leftWeight
        guard leftWeight > 0, rightWeight > 0 else { return }
        var leftImpurity = 0.0
        var rightImpurity = 0.0
        switch settings.criterion {
        case .gini:
            var leftSquares = 0.0
            var rightSquares = 0.0
            for k in 0..<classCount {
                leftSquares += left[k] * left[k]
                let right = classWeights[k] - left[k]
                rightSquares += right * right
            }
            leftImpurity = 1 - leftSquares / (leftWeight * leftWeight)
            rightImpurity = 1 - rightSquares / (rightWeight * rightWeight)
        case .entropy:
            for k in 0..<classCount {
                let l = left[k] / leftWeight
                let r = (classWeights[k] - left[k]) / rightWeight
                if l > 0 { leftImpurity -= l * Foundation.log2(l) }
                if r > 0 { rightImpurity -= r * Foundation.log2(r) }
            }
        }
        let proxy = -rightWeight * rightImpurity - leftWeight * leftImpurity
        if best == nil || proxy > best!.proxy {
            best = Split(
                feature: feature, threshold: threshold, proxy: proxy, leftWeight: leftWeight, rightWeight: rightWeight,
                leftImpurity: leftImpurity, rightImpurity: rightImpurity)
        }
    }

    static func impurity(_ classWeights: [Double], total: Double, _ criterion: TreeSettings.Criterion) -> Double {
        guard total > 0 else { return 0 }
        switch criterion {
        case .gini:
            var sum = 0.0
            for w in classWeights { sum += (w / total) * (w / total) }
            return 1 - sum
        case .entropy:
            var entropy = 0.0
            for w in classWeights where w > 0 { entropy -= (w / total) * Foundation.log2(w / total) }
            return entropy
        }
    }
}
