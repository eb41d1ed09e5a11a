import Engine
import Foundation

extension ModellingCommands {
    static let trainingRows: [CommandSpec] = [
        CommandSpec(
            "compare", category: .modeling,
            summary: "Cross-validate every model and rank them (PyCaret's compare_models).",
            help: """
                Runs each model under stratified k-fold cross-validation on the current frame (its training part after \
                'split'), fitting scaling and PCA inside each fold, and ranks them: Accuracy, AUC (one-vs-rest macro, \
                from probabilities; for ridge and svm from their scores), Recall, Precision, F1 (macro and weighted), \
                Kappa, MCC and fit time per fold. folds=FILE uses given folds (the anchors' folds.json format). pca=on|off \
                overrides the session's PCA. Ctrl-C stops it, keeping the session as it was.
                """,
            examples: [
                "compare", "compare pca=off", "compare models=lr,knn,et folds=5",
                "compare folds=../shared/anchors/folds.json",
            ],
            handler: run { try $0.compare($1) }),
        CommandSpec(
            "fit", category: .modeling, summary: "Fit a model and keep it in the session.",
            help: """
                Fits the preprocessing (scale, pca) and the model on the training part after 'split', or on all rows \
                (on=all, the default without a split), and keeps the fitted pipeline under a name (as NAME, default the \
                model's). Hyperparameters follow as name=value; 'help models' lists every model's parameters.
                """,
            extraAssignments: .modelParameters,
            examples: ["fit gbm", "fit et as et_deep n_estimators=200 max_depth=12", "fit lr C=0.5 on=all"],
            handler: run { try $0.fit($1) }),
        CommandSpec(
            "tune", category: .modeling,
            summary: "Random search over a model's hyperparameters, scored by cross-validation.",
            help: """
                Tries the given settings and iters−1 random draws from the model's documented search space ('help models' \
                lists each space), each under k-fold cross-validation, and keeps the best (by metric=) fitted like 'fit' \
                under a name (as NAME, default MODEL_tuned).
                """,
            extraAssignments: .modelParameters,
            examples: ["tune et iters=30", "tune gbm as gbm_best iters=10 metric=f1"],
            handler: run { try $0.tune($1) }),
        CommandSpec(
            "models", category: .modeling,
            summary: "The fitted models of the session, or every model kind with its parameters.",
            help:
                "Without an argument: the models fitted in this session (name, kind, settings, rows, CV score). 'models kinds' lists every model kind and its hyperparameters with their ranges, defaults and search spaces; 'models registered' the registered models with their latest, Staging and Production versions.",
            examples: ["models", "models kinds", "models registered"],
            handler: .dispatching { (session, arguments: Arguments<ModelsArguments>) in
                arguments.what == .registered
                    ? try RegistryCommands(session: session).listRegisteredModels()
                    : try ModellingCommands(session: session).listModels(arguments)
            }),
    ]

    /// The splits for cross-validation: `folds=K` (stratified, seeded) or `folds=FILE`.
    func crossValidationSplits(_ text: String, data: Dataset, rows: [Int], range: SourceRange) throws -> (
        splits: [Folds.Split], note: String, rows: [Int]
    ) {
        if let k = Int(text) {
            let subset = data.selecting(rows: rows)
            let splits = try Folds.stratified(
                subset.y, classCount: data.classes.count, folds: k, seed: UInt64(modeling.settings.seed),
                classNames: data.classes)
            return (
                splits.map { Folds.Split(train: $0.train.map { rows[$0] }, test: $0.test.map { rows[$0] }) },
                "\(k)-fold stratified cross-validation (seed \(modeling.settings.seed)) on \(rows.count) rows", rows
            )
        }
        let file = try Folds.load(path: text, sourceRows: try modeling.frames.currentSourceRows())
        return (
            file.splits, "the \(file.splits.count) folds of task \(file.task) in \(text), on all \(data.rowCount) rows",
            Array(0..<data.rowCount)
        )
    }

