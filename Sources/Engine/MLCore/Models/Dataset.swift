/// Features and class labels taken from a table: the input of every model.
///
/// Features are every numeric column but the target, in table order; classes are the target's
/// distinct values sorted (as scikit-learn's `classes_`), and `y` holds each row's class index.
public struct Dataset: Sendable, Equatable {
    public let features: [String]
    public let x: Matrix
    public let y: [Int]
    public let classes: [String]

    public init(features: [String], x: Matrix, y: [Int], classes: [String]) {
        self.features = features
        self.x = x
        self.y = y
        self.classes = classes
    }

    public var rowCount: Int { x.rows }

    /// The dataset of `table` with `target` as the label.
    ///
    /// - Throws: `EngineError` naming the problem and what to do: no such target column, a text
    ///   feature, missing values, or fewer than two classes.
    public static func from(_ table: Table, target: String) throws -> Dataset {
        guard let targetIndex = try? table.index(of: target) else {
            throw EngineError(
                .unknownColumn, "the frame has no label column '\(target)'",
                hint:
                    "collapse the one-hot fault columns first (label onehot=...), or name the label column the frame has (label COLUMN)",
                suggestions: Suggestions.closest(to: target, among: table.columnNames))
        }
        let labelColumn = table.columns[targetIndex]
        let featureColumns = table.columns.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        if let text = featureColumns.first(where: { !$0.type.isNumeric }) {
            throw EngineError(
                .typeMismatch, "feature '\(text.name)' is text; models take numeric features",
                hint: "leave it out, for example: sql select <numeric columns>, \(labelColumn.name) from ... into NAME")
        }
        if featureColumns.isEmpty {
            throw EngineError(.invalidData, "the frame has no feature columns besides '\(labelColumn.name)'")
        }
        let gaps = featureColumns.filter { $0.missingCount > 0 } + (labelColumn.missingCount > 0 ? [labelColumn] : [])
        if !gaps.isEmpty {
            throw EngineError(
                .invalidData,
                "missing values in \(gaps.count) column\(gaps.count == 1 ? "" : "s"): models need every cell",
                hint: "drop those rows with dropna, or fill them with fillna (median, mean or a value)",
                notes: gaps.prefix(5).map { "\($0.name): \($0.missingCount) missing" })
        }
        let labels = (0..<table.rowCount).map { labelColumn.value(at: $0).displayText }
        let classes = Array(Set(labels)).sorted()
        guard classes.count >= 2 else {
            throw EngineError(
                .invalidData,
                "the label '\(labelColumn.name)' has only one class (\(classes.first ?? "none")); a classifier needs two or more",
                hint: "check the filters applied (state lists them)")
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var values = [Double](repeating: 0, count: table.rowCount * featureColumns.count)
        for (c, column) in featureColumns.enumerated() {
            for r in 0..<table.rowCount { values[r * featureColumns.count + c] = column.double(at: r)! }
        }
        return Dataset(
            features: featureColumns.map(\.name),
            x: Matrix(rows: table.rowCount, columns: featureColumns.count, values: values),
            y: labels.map { index[$0]! }, classes: classes)
    }

    /// The rows given, in order. Every row in order (`fit … on=all`) is the dataset itself, not a
    /// copy: at 1,000,000 rows the copy was 216 MB held through the whole fit.
    public func selecting(rows: [Int]) -> Dataset {
        if rows.count == rowCount && rows.elementsEqual(0..<rowCount) { return self }
        return Dataset(features: features, x: x.selecting(rows: rows), y: rows.map { y[$0] }, classes: classes)
    }

    /// How many rows each class has.
    public var classCounts: [Int] {
        y.reduce(into: [Int](repeating: 0, count: classes.count)) { $0[$1] += 1 }
    }
}
