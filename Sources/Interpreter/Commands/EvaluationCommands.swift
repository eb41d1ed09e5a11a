import Engine
import Foundation

extension ModellingCommands {
    static let evaluationRows: [CommandSpec] = [
        CommandSpec(
            "evaluate", category: .modeling,
            summary: "Holdout metrics, per-class scores and the confusion matrix of a model.",
            help:
                "Scores a model fitted on the training part (after 'split') on the held-out test rows: the metrics, precision, recall and F1 per class, and the confusion matrix ('plot confusion' draws it).",
            examples: ["evaluate", "evaluate et_tuned"],
            handler: run { try $0.evaluate($1) }),
        CommandSpec(
            "predict", category: .modeling,
            summary: "Class and probabilities from a fitted model: one plate, a table, a file.",
            help: """
                Predicts with a fitted model (default: the last fitted) from raw feature columns: 'predict plate N' for \
                row N of the current frame (0-based; the output names the row of the original table too), 'predict \
                on=TABLE' or 'on=FILE.csv' for every row of a stored table or a CSV file, or the current frame. into= \
                stores the rows with the predicted class and each class's probability as a new table version. \
                with=models:/NAME/Production (or @alias, /N, runs:/ID/model) predicts with that registered model \
                instead, from raw rows; the stored predictions name the model and version, and the scoring is \
                tracked as a run with its lineage.
                """,
            examples: [
                "predict plate 42", "predict et on=fsp.faults into=fsp.predictions", "predict gbm on=new_plates.csv",
                "predict with=models:/et-fsp-model/Production on=fsp.faults into=fsp.predictions",
            ],
            handler: .dispatching { (session, arguments: Arguments<PredictArguments>) in
                if let uri = arguments.with {
                    return try DeploymentCommands(session: session).predictWithRegistered(arguments, uri: uri)
                }
                return try ModellingCommands(session: session).predict(arguments)
            }),
    ]

    struct EvaluateArguments: CommandArguments {
        let model = Positional<String?>("model", .text("name"), help: "the fitted model (default: the last fitted)")
    }

    func evaluate(_ arguments: Arguments<EvaluateArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        guard let evaluation = try modeling.holdoutEvaluation(model) else {
            throw EngineError(
                .invalidArgument, "'\(model.name)' was fitted on all rows, so no rows are left to evaluate it on",
                hint: "split the frame (split test=0.3), then fit again")
        }
        let (metrics, confusion, classes) = (evaluation.metrics, evaluation.confusion, evaluation.classes)
        modeling.state.lastEvaluation = (model.name, classes, confusion)
        var output = CommandOutput(command: "evaluate")
        output.table(
            "metrics", title: "\(model.name) on the \(evaluation.testRows) held-out rows",
            columns: ["metric", "value"],
            rows: ClassificationMetrics.names.compactMap { entry in
                entry.read(metrics).map { [.text(entry.name), .real($0)] }
            })
        output.table(
            "classes", title: "Per class", columns: ["class", "precision", "recall", "f1", "support"],
            rows: classes.indices.map { k in
                let tp = Double(confusion.counts[k][k])
                let precision = confusion.predictedTotals[k] > 0 ? tp / Double(confusion.predictedTotals[k]) : 0
                let recall = confusion.actualTotals[k] > 0 ? tp / Double(confusion.actualTotals[k]) : 0
                let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
                return [
                    .text(classes[k]), .real(precision), .real(recall), .real(f1),
                    .integer(Int64(confusion.actualTotals[k])),
                ]
            })
        output.table(
            "confusion", title: "Confusion matrix (rows: actual, columns: predicted)", columns: ["actual"] + classes,
            rows: classes.indices.map { k in [.text(classes[k])] + confusion.counts[k].map { .integer(Int64($0)) } })
        modeling.attach(to: model, context: arguments.context, on: &output) { run in
            try modeling.logEvaluation(evaluation, into: run)
        }
        return output
    }