    struct CompareArguments: CommandArguments {
        let folds = Parameter<String>(
            "folds", .text("int|file"), default: "10", help: "number of folds, or a JSON file of folds")
        let sort = Parameter<String>(
            "sort", .choice(ClassificationMetrics.names.map(\.name)), default: "accuracy", help: "the metric to rank by"
        )
        let models = Parameter<[String]?>("models", .values, help: "only these models (default: all)")
        let exclude = Parameter<[String]?>("exclude", .values, help: "leave these models out")
        let pca = Parameter<Toggle?>(
            "pca", .choice(of: Toggle.self),
            help: "use PCA or not, for this comparison (as pca set it, else with pca's default var=)")
    }

    func compare(_ arguments: Arguments<CompareArguments>) throws -> CommandOutput {
        let data = try modeling.dataset()
        var kinds = try arguments.at(\.models) {
            try (arguments.models ?? ModelCatalog.names).map(ModelCatalog.kind)
        }
        let excluded = try arguments.at(\.exclude) {
            try (arguments.exclude ?? []).map { try ModelCatalog.kind($0).name }
        }
        kinds.removeAll { excluded.contains($0.name) }
        var plan = modeling.state.plan
        switch arguments.pca {
        case .on?: plan.pca = plan.pca ?? .variance(ModellingCommands.notebookVariance)
        case .off?: plan.pca = nil
        case nil: break
        }
        let (rows, _) = try modeling.trainingRows(data)
        let (splits, note, _) = try arguments.at(\.folds) {
            try crossValidationSplits(
                arguments.folds, data: data, rows: rows, range: arguments.range(of: \.folds))
        }
        let tasks = kinds.map { CrossValidationTask(kind: $0, settings: try! $0.settings([:]), plan: plan) }
        let started = modeling.clock()
        let results = try CrossValidation.evaluate(
            tasks, dataset: data, splits: splits, seed: UInt64(modeling.settings.seed), threads: modeling.threads,
            cancellation: modeling.cancellation, progress: modeling.progress("compare"))
        let metric = arguments.sort
        let ranked = rank(results, by: metric)
        modeling.state.leaderboard = ranked
        modeling.state.leaderboardMetric = metric
        var result = CommandOutput(command: "compare")
        result.table(
            "leaderboard", title: "Leaderboard: \(note); preprocessing \(plan)", columns: Self.leaderboardColumns,
            rows: ranked.map(Self.leaderboardRow))
        result.blocks.append(
            .chart(
                .bars(
                    name: "leaderboard", title: nil, labels: ranked.map(\.kind),
                    values: ranked.map { $0.mean.value(metric) ?? 0 }, notes: [])))
        result.say(
            String(
                format:
                    "%d models × %d folds in %.2f s. AUC for ridge and svm comes from their scores (they give no probabilities).",
                kinds.count, splits.count, modeling.clock() - started))
        modeling.trackCompare(
            ranked, folds: splits.count, metric: metric, plan: plan, leaderboard: try Self.leaderboardTable(ranked),
            context: arguments.context, on: &result)
        return result
    }

    static let leaderboardColumns = [
        "model", "name", "accuracy", "auc", "recall", "precision", "f1", "f1_weighted", "kappa", "mcc",
        "accuracy_std", "fit_ms",
    ]

    static func leaderboardRow(_ result: CrossValidationResult) -> [Value] {
        let m = result.mean
        return [
            .text(result.kind), .text(result.title), .real(m.accuracy), m.auc.map(Value.real) ?? .missing,
            .real(m.recallMacro),
            .real(m.precisionMacro), .real(m.f1Macro), .real(m.f1Weighted), .real(m.kappa), .real(m.mcc),
            .real(result.spread("accuracy") ?? 0), .real(result.fitSeconds * 1000),
        ]
    }

    /// The leaderboard as a table (for its CSV artifact).
    static func leaderboardTable(_ ranked: [CrossValidationResult]) throws -> Table {
        let rows = ranked.map(leaderboardRow)
        return try Table(
            columns: leaderboardColumns.indices.map { c in
                c < 2
                    ? Column(name: leaderboardColumns[c], storage: .text(rows.map { $0[c].displayText }))
                    : Column(
                        name: leaderboardColumns[c],
                        storage: .real(
                            rows.map { row in
                                if case .real(let value) = row[c] { return value }
                                return .nan
                            }))
            })
    }

