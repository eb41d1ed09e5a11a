import Engine
import Foundation

extension ModellingCommands {
    static let preprocessingRows: [CommandSpec] = [
        CommandSpec(
            "scale", category: .modeling, summary: "Standardize the features before modelling (mean 0, unit variance).",
            help: """
                Turns standard scaling on (method=standard) or off (method=none) for every later fit, compare and tune. \
                The scaler is fitted on each training part only (inside every cross-validation fold), never on test rows; \
                the table shown is the scaler fitted on the whole frame, for a look. Deviations are population ones, as \
                scikit-learn's StandardScaler.
                """,
            examples: ["scale", "scale method=none"],
            handler: run { try $0.scale($1) }),
        CommandSpec(
            "pca", category: .modeling,
            summary: "Principal components: explained variance, loadings, and PCA before models.",
            help: """
                Fits PCA (LAPACK eigen-decomposition of the covariance) on the frame's features, after scaling when \
                scale is on, and shows each component's explained variance ratio with the cumulative share and a chart. \
                k=N keeps N components; var=V keeps the fewest reaching V (the default is the notebook's). Later fits \
                apply PCA after scaling, fitted on training rows only. 'pca loadings' shows which original columns weigh \
                in each kept component and writes them to artifacts/pca/components.csv; 'pca off' stops using PCA.
                """,
            examples: ["pca var=0.999", "pca k=10", "pca loadings top=3", "pca off"],
            handler: run { try $0.pca($1) }),
        CommandSpec(
            "split", category: .modeling, summary: "Hold out a share of the rows for evaluation.",
            help: """
                Splits the current frame's rows into a training part and a test part (stratified by class unless \
                stratify=false), kept in the session: fit and compare then use the training part, evaluate the test part.
                """,
            examples: ["split test=0.3", "split test=0.2 seed=7"],
            handler: run { try $0.split($1) }),
    ]

    struct ScaleArguments: CommandArguments {
        let method = Parameter<Scaling>(
            "method", .choice(of: Scaling.self), default: .standard, help: "standard, or none to turn scaling off")
    }

    func scale(_ arguments: Arguments<ScaleArguments>) throws -> CommandOutput {
        let on = arguments.method == .standard
        var output = CommandOutput(command: "scale")
        modeling.state.plan.scale = on
        guard on else {
            output.say("Scaling is off; later fits use the features as they are.")
            return output
        }
        let data = try modeling.dataset()
        let fitted = StandardScaler.fit(data.x)
        output.table(
            "scaler", title: "Standard scaling, fitted here on all \(data.rowCount) rows for a look",
            columns: ["feature", "mean", "std"],
            rows: data.features.indices.map { f in
                [.text(data.features[f]), .real(fitted.mean[f]), .real(fitted.scale[f])]
            })
        output.say(
            "Scaling is on: every fit, compare and tune scales with means and deviations of its training rows only.")
        return output
    }

    struct PCAArguments: CommandArguments {
        let action = Positional<PCAAction?>("action", .choice(of: PCAAction.self), help: "loadings, or off")
        let components = Parameter<Int?>("k", .int(min: 1, max: nil), help: "keep exactly this many components")
        let variance = Parameter<Double>(
            "var", .number(min: 0, max: 1, maxInclusive: true), default: ModellingCommands.notebookVariance,
            help: "keep the fewest components reaching this explained variance")
        let top = Parameter<Int>(
            "top", .int(min: 1, max: nil), default: 5, help: "with loadings: columns shown per component")
    }