    struct PredictArguments: CommandArguments {
        let model = Positional<String?>("model", .text("name"), help: "the fitted model")
        let row = Positional<Int?>("row", .int(min: 0, max: nil), keyword: "plate", help: "the frame row to predict")
        let on = Parameter<String?>("on", .text("table|file"), help: "a stored table or a CSV file to predict")
        let into = Parameter<String?>("into", .table, help: "store the predictions as this table")
        let with = Parameter<String?>(
            "with", .text("model-uri"), help: "predict with a registered model (models:/NAME/Production) instead")
        let limit = Parameter<Int>("limit", .int(min: 0, max: nil), default: 10, help: "rows shown")
    }

    func predict(_ arguments: Arguments<PredictArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        let pipeline = model.pipeline
        var output = CommandOutput(command: "predict")
        if let row = arguments.row {
            let table = try modeling.frames.currentTable()
            try modeling.frames.checkPlate(row, of: table, range: arguments.range(of: \.row))
            let probabilities = pipeline.probabilities(try pipeline.features(of: table.selecting(rows: [row])))
            let best = probabilities.argmaxRows()[0]
            var fields = [
                Field("plate", .integer(Int64(row))),
                Field("source_row", .integer(Int64(try modeling.frames.currentSourceRows()[row]))),
                Field("source", .text(modeling.frames.frame?.name ?? "")), Field("model", .text(model.name)),
                Field("predicted", .text(pipeline.classes[best])), Field("probability", .real(probabilities[0, best])),
            ]
            if let actual = try? table.column(named: pipeline.target) {
                fields.append(Field("actual", actual.value(at: row)))
            }
            output.blocks.append(.fields(name: "prediction", fields))
            output.table(
                "probabilities", columns: ["class", "probability"],
                rows: pipeline.classes.indices.map { k in
                    [.text(pipeline.classes[k]), .real(probabilities[0, k])]
                })
            return output
        }
        if let on = arguments.on, let into = arguments.into, ModelingContext.namesStoredTable(on) {
            let scoring = try modeling.scoreStoredTable(
                on: on, into: into, onRange: arguments.range(of: \.on), intoRange: arguments.range(of: \.into),
                limit: arguments.limit,
                describe: { "predict \(model.name) (\(pipeline.kind)) on \($0.name.displayName) v\($0.version)" },
                predictions: { pipeline.predictionColumns(try pipeline.features(of: $0)) })
            let input = scoring.transform.input
            output.table(
                "predictions", title: "\(model.name) on \(input.name.displayName) v\(input.version)",
                columns: ["row"] + scoring.columns,
                rows: scoring.preview.enumerated().map { [.integer(Int64($0.offset))] + $0.element },
                totalRows: scoring.transform.inputRows)
            output.table(
                "predicted_counts", columns: ["class", "count", "percent"],
                rows: scoring.counts.entries.map { [$0.value, .integer(Int64($0.count)), .real($0.percent)] })
            let version = scoring.transform.output
            output.say(
                "Stored \(version.rowCount) rows with predictions as \(version.name.displayName) version \(version.version)."
            )
            return output
        }
        let (table, source, _) = try modeling.predictionInput(
            on: arguments.on, range: arguments.range(of: \.on))
        let predictionColumns = pipeline.predictionColumns(
            try arguments.at(\.on) { try pipeline.features(of: table) })
        let limit = min(arguments.limit, table.rowCount)
        output.table(
            "predictions", title: "\(model.name) on \(source)", columns: ["row"] + predictionColumns.map(\.name),
            rows: (0..<limit).map { r in [.integer(Int64(r))] + predictionColumns.map { $0.value(at: r) } },
            totalRows: table.rowCount)
        let counts = ValueCounts(predictionColumns[0])
        output.table(
            "predicted_counts", columns: ["class", "count", "percent"],
            rows: counts.entries.map {
                [$0.value, .integer(Int64($0.count)), .real($0.percent)]
            })
        if let into = arguments.into {
            let name = try arguments.at(\.into) { try TableName(parsing: into) }
            var combined = table
            for column in predictionColumns { combined = try combined.setting(column) }
            let version = try arguments.at(\.into) {
                try modeling.frames.store().write(
                    combined, as: name, source: "predict \(model.name) (\(pipeline.kind)) on \(source)",
                    operation: "predict")
            }
            output.say(
                "Stored \(version.rowCount) rows with predictions as \(version.name.displayName) version \(version.version)."
            )
        }
        return output
    }
}