    /// Results best first by `metric` (lowest first for log loss).
    func rank(_ results: [CrossValidationResult], by metric: String) -> [CrossValidationResult] {
        let lowerIsBetter = metric == "log_loss"
        return results.sorted { a, b in
            let x = a.mean.value(metric) ?? (lowerIsBetter ? .infinity : -.infinity)
            let y = b.mean.value(metric) ?? (lowerIsBetter ? .infinity : -.infinity)
            return x != y ? (lowerIsBetter ? x < y : x > y) : a.kind < b.kind
        }
    }

    /// Model settings from a command's `name=value` hyperparameters, errors pointing at the culprit.
    func modelSettings<Declared>(_ kind: ModelKind, _ arguments: Arguments<Declared>) throws -> ModelSettings {
        for parameter in arguments.modelParameters {
            do { _ = try kind.settings([parameter.key: parameter.value]) } catch let error as EngineError {
                throw Diagnostic(error, range: parameter.range)
            }
        }
        return try kind.settings(Dictionary(uniqueKeysWithValues: arguments.modelParameters.map { ($0.key, $0.value) }))
    }

    struct FitArguments: CommandArguments {
        let kind = Positional<String>("model", .choice(ModelCatalog.names), help: "the model kind")
        let name = Positional<String?>(
            "as", .text("name"), keyword: PositionalSpec.resultKeyword,
            help: "the name to keep it under (default: the model kind)")
        let trainOn = Parameter<TrainingRows?>(
            "on", .choice(of: TrainingRows.self), help: "fit on the training part (after split) or all rows")
    }