    func pca(_ arguments: Arguments<PCAArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "pca")
        if arguments.action == .off {
            modeling.state.plan.pca = nil
            output.say("PCA is off; later fits use the \(modeling.state.plan.scale ? "scaled " : "")features directly.")
            return output
        }
        if arguments.has(\.components) && arguments.has(\.variance) {
            throw Diagnostic.usage(
                "give k= or var=, not both", at: arguments.range(of: \.variance), usage: arguments.spec.usage)
        }
        let parameters: PCA.Parameters =
            arguments.components.map { .components($0) } ?? .variance(arguments.variance)
        let data = try modeling.dataset()
        let scaler = modeling.state.plan.scale ? StandardScaler.fit(data.x) : nil
        let fitted: PCA.Fitted
        do { fitted = try PCA.fit(scaler?.transform(data.x) ?? data.x, parameters) } catch let error as EngineError {
            throw Diagnostic(
                error,
                range: arguments.has(\.components)
                    ? arguments.range(of: \.components) : arguments.range(of: \.variance))
        }
        modeling.state.plan.pca = parameters
        modeling.state.lastPCA = LastPCA(
            fitted: fitted, features: data.features, scaler: scaler, parameters: parameters)
        if arguments.action == .loadings {
            return try loadings(fitted, features: data.features, top: arguments.top)
        }
        var cumulative = 0.0
        let rows: [[Value]] = fitted.explainedVarianceRatio.enumerated().map { index, ratio in
            cumulative += ratio
            return [
                .integer(Int64(index + 1)), .real(ratio), .real(cumulative),
                .text(index < fitted.keptComponents ? "yes" : ""),
            ]
        }
        output.table(
            "variance",
            title:
                "Explained variance (\(modeling.state.plan.scale ? "scaled" : "unscaled") features, \(data.rowCount) rows)",
            columns: ["component", "variance_ratio", "cumulative", "kept"], rows: rows)
        var running = 0.0
        output.blocks.append(
            .chart(
                .bars(
                    name: "variance", title: nil,
                    labels: fitted.explainedVarianceRatio.indices.map { "pc\($0 + 1)" },
                    values: fitted.explainedVarianceRatio,
                    notes: fitted.explainedVarianceRatio.map { ratio in
                        running += ratio
                        return "\(ValueFormatting.real((running * 1000).rounded() / 10))%"
                    })))
        var message =
            "PCA (\(parameters)) keeps \(fitted.keptComponents) of \(data.features.count) components; later fits apply it after \(modeling.state.plan.scale ? "scaling" : "no scaling"), fitted on training rows only."
        if !modeling.state.plan.scale {
            message += " The features are unscaled, so the largest-valued columns dominate: run scale first."
        }
        output.say(message)
        modeling.tracking.lastPCARun = modeling.tracking.recordRun("pca", context: arguments.context, on: &output) {
            run in
            try modeling.logPCA(modeling.state.lastPCA!, data: data, into: run)
        }
        return output
    }

    private func loadings(_ fitted: PCA.Fitted, features: [String], top: Int) throws -> CommandOutput {
        var output = CommandOutput(command: "pca")
        var rows: [[Value]] = []
        for component in 0..<fitted.keptComponents {
            let weights = (0..<features.count).map { fitted.components[component, $0] }
            let order = weights.indices.sorted { abs(weights[$0]) > abs(weights[$1]) }.prefix(top)
            for (rank, f) in order.enumerated() {
                rows.append([
                    .text("pc\(component + 1)"), .integer(Int64(rank + 1)), .text(features[f]), .real(weights[f]),
                ])
            }
        }
        output.table(
            "loadings", title: "Largest loadings of each kept component",
            columns: ["component", "rank", "feature", "loading"], rows: rows)
        let path = modeling.workspace.layout.artifactsDirectory + "/pca/components.csv"
        try CSVWriter.write(try ModelingContext.componentsTable(fitted, features: features), to: path)
        output.say("All loadings (features × components): \(path)")
        return output
    }

    struct SplitArguments: CommandArguments {
        let test = Parameter<Double>(
            "test", .number(min: 0, max: 1, maxInclusive: false), default: 0.3, help: "share of rows held out")
        let stratify = Parameter<Bool>("stratify", .bool, default: true, help: "keep each class's share in both parts")
        let seed = Parameter<Int?>("seed", .int(min: 0, max: nil), help: "seed of the split (default: the session's)")
    }

    func split(_ arguments: Arguments<SplitArguments>) throws -> CommandOutput {
        let data = try modeling.dataset()
        let seed = arguments.seed ?? modeling.settings.seed
        let fraction = arguments.test
        let split = Folds.holdout(
            data.y, classCount: data.classes.count, testFraction: fraction,
            stratify: arguments.stratify, seed: UInt64(seed))
        guard !split.train.isEmpty, !split.test.isEmpty else {
            throw Diagnostic.usage(
                "test=\(ValueFormatting.real(fraction)) leaves one part empty with \(data.rowCount) rows",
                at: arguments.range(of: \.test), usage: arguments.spec.usage)
        }
        modeling.state.holdout = Holdout(
            split: split, sourceRows: try modeling.frames.currentSourceRows(), testFraction: fraction,
            stratified: arguments.stratify, seed: seed)
        var output = CommandOutput(command: "split")
        output.table(
            "split", title: "Holdout split (seed \(seed))", columns: ["class", "train", "test"],
            rows: data.classes.indices.map { k in
                [
                    .text(data.classes[k]), .integer(Int64(split.train.filter { data.y[$0] == k }.count)),
                    .integer(Int64(split.test.filter { data.y[$0] == k }.count)),
                ]
            } + [[.text("all"), .integer(Int64(split.train.count)), .integer(Int64(split.test.count))]])
        output.say(
            "fit and compare now use the \(split.train.count) training rows; evaluate uses the \(split.test.count) test rows."
        )
        return output
    }

}
