import Engine
import Foundation

/// The explanation commands that turn attributions into advice for an operator: permutation
/// importance, what-if changes of one plate, the actionable features, and the advice itself.
extension ExplanationCommands {
    struct ImportanceArguments: CommandArguments {
        let model = Positional<String?>("model", .text("name"), help: "the fitted model (default: the last fitted)")
        let repeats = Parameter<Int>("repeats", .int(min: 1, max: 1000), default: 5, help: "shuffles per feature")
    }

    func importance(_ arguments: Arguments<ImportanceArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        let data = try modeling.dataset()
        let table = try modeling.frames.currentTable()
        var rows = Array(0..<data.rowCount)
        var note = "the \(rows.count) frame rows (no holdout: optimistic, the model saw them)"
        if model.trainedOn == .train, let holdout = try modeling.currentHoldout() {
            rows = holdout.split.test
            note = "the \(rows.count) held-out rows"
        }
        let unknown = Dictionary(
            grouping: rows.map { data.classes[data.y[$0]] }.filter { !model.pipeline.classes.contains($0) }, by: { $0 })
        if !unknown.isEmpty {
            throw Diagnostic(
                EngineError(
                    .invalidData,
                    "the frame holds classes \(model.name) was not trained on, so its accuracy on them means nothing",
                    hint:
                        "keep the rows of its classes first: keep \(modeling.state.target) in \(model.pipeline.classes.joined(separator: ","))",
                    notes: unknown.keys.sorted().map { "\($0): \(unknown[$0]!.count) rows" }),
                range: arguments.range(of: \.model))
        }
        let x = try model.pipeline.features(of: table.selecting(rows: rows))
        let y = rows.map { model.pipeline.classes.firstIndex(of: data.classes[data.y[$0]])! }
        let results = try PermutationImportance.compute(
            model.pipeline, x: x, y: y, repeats: arguments.repeats,
            seed: UInt64(modeling.settings.seed), cancellation: modeling.cancellation
        )
        .sorted { $0.meanDrop > $1.meanDrop }
        var output = CommandOutput(command: "importance")
        output.table(
            "importance", title: "Permutation importance of \(model.name) on \(note)",
            columns: ["feature", "accuracy_drop", "std"],
            rows: results.map { [.text($0.feature), .real($0.meanDrop), .real($0.standardDeviation)] })
        output.blocks.append(
            .chart(
                .signedBars(
                    name: "importance", title: nil, labels: results.prefix(10).map(\.feature),
                    values: results.prefix(10).map(\.meanDrop))))
        return output
    }

    struct WhatIfArguments: CommandArguments {
        let plate = Positional<Int>("row", .int(min: 0, max: nil), keyword: "plate", help: "the frame row")
        let model = Parameter<String?>("model", .text("name"), help: "the fitted model (default: the last fitted)")
    }

    func whatif(_ arguments: Arguments<WhatIfArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        let pipeline = model.pipeline
        let (_, x) = try plateFeatures(arguments.plate, pipeline, range: arguments.range(of: \.plate))
        guard !arguments.modelParameters.isEmpty else {
            throw Diagnostic.usage(
                "whatif needs at least one FEATURE=VALUE", at: arguments.syntax.range, usage: arguments.spec.usage)
        }
        var changes: [Int: Double] = [:]
        for assignment in arguments.modelParameters {
            guard let feature = pipeline.features.firstIndex(where: { $0.lowercased() == assignment.key.lowercased() })
            else {
                throw Diagnostic(
                    EngineError.unknownColumn(assignment.key, known: pipeline.features), range: assignment.range)
            }
            guard let value = Double(assignment.value), value.isFinite else {
                throw Diagnostic(
                    EngineError(
                        .typeMismatch, "'\(pipeline.features[feature])' takes a number; got '\(assignment.value)'"),
                    range: assignment.range)
            }
            changes[feature] = value
        }
        let before = pipeline.probabilities(x)
        let changed = Matrix(rows: 1, columns: x.columns, values: WhatIf.changed(x.row(0), changes))
        let after = pipeline.probabilities(changed)
        var output = CommandOutput(command: "whatif")
        output.table(
            "changes", title: "Plate \(arguments.plate) with changed values", columns: ["feature", "was", "now"],
            rows: changes.keys.sorted().map { [.text(pipeline.features[$0]), .real(x[0, $0]), .real(changes[$0]!)] })
        output.table(
            "probabilities", columns: ["class", "before", "after", "change"],
            rows: pipeline.classes.indices.map { k in
                [
                    .text(pipeline.classes[k]), .real(before[0, k]), .real(after[0, k]),
                    .real(after[0, k] - before[0, k]),
                ]
            })
        let was = before.argmaxRows()[0]
        let now = after.argmaxRows()[0]
        output.say(
            was == now
                ? "The prediction stays \(pipeline.classes[was])."
                : "The prediction changes from \(pipeline.classes[was]) to \(pipeline.classes[now]).")
        return output
    }

    struct ActionableArguments: CommandArguments {
        let columns = Positional<[String]?>(
            variadic: "columns", .columns, help: "the actionable features (default list when none given and reset)")
        let reset = Parameter<Bool>("reset", .bool, default: false, help: "go back to the default list")
    }

    func actionable(_ arguments: Arguments<ActionableArguments>) throws -> CommandOutput {
        if arguments.reset { modeling.state.actionable = nil }
        if let columns = arguments.columns, !columns.isEmpty {
            let table = try modeling.frames.currentTable()
            modeling.state.actionable = try arguments.at(\.columns) {
                try columns.map { try table.column(named: $0).name }
            }
        }
        var output = CommandOutput(command: "actionable")
        let reasons = Dictionary(
            WhatIf.defaultActionable.map { ($0.feature, $0.reason) }, uniquingKeysWith: { first, _ in first })
        let features = modeling.state.actionable ?? WhatIf.defaultActionable.map(\.feature)
        output.table(
            "actionable",
            title: modeling.state.actionable == nil
                ? "Actionable features (the default)" : "Actionable features (declared)",
            columns: ["feature", "why"],
            rows: features.map { [.text($0), .text(reasons[$0] ?? "declared actionable")] })
        output.say("Every other indicator is \(WhatIf.measurementReason).")
        return output
    }

