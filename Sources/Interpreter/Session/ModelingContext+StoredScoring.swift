import Engine

/// `predict … on=TABLE into=TABLE`: a stored table scored into another batch by batch, through
/// the store's `transform` (on Spark the rows stream through the model with bounded memory),
/// keeping what the command shows: the first rows' predictions and the predicted classes' counts.
struct StoredScoring {
    /// What was read and written.
    let transform: TableTransform
    /// The names of the prediction columns shown.
    let columns: [String]
    /// The first scored rows' predictions (at most the command's limit=).
    let preview: [[Value]]
    /// How often each value of the first prediction column came.
    let counts: ValueCounts
}

extension ModelingContext {
    /// Whether predict's `on=` names a stored table (not a CSV file).
    static func namesStoredTable(_ on: String) -> Bool {
        !(on.lowercased().hasSuffix(".csv") || on.contains("/"))
    }

    /// Scores the stored table `on` into the table `into`: `predictions` gives each batch's
    /// prediction columns (the values of the first are counted), `constants`
    /// the columns every row carries (the model's name and version); both are added to the input
    /// columns and the result written as a new version of `into`.
    ///
    /// - Throws: a diagnostic at `on=` for an unknown table or rows the model cannot score, at
    ///   `into=` for a bad name.
    func scoreStoredTable(
        on: String, into: String, onRange: SourceRange, intoRange: SourceRange, limit: Int,
        describe: (TableVersion) -> String, predictions: (Table) throws -> [Column],
        constants: (Int) throws -> [Column] = { _ in [] }
    ) throws -> StoredScoring {
        let source = try at(onRange) { try TableName(parsing: on) }
        let target = try at(intoRange) { try TableName(parsing: into) }
        var columns: [String] = []
        var preview: [[Value]] = []
        var counted: [Value: Int] = [:]
        var order: [Value] = []
        var missing = 0
        let transform = try at(onRange) {
            try frames.store().transform(source, version: nil, into: target, operation: "predict", describe: describe) {
                batch in
                let scored = try predictions(batch)
                columns = scored.map(\.name)
                for row in 0..<min(batch.rowCount, limit - preview.count) {
                    preview.append(scored.map { $0.value(at: row) })
                }
                if let predicted = scored.first {
                    for row in 0..<predicted.count {
                        let value = predicted.value(at: row)
                        if value == .missing {
                            missing += 1
                            continue
                        }
                        if counted[value] == nil { order.append(value) }
                        counted[value, default: 0] += 1
                    }
                }
                var combined = batch
                for column in scored + (try constants(batch.rowCount)) { combined = try combined.setting(column) }
                return combined
            }
        }
        let counts = ValueCounts(counted: order.map { ($0, counted[$0]!) }, missing: missing)
        return StoredScoring(transform: transform, columns: columns, preview: preview, counts: counts)
    }

    private func at<T>(_ range: SourceRange, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as EngineError { throw Diagnostic(error, range: range) }
    }
}
