import Engine
import Foundation

extension CommandTable {
    static let evaluationCommands: [CommandSpec] = [
        CommandSpec(
            "evaluate", category: .modeling, summary: "Holdout metrics, per-class scores and the confusion matrix of a model.",
            help: "Scores a model fitted on the training part (after 'split') on the held-out test rows: the metrics, precision, recall and F1 per class, and the confusion matrix ('plot confusion' draws it).",
            positionals: [.optional("model", .text("name"), help: "the fitted model (default: the last fitted)")],
            examples: ["evaluate", "evaluate et_tuned"],
            handler: { try $0.evaluate($1) }),
        CommandSpec(
            "predict", category: .modeling, summary: "Class and probabilities from a fitted model: one plate, a table, a file.",
            help: """
                Predicts with a fitted model (default: the last fitted) from raw feature columns: 'predict plate N' for \
                row N of the current frame (0-based; the output names the row of the original table too), 'predict \
                on=TABLE' or 'on=FILE.csv' for every row of a stored table or a CSV file, or the current frame. into= \
                stores the rows with the predicted class and each class's probability as a new table version. \
                with=models:/NAME/Production (or @alias, /N, runs:/ID/model) predicts with that registered model \
                instead, from raw rows; the stored predictions name the model and version, and the scoring is \
                tracked as a run with its lineage.
                """,
            positionals: [.optional("model", .text("name"), help: "the fitted model"),
                          .optional("row", .int(min: 0, max: nil), keyword: "plate", help: "the frame row to predict")],
            parameters: [ParameterSpec("on", .text("table|file"), help: "a stored table or a CSV file to predict"),
                         ParameterSpec("into", .table, help: "store the predictions as this table"),
                         ParameterSpec("with", .text("model-uri"), help: "predict with a registered model (models:/NAME/Production) instead"),
                         ParameterSpec("limit", .int(min: 0, max: nil), default: "10", help: "rows shown")],
            examples: ["predict plate 42", "predict et on=fsp.faults into=fsp.predictions", "predict gbm on=new_plates.csv",
                       "predict with=models:/et-fsp-model/Production on=fsp.faults into=fsp.predictions"],
            handler: { try $0.predict($1) }),
    ]
}

extension Session {
    /// The fitted model named, or the last fitted.
    func sessionModel(_ name: String?, range: SourceRange) throws -> SessionModel {
        if let name {
            guard let model = modeling.model(named: name) else {
                throw Diagnostic(EngineError(.unknownValue, "no fitted model named '\(name)'",
                                             hint: modeling.models.isEmpty ? "fit one first: fit MODEL" : "'models' lists them",
                                             suggestions: Suggestions.closest(to: name, among: modeling.models.map(\.name))), range: range)
            }
            return model
        }
        guard let last = modeling.models.last else {
            throw EngineError(.invalidArgument, "no model has been fitted in this session", hint: "fit one first, for example: fit gbm")
        }
        return last
    }

    /// A model's metrics and confusion matrix on the holdout's test rows; nil when it was fitted
    /// on all rows or there is no split.
    func holdoutEvaluation(_ model: SessionModel) throws -> HoldoutEvaluation? {
        guard model.trainedOn == "train", let holdout = try currentHoldout() else { return nil }
        let data = try dataset()
        let test = data.selecting(rows: holdout.split.test)
        let probabilities = model.pipeline.probabilities(try model.pipeline.features(of: try currentTable().selecting(rows: holdout.split.test)))
        let predicted = probabilities.argmaxRows()
        return HoldoutEvaluation(model: model.name, classes: data.classes, testRows: test.rowCount,
                                 metrics: ClassificationMetrics(actual: test.y, predicted: predicted, probabilities: probabilities,
                                                                classCount: data.classes.count),
                                 confusion: ConfusionMatrix(actual: test.y, predicted: predicted, classCount: data.classes.count))
    }

