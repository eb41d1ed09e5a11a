import Engine
import Foundation

/// What `pca`, `fit`, `tune` and `compare` record when autolog is on (the notebook's
/// `mlflow.autolog()` and explicit `log_*` calls), and what `evaluate` and `shap summary` add to
/// the run of the model they look at.
extension ModelingContext {
    /// The params of a model run: its hyperparameters, kind, preprocessing, label and seed.
    func modelParams(kind: String, settings modelSettings: ModelSettings, plan: PreprocessingPlan) -> [String: String] {
        var params = modelSettings.values.mapValues(\.description)
        params["model"] = kind
        params["preprocessing"] = plan.description
        params["label"] = state.target
        params["seed"] = String(settings.seed)
        return params
    }

    /// Logs a cross-validation result: each metric's mean and spread, and its per-fold values as
    /// the history `fold_<metric>` (fold k at step k).
    func logCrossValidation(_ result: CrossValidationResult, folds: Int, into run: RunRecorder) throws {
        var means: [String: Double] = ["fit_seconds_per_fold": result.fitSeconds]
        var histories: [String: [Double]] = [:]
        for entry in ClassificationMetrics.names {
            guard let mean = entry.read(result.mean) else { continue }
            means[entry.name] = mean
            if let spread = result.spread(entry.name) { means[entry.name + "_std"] = spread }
            histories["fold_" + entry.name] = result.folds.map { entry.read($0) ?? .nan }
        }
        try run.log(params: ["cv_folds": String(folds)], metrics: means, histories: histories)
    }

    /// Logs the fitted pipeline as the run's model, with its signature from the frame's types and
    /// two training rows as the input example.
    func logPipeline(_ pipeline: FittedPipeline, data: Dataset, rows: [Int], into run: RunRecorder) throws {
        run.model(
            .classifier(pipeline), featureTypes: try frames.featureTypes(pipeline.features),
            example: data.x.selecting(rows: Array(rows.prefix(2))))
    }

    /// Logs a PCA: its parameters, the explained variance (a history over components), the
    /// variance plot, the loadings and principal components as CSV, the dataset, and the scaler +
    /// PCA as a transform model (raw indicators → principal components).
    func logPCA(_ pca: LastPCA, data: Dataset, into run: RunRecorder) throws {
        let fitted = pca.fitted
        try run.params([
            "pca": "\(pca.parameters)", "scale": String(pca.scaler != nil), "n_features": String(data.features.count),
            "n_components": String(fitted.keptComponents), "rows": String(data.rowCount),
        ])
        try run.history("explained_variance_ratio", fitted.explainedVarianceRatio)
        try run.metrics([
            "explained_variance_kept": fitted.explainedVarianceRatio.prefix(fitted.keptComponents).reduce(0, +),
            "n_components": Double(fitted.keptComponents),
        ])
        try run.dataset(try frames.datasetInput(context: "training"))
        run.png(
            "pca/variance.png",
            Charts.pcaVariance(
                ratios: fitted.explainedVarianceRatio, kept: fitted.keptComponents,
                title: "PCA: explained variance of \(data.features.count) features"))
        run.csv("pca/components.csv", try Self.componentsTable(fitted, features: data.features))
        let transform = FittedPreprocessing(scaler: pca.scaler, pca: fitted)
        let components = transform.transform(data.x)
        let columns =
            (0..<components.columns).map { c in Column(name: "pc\(c + 1)", storage: .real(components.column(c))) }
            + [Column(name: state.target, storage: .text(data.y.map { data.classes[$0] }))]
        run.csv("pca/principal_components.csv", try Table(columns: columns))
        try run.model(
            .transform(features: data.features, preprocessing: transform),
            featureTypes: try frames.featureTypes(data.features),
            example: data.x.selecting(rows: Array(0..<min(2, data.rowCount))))
    }

    /// The loadings as a table: one row per feature, one column per kept component.
    static func componentsTable(_ fitted: PCA.Fitted, features: [String]) throws -> Table {
        try Table(
            columns: [Column(name: "feature", storage: .text(features))]
                + (0..<fitted.keptComponents).map { component in
                    Column(
                        name: "pc\(component + 1)",
                        storage: .real((0..<features.count).map { fitted.components[component, $0] }))
                })
    }

    /// Records `fit`: params, the training and (after split) holdout metrics, the confusion matrix,
    /// the dataset and the model.
    func trackFit(
        _ model: SessionModel, data: Dataset, rows: [Int], context: CommandContext, on output: inout CommandOutput
    ) -> String? {
        tracking.recordRun("fit \(model.name)", context: context, on: &output) { run in
            let pipeline = model.pipeline
            try run.params(
                modelParams(kind: pipeline.kind, settings: pipeline.settings, plan: pipeline.plan)
                    .merging(["trained_on": model.trainedOn.rawValue, "training_rows": String(rows.count)]) { $1 })
            let training = data.selecting(rows: rows)
            let trainingMetrics = ClassificationMetrics(
                actual: training.y, predicted: pipeline.probabilities(training.x).argmaxRows(), probabilities: nil,
                classCount: pipeline.classes.count)
            try run.metrics(["training_accuracy": trainingMetrics.accuracy])
            try run.dataset(try frames.datasetInput(context: "training"))
            if let evaluation = try holdoutEvaluation(model) { try logEvaluation(evaluation, into: run) }
            try logPipeline(pipeline, data: data, rows: rows, into: run)
        }
    }

