import Engine
import Foundation

/// The explanation commands: SHAP values for a plate, the frame, a feature; permutation
/// importance; what-if; the features an operator can change, and advice on them. They read the
/// frame and the fitted models, keep the last explanation, and record plots and summaries in the
/// model's run, through their `ModelingContext`; the analysis itself is Engine's
/// (`Explainer`, `ExplanationAnalysis`, `WhatIf`), and they only format it.
struct ExplanationCommands: CommandGroup {
    static let readsTracking = false
    let modeling: ModelingContext

    init(session: Session) { modeling = ModelingContext(session: session) }

    /// What `shap` shows.
    enum ShapView: String, ArgumentChoice { case plate, summary, dependence, export }
    /// What `advise` shows.
    enum AdviseView: String, ArgumentChoice { case plate, summary }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "shap", category: .explanation,
            summary: "SHAP values: one plate's waterfall, the global summary, a feature's dependence.",
            help: """
                Explains a fitted model (default: the last fitted) in the original indicators. 'shap plate N' shows how each \
                feature moves plate N from the base value to the model's output for a class (default: the predicted one), \
                checks that they add up, and draws a waterfall. 'shap summary' ranks features by mean |SHAP| per class and \
                overall and draws a beeswarm. 'shap dependence FEATURE' plots a feature's value against its SHAP value. Tree \
                models get exact TreeSHAP (forests in probability, boosting in log-odds margin); linear models exact linear \
                SHAP; other pipelines (PCA before trees, naive Bayes, QDA, k-NN) sampled permutation SHAP, with the method, \
                sample size and error stated. 'shap export FILE.json' writes a tree model in shap's custom tree format \
                (children, features, thresholds, values, node_sample_weight per tree), or a linear pipeline as its affine \
                form in the raw features (coefficients, intercepts, the background rows), with the frame's rows and \
                PlateShell's SHAP values for them, so the shap library can check them.
                """,
            examples: [
                "shap plate 42", "shap plate 42 class=Bumps", "shap summary top=10",
                "shap dependence Steel_Plate_Thickness class=Z_Scratch",
            ],
            handler: run { try $0.shap($1) }),
        CommandSpec(
            "importance", category: .explanation,
            summary: "Permutation importance: how much accuracy falls when a feature is shuffled.",
            help:
                "Shuffles each feature in turn on the held-out rows (after 'split'; else on the frame, which is optimistic) and reports the mean drop in accuracy over repeats: a model-agnostic cross-check of SHAP's ranking.",
            examples: ["importance", "importance gbm repeats=10"],
            handler: run { try $0.importance($1) }),
        CommandSpec(
            "whatif", category: .explanation, summary: "Re-predict a plate with changed values.",
            help:
                "Predicts plate N of the current frame again with the given feature values and shows how each class's probability changes.",
            extraAssignments: .featureValues,
            examples: [
                "whatif plate 42 Steel_Plate_Thickness=40", "whatif plate 7 TypeOfSteel_A300=0 TypeOfSteel_A400=1",
            ],
            handler: run { try $0.whatif($1) }),
        CommandSpec(
            "actionable", category: .explanation, summary: "Declare (or show) the features an operator can change.",
            help: """
                'advise' only changes these. The default: the steel grade (TypeOfSteel_A300/A400), Steel_Plate_Thickness and \
                Length_of_Conveyer — process settings; the other indicators measure the defect's image and are outcomes.
                """,
            examples: ["actionable", "actionable Steel_Plate_Thickness,Length_of_Conveyer", "actionable reset=true"],
            handler: run { try $0.actionable($1) }),
        CommandSpec(
            "advise", category: .explanation,
            summary: "Which process settings to change to lower a defect's predicted probability.",
            help: """
                'advise plate N' searches the actionable features, within the values observed in the frame, for the smallest \
                changes of one or two settings that most lower the predicted probability of the plate's predicted defect \
                (lower=CLASS another, target=CLASS to raise one), each checked by re-predicting. 'advise summary' says, for \
                the whole frame, which settings the model associates with which defect, from SHAP values. These are \
                associations learned by a model from past plates, not proven causes.
                """,
            examples: ["advise plate 42", "advise plate 42 lower=Z_Scratch", "advise summary"],
            handler: run { try $0.advise($1) }),
    ]

    /// The class index named (did-you-mean among the model's classes).
    func classIndex(_ name: String, in pipeline: FittedPipeline, range: SourceRange) throws -> Int {
        guard let index = pipeline.classes.firstIndex(of: name) else {
            throw Diagnostic(
                EngineError(
                    .unknownValue, "the model knows no class '\(name)'",
                    hint: "its classes: \(pipeline.classes.joined(separator: ", "))",
                    suggestions: Suggestions.closest(to: name, among: pipeline.classes)), range: range)
        }
        return index
    }

    /// The frame row `row` as raw features for `pipeline`.
    func plateFeatures(_ row: Int, _ pipeline: FittedPipeline, range: SourceRange) throws -> (table: Table, x: Matrix) {
        let table = try modeling.frames.currentTable()
        guard row < table.rowCount else {
            throw Diagnostic(
                EngineError(
                    .invalidArgument, "there is no plate \(row): the frame has plates 0 to \(table.rowCount - 1)"),
                range: range)
        }
        return (table, try pipeline.features(of: table.selecting(rows: [row])))
    }

    /// Explainer options: the frame's rows as background (Engine draws up to 200 with the seed), the
    /// session's threads.
    func explainerOptions(_ pipeline: FittedPipeline, frame: Matrix, permutations: Int) -> Explainer.Options {
        var options = Explainer.Options(backgroundFrom: frame, seed: UInt64(modeling.settings.seed))
        options.permutations = permutations
        options.threads = modeling.threads
        options.cancellation = modeling.cancellation
        return options
    }

    /// The SHAP values of `rows`, from the last explanation when it was of the same pipeline,
    /// rows and options (`reused`), else computed (and kept unless plate-sized).
    func shapValues(_ pipeline: FittedPipeline, rows: Matrix, options: Explainer.Options) throws -> (
        explanation: Explanation, reused: Bool
    ) {
        if let cached = modeling.state.lastExplanation, cached.answers(pipeline, rows: rows, options: options) {
            return (cached.explanation, true)
        }
        let explanation = try Explainer.explain(pipeline, rows: rows, options: options)
        if rows.rows > 1 {
            modeling.state.lastExplanation = CachedExplanation(
                pipeline: pipeline, rows: rows, background: options.background,
                permutations: options.permutations, seed: options.seed, explanation: explanation)
        }
        return (explanation, false)
    }

    static func spaceUnit(_ space: Explanation.Space) -> String {
        switch space {
        case .probability: "SHAP value (probability)"
        case .margin: "SHAP value (log-odds margin)"
        case .decision: "SHAP value (decision score)"
        }
    }

    struct ShapArguments: CommandArguments {
        let view = Positional<ShapView>(
            "view", .choice(of: ShapView.self), help: "plate, summary, dependence or export")
        let subject = Positional<String?>(
            "subject", .text("plate|feature|file"),
            help: "the plate number, the feature for dependence, or the file for export")
        let className = Parameter<String?>(
            "class", .text("class"), help: "the class explained (default: the predicted class; summary: all)")
        let model = Parameter<String?>("model", .text("name"), help: "the fitted model (default: the last fitted)")
        let top = Parameter<Int>("top", .int(min: 1, max: nil), default: 10, help: "features shown")
        let rows = Parameter<Int>(
            "rows", .int(min: 1, max: nil), default: 200, help: "summary rows explained when sampling is needed")
        let permutations = Parameter<Int>(
            "permutations", .int(min: 2, max: 100_000), default: 64, help: "permutations per plate when sampling")
    }

    func shap(_ arguments: Arguments<ShapArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        let pipeline = model.pipeline
        let frame = try pipeline.features(of: try modeling.frames.currentTable())
        let options = explainerOptions(pipeline, frame: frame, permutations: arguments.permutations)
        switch arguments.view {
        case .plate: return try shapPlate(arguments, model: model, options: options)
        case .summary: return try shapSummary(arguments, model: model, frame: frame, options: options)
        case .export: return try shapExport(arguments, model: model, frame: frame, options: options)
        case .dependence: return try shapDependence(arguments, model: model, frame: frame, options: options)
        }
    }

    private func shapPlate(_ arguments: Arguments<ShapArguments>, model: SessionModel, options: Explainer.Options)
        throws
        -> CommandOutput
    {
        let pipeline = model.pipeline
        guard let text = arguments.subject, let row = Int(text), row >= 0 else {
            throw Diagnostic.usage(
                "shap plate needs a plate number", at: arguments.range(of: \.subject), usage: arguments.spec.usage)
        }
        let (_, x) = try plateFeatures(row, pipeline, range: arguments.range(of: \.subject))
        let probabilities = pipeline.probabilities(x)
        let predicted = probabilities.argmaxRows()[0]
        let target =
            try arguments.className.map {
                try classIndex($0, in: pipeline, range: arguments.range(of: \.className))
            } ?? predicted
        let explanation = try Explainer.explain(pipeline, rows: x, options: options)
        try explanation.requireAdditive(kind: pipeline.kind)
        let output = explanation.outputs[0, target]
        let order = (0..<x.columns).sorted {
            abs(explanation.value(row: 0, feature: $0, output: target))
                > abs(explanation.value(row: 0, feature: $1, output: target))
        }
        let top = arguments.top
        let shown = Array(order.prefix(top))
        let rest = Array(order.dropFirst(top))
        var labels = shown.map { "\(pipeline.features[$0]) = \(ValueFormatting.real(x[0, $0]))" }
        var values = shown.map { explanation.value(row: 0, feature: $0, output: target) }
        if !rest.isEmpty {
            labels.append("\(rest.count) other features")
            values.append(rest.reduce(0) { $0 + explanation.value(row: 0, feature: $1, output: target) })
        }
        var result = CommandOutput(command: "shap")
        let className = pipeline.classes[target]
        result.blocks.append(
            .fields(
                name: "explanation",
                [
                    Field("plate", .integer(Int64(row))),
                    Field("source_row", .integer(Int64(try modeling.frames.currentSourceRows()[row]))),
                    Field("model", .text(model.name)), Field("predicted", .text(pipeline.classes[predicted])),
                    Field("probability", .real(probabilities[0, predicted])), Field("class", .text(className)),
                    Field("space", .text(explanation.space.rawValue)),
                    Field("base_value", .real(explanation.base[target])),
                    Field("output", .real(output)), Field("method", .text(explanation.method)),
                    Field("additivity_error", .real(explanation.additivityError)),
                ] + (explanation.largestStandardError.map { [Field("largest_standard_error", .real($0))] } ?? [])))
        result.table(
            "contributions", title: "How each feature moves plate \(row) toward \(className)",
            columns: ["feature", "value", "shap"],
            rows: shown.map {
                [
                    .text(pipeline.features[$0]), .real(x[0, $0]),
                    .real(explanation.value(row: 0, feature: $0, output: target)),
                ]
            }
                + (rest.isEmpty ? [] : [[.text("\(rest.count) other features"), .missing, .real(values.last!)]]))
        result.blocks.append(.chart(.signedBars(name: "waterfall", title: nil, labels: labels, values: values)))
        let figure = Charts.waterfall(
            base: explanation.base[target], labels: labels, values: values, output: output,
            title: "Plate \(row): \(model.name) toward \(className)", unit: Self.spaceUnit(explanation.space))
        let paths = try figure.write(
            to: modeling.workspace.layout.plotsDirectory + "/shap-plate-\(row)-\(className)")
        result.blocks.append(.image(ImageBlock(name: "waterfall", title: figure.title, paths: paths)))
        result.say(
            String(
                format: "base %.4f + contributions %+.4f = %.4f (%@ space; the sum checks to %.1e). Plot: %@",
                explanation.base[target], output - explanation.base[target], output, explanation.space.rawValue,
                explanation.additivityError, paths[0]))
        return result
    }

    private func shapSummary(
        _ arguments: Arguments<ShapArguments>, model: SessionModel, frame: Matrix, options: Explainer.Options
    )
        throws -> CommandOutput
    {
        let pipeline = model.pipeline
        let rows = ExplanationAnalysis.rows(
            of: frame.rows, limit: arguments.rows, method: Explainer.method(for: pipeline),
            seed: UInt64(modeling.settings.seed))
        let sampled = rows.count < frame.rows
        let x = frame.selecting(rows: rows)
        let started = modeling.clock()
        let (explanation, reused) = try shapValues(pipeline, rows: x, options: options)
        let seconds = modeling.clock() - started
        let target = try arguments.className.map {
            try classIndex($0, in: pipeline, range: arguments.range(of: \.className))
        }
        let overall = explanation.meanAbsolute(output: target)
        let perClass = pipeline.classes.indices.map { explanation.meanAbsolute(output: $0) }
        let order = overall.indices.sorted { overall[$0] > overall[$1] }.prefix(arguments.top)
        var result = CommandOutput(command: "shap")
        let columns =
            ["feature", target == nil ? "mean_abs_shap_all" : "mean_abs_shap"] + (target == nil ? pipeline.classes : [])
        result.table(
            "importance", title: "Mean |SHAP| over \(x.rows) plates (\(explanation.method))", columns: columns,
            rows: order.map { f in
                [.text(pipeline.features[f]), .real(overall[f])] + (target == nil ? perClass.map { .real($0[f]) } : [])
            })
        result.blocks.append(
            .chart(
                .bars(
                    name: "importance", title: nil, labels: order.map { pipeline.features[$0] },
                    values: order.map { overall[$0] }, notes: [])))
        let focus =
            target ?? pipeline.classes.indices.max {
                overall.isEmpty ? false : perClass[$0].reduce(0, +) < perClass[$1].reduce(0, +)
            }!
        let shapRows = order.map { f in (0..<x.rows).map { explanation.value(row: $0, feature: f, output: focus) } }
        let valueRows = order.map { f in x.column(f) }
        let figure = Charts.beeswarm(
            features: order.map { pipeline.features[$0] }, shap: shapRows, values: valueRows,
            title: "SHAP summary: \(model.name), class \(pipeline.classes[focus])",
            unit: Self.spaceUnit(explanation.space))
        let paths = try figure.write(
            to: modeling.workspace.layout.plotsDirectory + "/shap-summary-\(pipeline.classes[focus])")
        result.blocks.append(.image(ImageBlock(name: "beeswarm", title: figure.title, paths: paths)))
        modeling.attach(to: model, context: arguments.context, on: &result) { run in
            run.csv(
                "shap/summary.csv",
                try Table(
                    columns: [
                        Column(name: "feature", storage: .text(pipeline.features)),
                        Column(name: "mean_abs_shap", storage: .real(overall)),
                    ]
                        + pipeline.classes.indices.map { k in
                            Column(name: pipeline.classes[k], storage: .real(perClass[k]))
                        }))
            // The PNG just written for the plots folder, not the beeswarm drawn and encoded again.
            run.artifact(
                "shap/summary-\(pipeline.classes[focus]).png", try Data(contentsOf: URL(fileURLWithPath: paths[0])))
        }
        result.say(
            "Method: \(explanation.method)\(sampled ? "; \(x.rows) of \(frame.rows) plates sampled" : "") (\(x.rows) plates \(reused ? "explained by an earlier command, values reused" : "explained in \(String(format: "%.3f", seconds)) s")); largest additivity error \(String(format: "%.1e", explanation.additivityError)). Beeswarm for \(pipeline.classes[focus]): \(paths[0])"
        )
        return result
    }

    private func shapDependence(
        _ arguments: Arguments<ShapArguments>, model: SessionModel, frame: Matrix, options: Explainer.Options
    )
        throws -> CommandOutput
    {
        let pipeline = model.pipeline
        guard let name = arguments.subject else {
            throw Diagnostic.usage(
                "shap dependence needs a feature", at: arguments.range(of: \.subject), usage: arguments.spec.usage)
        }
        guard let feature = pipeline.features.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw Diagnostic(
                EngineError.unknownColumn(name, known: pipeline.features), range: arguments.range(of: \.subject))
        }
        let x = frame.selecting(
            rows: ExplanationAnalysis.rows(
                of: frame.rows, limit: arguments.rows,
                method: Explainer.method(for: pipeline), seed: UInt64(modeling.settings.seed)))
        let explanation = try shapValues(pipeline, rows: x, options: options).explanation
        let target =
            try arguments.className.map {
                try classIndex($0, in: pipeline, range: arguments.range(of: \.className))
            }
            ?? pipeline.classes.indices.max { a, b in
                explanation.meanAbsolute(output: a)[feature] < explanation.meanAbsolute(output: b)[feature]
            }!
        let values = x.column(feature)
        let contributions = (0..<x.rows).map { explanation.value(row: $0, feature: feature, output: target) }
        let groups = ExplanationAnalysis.dependence(values: values, contributions: contributions)
        let labels = groups.map { entry in
            entry.group.low == entry.group.high
                ? ValueFormatting.real(entry.group.low)
                : "\(ValueFormatting.real(entry.group.low))–\(ValueFormatting.real(entry.group.high))"
        }
        var result = CommandOutput(command: "shap")
        result.table(
            "dependence", title: "\(pipeline.features[feature]) and its SHAP value for \(pipeline.classes[target])",
            columns: [pipeline.features[feature], "plates", "mean_shap"],
            rows: zip(labels, groups).map { [.text($0), .integer(Int64($1.group.members.count)), .real($1.meanSHAP)] })
        result.blocks.append(
            .chart(
                .signedBars(name: "dependence", title: nil, labels: labels, values: groups.map(\.meanSHAP))))
        let figure = Charts.dependence(
            feature: pipeline.features[feature], values: values, shap: contributions,
            title: "SHAP dependence: \(pipeline.features[feature]) → \(pipeline.classes[target])",
            unit: Self.spaceUnit(explanation.space))
        let paths = try figure.write(
            to: modeling.workspace.layout.plotsDirectory
                + "/shap-dependence-\(pipeline.features[feature])-\(pipeline.classes[target])")
        result.blocks.append(.image(ImageBlock(name: "dependence", title: figure.title, paths: paths)))
        result.say("Method: \(explanation.method). Scatter: \(paths[0])")
        return result
    }

    private func shapExport(
        _ arguments: Arguments<ShapArguments>, model: SessionModel, frame: Matrix, options: Explainer.Options
    )
        throws -> CommandOutput
    {
        guard let path = arguments.subject else {
            throw Diagnostic.usage("shap export needs a file", at: arguments.syntax.range, usage: arguments.spec.usage)
        }
        let method = Explainer.method(for: model.pipeline)
        guard method == .linear || (method == .tree && model.pipeline.plan == PreprocessingPlan()) else {
            throw EngineError(
                .invalidArgument,
                "shap export writes linear models and tree models fitted on unscaled features",
                hint: "fit lr, ridge, lda or svm (any scaling and PCA), or dt, rf, et, gbm or ada with "
                    + "scale method=none and pca off")
        }
        let explanation = try shapValues(model.pipeline, rows: frame, options: options).explanation
        let document = try ShapExport.document(
            model.pipeline, rows: frame, background: options.background, explanation: explanation)
        try arguments.at(\.subject) { try AtomicFile.write(document, to: path) }
        var output = CommandOutput(command: "shap")
        let form = method == .linear ? "as its affine form (for shap.LinearExplainer)" : "in shap's tree format"
        output.say("Wrote \(model.name) \(form) with \(frame.rows) rows and their SHAP values to \(path).")
        return output
    }
}