    func evaluate(_ invocation: Invocation) throws -> CommandOutput {
        let model = try sessionModel(invocation.string("model"), range: invocation.range(of: "model"))
        guard let evaluation = try holdoutEvaluation(model) else {
            throw EngineError(.invalidArgument, "'\(model.name)' was fitted on all rows, so no rows are left to evaluate it on",
                              hint: "split the frame (split test=0.3), then fit again")
        }
        let (metrics, confusion, classes) = (evaluation.metrics, evaluation.confusion, evaluation.classes)
        modeling.lastEvaluation = (model.name, classes, confusion)
        var output = CommandOutput(command: "evaluate")
        output.table("metrics", title: "\(model.name) on the \(evaluation.testRows) held-out rows", columns: ["metric", "value"],
                     rows: ClassificationMetrics.names.compactMap { entry in entry.read(metrics).map { [.text(entry.name), .real($0)] } })
        output.table("classes", title: "Per class", columns: ["class", "precision", "recall", "f1", "support"], rows: classes.indices.map { k in
            let tp = Double(confusion.counts[k][k])
            let precision = confusion.predictedTotals[k] > 0 ? tp / Double(confusion.predictedTotals[k]) : 0
            let recall = confusion.actualTotals[k] > 0 ? tp / Double(confusion.actualTotals[k]) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return [.text(classes[k]), .real(precision), .real(recall), .real(f1), .integer(Int64(confusion.actualTotals[k]))]
        })
        output.table("confusion", title: "Confusion matrix (rows: actual, columns: predicted)", columns: ["actual"] + classes,
                     rows: classes.indices.map { k in [.text(classes[k])] + confusion.counts[k].map { .integer(Int64($0)) } })
        attach(to: model, on: &output) { run in try logEvaluation(evaluation, into: run) }
        return output
    }

    func predict(_ invocation: Invocation) throws -> CommandOutput {
        if let uri = invocation.string("with") { return try predictWithRegistered(invocation, uri: uri) }
        let model = try sessionModel(invocation.string("model"), range: invocation.range(of: "model"))
        let pipeline = model.pipeline
        var output = CommandOutput(command: "predict")
        if let row = invocation.int("row") {
            let table = try currentTable()
            try checkPlate(row, of: table, range: invocation.range(of: "row"))
            let probabilities = pipeline.probabilities(try pipeline.features(of: table.selecting(rows: [row])))
            let best = probabilities.argmaxRows()[0]
            var fields = [Field("plate", .integer(Int64(row))), Field("source_row", .integer(Int64(try currentSourceRows()[row]))),
                          Field("source", .text(frame?.name ?? "")), Field("model", .text(model.name)),
                          Field("predicted", .text(pipeline.classes[best])), Field("probability", .real(probabilities[0, best]))]
            if let actual = try? table.column(named: pipeline.target) { fields.append(Field("actual", actual.value(at: row))) }
            output.blocks.append(.fields(name: "prediction", fields))
            output.table("probabilities", columns: ["class", "probability"], rows: pipeline.classes.indices.map { k in
                [.text(pipeline.classes[k]), .real(probabilities[0, k])]
            })
            return output
        }
        let (table, source, _) = try predictionInput(invocation)
        let predictionColumns = pipeline.predictionColumns(try invocation.at("on") { try pipeline.features(of: table) })
        let limit = min(invocation.int("limit")!, table.rowCount)
        output.table("predictions", title: "\(model.name) on \(source)", columns: ["row"] + predictionColumns.map(\.name),
                     rows: (0..<limit).map { r in [.integer(Int64(r))] + predictionColumns.map { $0.value(at: r) } }, totalRows: table.rowCount)
        let counts = ValueCounts(predictionColumns[0])
        output.table("predicted_counts", columns: ["class", "count", "percent"], rows: counts.entries.map {
            [$0.value, .integer(Int64($0.count)), .real($0.percent)]
        })
        if let into = invocation.string("into") {
            let name = try invocation.at("into") { try TableName(parsing: into) }
            var combined = table
            for column in predictionColumns { combined = try combined.setting(column) }
            let version = try invocation.at("into") {
                try store().write(combined, as: name, source: "predict \(model.name) (\(pipeline.kind)) on \(source)", operation: "predict")
            }
            output.say("Stored \(version.rowCount) rows with predictions as \(version.name.displayName) version \(version.version).")
        }
        return output
    }

    /// The rows `predict` reads: a stored table (with its version), a CSV file, or the current frame.
    func predictionInput(_ invocation: Invocation) throws -> (table: Table, source: String, stored: TableVersion?) {
        guard let on = invocation.string("on") else { return (try currentTable(), frame?.name ?? "the frame", nil) }
        if on.lowercased().hasSuffix(".csv") || on.contains("/") {
            return (try invocation.at("on") { try CSVReader.readTable(path: on) }, on, nil)
        }
        let name = try invocation.at("on") { try TableName(parsing: on) }
        let version = try invocation.at("on") { try store().version(name) }
        return (try store().read(version), "\(version.name.displayName) v\(version.version)", version)
    }
}

/// A model's scores on the holdout's test rows.
struct HoldoutEvaluation {
    let model: String
    let classes: [String]
    let testRows: Int
    let metrics: ClassificationMetrics
    let confusion: ConfusionMatrix
}
