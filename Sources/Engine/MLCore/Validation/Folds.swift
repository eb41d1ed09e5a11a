import Foundation

/// Splits of rows into training and test parts.
public enum Folds {
    /// A training/test split of row positions.
    public struct Split: Sendable, Equatable, Codable {
        public let train: [Int]
        public let test: [Int]

        public init(train: [Int], test: [Int]) {
            self.train = train
            self.test = test
        }
    }

    /// Stratified k-fold: each class's rows, shuffled with the seed, are dealt to the folds so
    /// every fold holds about the same share of each class (scikit-learn's `StratifiedKFold`
    /// with shuffle; the assignment differs from scikit-learn's, so `folds=FILE` exists for exact
    /// comparisons).
    ///
    /// - Throws: `EngineError.invalidArgument` when a class has fewer rows than folds.
    public static func stratified(_ y: [Int], classCount: Int, folds k: Int, seed: UInt64, classNames: [String]? = nil)
        throws -> [Split]
    {
        guard k >= 2 else { throw EngineError(.invalidArgument, "cross-validation needs at least 2 folds; got \(k)") }
        var byClass = Array(repeating: [Int](), count: classCount)
        for (row, label) in y.enumerated() { byClass[label].append(row) }
        if let smallest = byClass.filter({ !$0.isEmpty }).min(by: { $0.count < $1.count }), smallest.count < k {
            let index = byClass.firstIndex(of: smallest)!
            let name = classNames.map { "'\($0[index])'" } ?? "class \(index)"
            throw EngineError(
                .invalidArgument, "folds=\(k) is more than the \(smallest.count) rows of the smallest class (\(name))",
                hint: "use folds=\(max(2, smallest.count)) or fewer")
        }
        var random = SeededRandom(seed: seed)
        var assignment = [Int](repeating: 0, count: y.count)
        var offset = 0
        for rows in byClass {
            var shuffled = rows
            shuffled.shuffle(using: &random)
            for (i, row) in shuffled.enumerated() { assignment[row] = (i + offset) % k }
            offset += rows.count
        }
        return (0..<k).map { fold in
            Split(train: y.indices.filter { assignment[$0] != fold }, test: y.indices.filter { assignment[$0] == fold })
        }
    }

    /// A stratified holdout split: `testFraction` of each class's rows (rounded) go to the test part.
    public static func holdout(_ y: [Int], classCount: Int, testFraction: Double, stratify: Bool, seed: UInt64) -> Split
    {
        var random = SeededRandom(seed: seed)
        var test = [Int]()
        if stratify {
            for k in 0..<classCount {
                var rows = y.indices.filter { y[$0] == k }
                rows.shuffle(using: &random)
                test += rows.prefix(Int((Double(rows.count) * testFraction).rounded()))
            }
        } else {
            var rows = Array(y.indices)
            rows.shuffle(using: &random)
            test = Array(rows.prefix(Int((Double(y.count) * testFraction).rounded())))
        }
        let testSet = Set(test)
        return Split(train: y.indices.filter { !testSet.contains($0) }, test: test.sorted())
    }

    /// Folds read from a JSON file: `{"TASK": {"n_rows": N, "original_row_index": [...],
    /// "test_index_per_fold": [[...], ...]}, ...}` (the format of the anchors' `folds.json`). The
    /// task whose rows match `sourceRows` (the frame's rows in the source table) is used.
    ///
    /// - Throws: `EngineError` when the file cannot be read, or no task matches the frame.
    public static func load(path: String, sourceRows: [Int]) throws -> (task: String, splits: [Split]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(.io, "cannot read folds file '\(path)'")
        }
        struct Task: Decodable {
            let rowCount: Int
            let originalRowIndex: [Int]?
            let testIndexPerFold: [[Int]]

            enum CodingKeys: String, CodingKey {
                case rowCount = "n_rows"
                case originalRowIndex = "original_row_index"
                case testIndexPerFold = "test_index_per_fold"
            }
        }
        let tasks: [String: Task]
        do {
            tasks = try JSONDecoder().decode([String: Task].self, from: data)
        } catch {
            throw EngineError(
                .invalidData, "'\(path)' is not a folds file: \(error)",
                hint:
                    "expected {\"TASK\": {\"n_rows\": N, \"original_row_index\": [...], \"test_index_per_fold\": [[...]]}}"
            )
        }
        for (name, task) in tasks.sorted(by: { $0.key < $1.key })
        where task.rowCount == sourceRows.count && (task.originalRowIndex.map { $0 == sourceRows } ?? true) {
            let all = Set(0..<task.rowCount)
            let splits = task.testIndexPerFold.map { test in
                Split(train: all.subtracting(test).sorted(), test: test.sorted())
            }
            return (name, splits)
        }
        throw EngineError(
            .invalidData, "no task in '\(path)' has the current frame's \(sourceRows.count) rows",
            hint: "tasks there: "
                + tasks.map { "\($0.key) (\($0.value.rowCount) rows)" }.sorted().joined(separator: ", "))
    }
}