    struct AdviseArguments: CommandArguments {
        let view = Positional<AdviseView>("view", .choice(of: AdviseView.self), help: "plate or summary")
        let row = Positional<Int?>("row", .int(min: 0, max: nil), help: "the plate number")
        let lower = Parameter<String?>(
            "lower", .text("class"), help: "the class whose probability to lower (default: the predicted one)")
        let target = Parameter<String?>("target", .text("class"), help: "the class whose probability to raise")
        let model = Parameter<String?>("model", .text("name"), help: "the fitted model (default: the last fitted)")
        let top = Parameter<Int>("top", .int(min: 1, max: 50), default: 5, help: "options shown")
    }

    func advise(_ arguments: Arguments<AdviseArguments>) throws -> CommandOutput {
        let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
        let pipeline = model.pipeline
        let names = modeling.state.actionable ?? WhatIf.defaultActionable.map(\.feature)
        let actionable = names.compactMap { pipeline.features.firstIndex(of: $0) }
        guard !actionable.isEmpty else {
            throw EngineError(
                .invalidArgument, "no actionable feature is among the model's features",
                hint: "declare the features an operator can change: actionable COLUMN,COLUMN")
        }
        let frame = try pipeline.features(of: try modeling.frames.currentTable())
        if arguments.view == .summary {
            return try adviseSummary(model: model, frame: frame, actionable: actionable)
        }
        guard let row = arguments.row else {
            throw Diagnostic.usage(
                "advise plate needs a plate number", at: arguments.syntax.range, usage: arguments.spec.usage)
        }
        let (_, x) = try plateFeatures(row, pipeline, range: arguments.range(of: \.row))
        let probabilities = pipeline.probabilities(x)
        let predicted = probabilities.argmaxRows()[0]
        let raising = arguments.has(\.target)
        let (wanted, wantedRange) =
            raising
            ? (arguments.target, arguments.range(of: \.target))
            : (arguments.lower, arguments.range(of: \.lower))
        let target = try wanted.map { try classIndex($0, in: pipeline, range: wantedRange) } ?? predicted
        let options = WhatIf.search(
            pipeline, row: x.row(0), frame: frame, actionable: actionable, target: target, lower: !raising,
            limit: arguments.top)
        var output = CommandOutput(command: "advise")
        let className = pipeline.classes[target]
        output.table(
            "options",
            title:
                "Plate \(row): settings that \(raising ? "raise" : "lower") P(\(className)) = \(ValueFormatting.real(probabilities[0, target]))",
            columns: ["rank", "changes", "probability", "change", "predicted"],
            rows: options.enumerated().map { rank, option in
                let changed = Matrix(rows: 1, columns: x.columns, values: WhatIf.changed(x.row(0), option.changes))
                let check = pipeline.probabilities(changed)
                let description = option.changes.keys.sorted().map {
                    "\(pipeline.features[$0]) \(ValueFormatting.real(x[0, $0])) → \(ValueFormatting.real(option.changes[$0]!))"
                }
                .joined(separator: ", ")
                return [
                    .integer(Int64(rank + 1)), .text(description), .real(check[0, target]),
                    .real(check[0, target] - probabilities[0, target]),
                    .text(pipeline.classes[check.argmaxRows()[0]]),
                ]
            })
        output.say(
            "Searched \(actionable.map { pipeline.features[$0] }.joined(separator: ", ")) within the values seen in the frame; each option re-predicted (whatif). These are associations the model learned from past plates, not proven causes: try them, and measure."
        )
        return output
    }

    private func adviseSummary(model: SessionModel, frame: Matrix, actionable: [Int]) throws -> CommandOutput {
        let pipeline = model.pipeline
        let options = explainerOptions(pipeline, frame: frame, permutations: 32)
        let x = frame.selecting(
            rows: ExplanationAnalysis.rows(
                of: frame.rows, limit: 200, method: Explainer.method(for: pipeline),
                seed: UInt64(modeling.settings.seed)))
        let explanation = try shapValues(pipeline, rows: x, options: options).explanation
        let associations = ExplanationAnalysis.associations(explanation, rows: x, features: actionable)
        let table: [[Value]] = associations.map {
            [
                .text(pipeline.features[$0.feature]), .text(pipeline.classes[$0.output]), .real($0.median),
                .real($0.meanLow), .real($0.meanHigh),
            ]
        }
        let sentences = associations.filter(\.isNotable).map {
            String(
                format: "%@ above %@ pushes %@ %@ (mean SHAP %+.3f above vs %+.3f at or below).",
                pipeline.features[$0.feature],
                ValueFormatting.real($0.median), pipeline.classes[$0.output], $0.meanHigh > $0.meanLow ? "up" : "down",
                $0.meanHigh, $0.meanLow)
        }
        var output = CommandOutput(command: "advise")
        output.table(
            "associations", title: "Process settings and defects (\(explanation.method), \(x.rows) plates)",
            columns: ["feature", "class", "median", "mean_shap_low", "mean_shap_high"], rows: table)
        output.say(
            (sentences.isEmpty ? ["No process setting shifts any defect much in this model."] : sentences).joined(
                separator: "\n")
                + "\nThese are associations a model learned from past plates, not proven causes.")
        return output
    }
}