    /// Records `tune`: the best settings and their cross-validated metrics, every candidate as a
    /// CSV, the dataset and the refitted model.
    func trackTune(
        _ model: SessionModel, ranked: [CrossValidationResult], folds: Int, metric: String, data: Dataset, rows: [Int],
        context: CommandContext, on output: inout CommandOutput
    ) -> String? {
        tracking.recordRun("tune \(model.pipeline.kind)", context: context, on: &output) { run in
            let best = ranked[0]
            let pipeline = model.pipeline
            try run.params(
                modelParams(kind: pipeline.kind, settings: pipeline.settings, plan: pipeline.plan)
                    .merging([
                        "tune_iterations": String(ranked.count), "tune_metric": metric,
                        "trained_on": model.trainedOn.rawValue,
                    ]) { $1 })
            try logCrossValidation(best, folds: folds, into: run)
            let names = Array(Set(ranked.flatMap { $0.settings.values.keys })).sorted()
            run.csv(
                "tuning/candidates.csv",
                try Table(
                    columns: [
                        Column(name: "rank", storage: .integer(ranked.indices.map { Int64($0 + 1) })),
                        Column(name: metric, storage: .real(ranked.map { $0.mean.value(metric) ?? .nan })),
                        Column(name: metric + "_std", storage: .real(ranked.map { $0.spread(metric) ?? .nan })),
                    ]
                        + names.map { name in
                            Column(name: name, storage: .text(ranked.map { $0.settings[name].description }))
                        }))
            try run.dataset(try frames.datasetInput(context: "training"))
            if let evaluation = try holdoutEvaluation(model) { try logEvaluation(evaluation, into: run) }
            try logPipeline(pipeline, data: data, rows: rows, into: run)
        }
    }

    /// Records `compare`: a parent run with the leaderboard (CSV and chart), and one child run per
    /// model with its settings, mean metrics and per-fold histories.
    func trackCompare(
        _ ranked: [CrossValidationResult], folds: Int, metric: String, plan: PreprocessingPlan, leaderboard: Table,
        context: CommandContext, on output: inout CommandOutput
    ) {
        tracking.recordRun("compare", context: context, on: &output) { run in
            try run.params([
                "models": ranked.map(\.kind).sorted().joined(separator: ","), "cv_folds": String(folds), "sort": metric,
                "preprocessing": plan.description, "label": state.target, "seed": String(settings.seed),
            ])
            if let best = ranked.first?.mean.value(metric) { try run.metrics(["best_" + metric: best]) }
            try run.tags(["plateshell.best_model": ranked.first?.kind ?? ""])
            let input = try frames.datasetInput(context: "training")
            try run.dataset(input)
            run.csv("leaderboard.csv", leaderboard)
            run.png(
                "leaderboard.png",
                Charts.leaderboard(
                    models: ranked.map(\.kind), values: ranked.map { $0.mean.value(metric) ?? 0 },
                    metric: metric, title: "Cross-validated \(metric) by model"))
            for result in ranked {
                let childId = try run.tracker.startRun(
                    name: result.kind, tags: tracking.sourceTags(for: context), parent: run.runId)
                try RunRecorder.record(childId, with: run.tracker) { child in
                    try child.params(modelParams(kind: result.kind, settings: result.settings, plan: result.plan))
                    try logCrossValidation(result, folds: folds, into: child)
                    try child.dataset(input)
                }.log()
                try run.tracker.endRun(childId, status: .finished)
            }
        }
    }

    /// Adds to the run that recorded `model` (if any): evaluation metrics and artifacts after the
    /// fact, the files written by the run finisher after those of the runs before (named by the
    /// text of the command of `context`).
    func attach(
        to model: SessionModel, context: CommandContext, on output: inout CommandOutput,
        _ body: (RunRecorder) throws -> Void
    ) {
        guard tracking.autolog, let runId = model.runId else { return }
        do {
            let artifacts = try RunRecorder.record(runId, with: try tracking.recordingTracker(), body)
            tracking.finisher.finish(artifacts, name: context.text, ending: nil)
        } catch {
            output.say("Tracking: not added to run \(runId.prefix(8)) (\(reported(error))).")
        }
    }

    /// Logs holdout metrics as `test_<metric>` and the confusion matrix as CSV and PNG.
    func logEvaluation(_ evaluation: HoldoutEvaluation, into run: RunRecorder) throws {
        try run.metrics(
            Dictionary(
                uniqueKeysWithValues: ClassificationMetrics.names.compactMap { entry in
                    entry.read(evaluation.metrics).map { ("test_" + entry.name, $0) }
                }))
        let counts = evaluation.confusion.counts
        run.csv(
            "evaluation/confusion_matrix.csv",
            try Table(
                columns: [Column(name: "actual", storage: .text(evaluation.classes))]
                    + evaluation.classes.indices.map { k in
                        Column(name: evaluation.classes[k], storage: .integer(counts.map { Int64($0[k]) }))
                    }))
        run.png(
            "evaluation/confusion_matrix.png",
            Charts.confusion(
                counts, classes: evaluation.classes,
                title: "Confusion matrix: \(evaluation.model)"))
    }
}