    func fit(_ arguments: Arguments<FitArguments>) throws -> CommandOutput {
        let kind = try ModelCatalog.kind(arguments.kind)
        let modelSettings = try self.modelSettings(kind, arguments)
        let data = try modeling.dataset()
        let (rows, description) = try arguments.at(\.trainOn) {
            try modeling.trainingRows(data, on: arguments.trainOn)
        }
        let started = modeling.clock()
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: modelSettings, plan: modeling.state.plan, dataset: data.selecting(rows: rows),
            frameSteps: modeling.frames.frame?.steps ?? [], target: modeling.state.target,
            seed: UInt64(modeling.settings.seed),
            cancellation: modeling.cancellation, threads: modeling.threads)
        let seconds = modeling.clock() - started
        let name = arguments.name ?? kind.name
        var model = SessionModel(
            name: name, pipeline: pipeline,
            trainedOn: arguments.trainOn ?? (modeling.state.holdout == nil ? .all : .train),
            frameLineage: modeling.frames.frame?.lineage ?? "", crossValidation: nil)
        var output = CommandOutput(command: "fit")
        output.say(
            String(
                format: "Fitted %@ (%@) on %@ in %.3f s, kept as '%@'. Preprocessing: %@.", kind.name, kind.title,
                description, seconds,
                name, modeling.state.plan.description))
        output.blocks.append(
            .fields(
                name: "parameters",
                modelSettings.values.keys.sorted().map { Field($0, .text(modelSettings[$0].description)) }))
        model.runId = modeling.trackFit(model, data: data, rows: rows, context: arguments.context, on: &output)
        modeling.state.store(model)
        return output
    }

    struct TuneArguments: CommandArguments {
        let kind = Positional<String>("model", .choice(ModelCatalog.names), help: "the model kind")
        let name = Positional<String?>(
            "as", .text("name"), keyword: PositionalSpec.resultKeyword,
            help: "the name to keep the best under (default: MODEL_tuned)")
        let iterations = Parameter<Int>("iters", .int(min: 1, max: 10_000), default: 20, help: "settings tried")
        let folds = Parameter<String>(
            "folds", .text("int|file"), default: "5", help: "number of folds, or a JSON file of folds")
        let metric = Parameter<String>(
            "metric", .choice(ClassificationMetrics.names.map(\.name)), default: "accuracy", help: "what to maximize")
    }

    func tune(_ arguments: Arguments<TuneArguments>) throws -> CommandOutput {
        let kind = try ModelCatalog.kind(arguments.kind)
        let base = try modelSettings(kind, arguments)
        let data = try modeling.dataset()
        let (rows, description) = try modeling.trainingRows(data)
        let (splits, note, _) = try arguments.at(\.folds) {
            try crossValidationSplits(
                arguments.folds, data: data, rows: rows, range: arguments.range(of: \.folds))
        }
        let candidates = Tuning.candidates(
            kind, base: base, iterations: arguments.iterations, seed: UInt64(modeling.settings.seed))
        let results = try CrossValidation.evaluate(
            candidates.map { CrossValidationTask(kind: kind, settings: $0, plan: modeling.state.plan) },
            dataset: data, splits: splits, seed: UInt64(modeling.settings.seed), threads: modeling.threads,
            cancellation: modeling.cancellation, progress: modeling.progress("tune \(kind.name)"))
        let metric = arguments.metric
        let ranked = rank(results, by: metric)
        let best = ranked[0]
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: best.settings, plan: modeling.state.plan, dataset: data.selecting(rows: rows),
            frameSteps: modeling.frames.frame?.steps ?? [], target: modeling.state.target,
            seed: UInt64(modeling.settings.seed),
            cancellation: modeling.cancellation, threads: modeling.threads)
        let name = arguments.name ?? "\(kind.name)_tuned"
        var model = SessionModel(
            name: name, pipeline: pipeline, trainedOn: modeling.state.holdout == nil ? .all : .train,
            frameLineage: modeling.frames.frame?.lineage ?? "", crossValidation: best)
        var result = CommandOutput(command: "tune")
        let tunable = kind.parameters.filter { !$0.searchSpace.isEmpty }.map(\.name)
        result.table(
            "candidates", title: "Best settings of \(candidates.count) tried (\(note))",
            columns: ["rank", metric, "\(metric)_std"] + tunable,
            rows: ranked.prefix(10).enumerated().map { index, r in
                [.integer(Int64(index + 1)), .real(r.mean.value(metric) ?? .nan), .real(r.spread(metric) ?? .nan)]
                    + tunable.map { .text(r.settings[$0].description) }
            })
        let defaultScore = results[0].mean.value(metric) ?? .nan
        result.say(
            String(
                format: "Best %@ %.4f (given settings: %.4f); refitted on %@ and kept as '%@'.", metric,
                best.mean.value(metric) ?? .nan,
                defaultScore, description, name))
        result.blocks.append(
            .fields(
                name: "best", best.settings.values.keys.sorted().map { Field($0, .text(best.settings[$0].description)) }
            ))
        model.runId = modeling.trackTune(
            model, ranked: ranked, folds: splits.count, metric: metric, data: data, rows: rows,
            context: arguments.context, on: &result)
        modeling.state.store(model)
        return result
    }

    struct ModelsArguments: CommandArguments {
        let what = Positional<ModelListing?>(
            "what", .choice(of: ModelListing.self),
            help: "kinds: the model kinds and their parameters; registered: the model registry")
    }

    func listModels(_ arguments: Arguments<ModelsArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "models")
        if arguments.what == .kinds {
            output.table(
                "kinds", title: "Model kinds and their hyperparameters",
                columns: ["model", "name", "parameter", "values", "default", "tune_space"],
                rows: ModelCatalog.all.flatMap { kind -> [[Value]] in
                    let described: [[String]] = kind.parameters.map { parameter in
                        [
                            parameter.name, parameter.constraint.description, parameter.defaultValue.description,
                            parameter.searchSpace.map(\.description).joined(separator: ","),
                        ]
                    }
                    return (described.isEmpty ? [["", "", "", ""]] : described).map { texts in
                        ([kind.name, kind.title] + texts).map(Value.text)
                    }
                })
            return output
        }
        output.table(
            "models", title: "Fitted models",
            columns: [
                "name", "model", "trained_on", "features", "classes", "preprocessing", "cv_accuracy", "settings",
            ],
            rows: modeling.state.models.map { model in
                [
                    .text(model.name), .text(model.pipeline.kind), .text(model.trainedOn.rawValue),
                    .integer(Int64(model.pipeline.features.count)),
                    .text(model.pipeline.classes.joined(separator: ",")), .text(model.pipeline.plan.description),
                    model.crossValidation.map { .real($0.mean.accuracy) } ?? .missing,
                    .text(model.pipeline.settings.summary),
                ]
            })
        if modeling.state.models.isEmpty {
            output.say("No model fitted yet: fit MODEL, or tune MODEL. 'models kinds' lists them.")
        }
        return output
    }
}
