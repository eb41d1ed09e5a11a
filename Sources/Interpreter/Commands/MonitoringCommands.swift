import Engine
import Foundation

/// The monitoring command: `monitor` compares rows a model scores in production (new plates, an
/// inference table) with the rows it was trained on, feature by feature, and records the report
/// as a run. It touches the tracking state (the registry, the model's run, the report's run),
/// the store and the frame through the modelling context, and the session's settings.
struct MonitoringCommands: CommandGroup {
    let modeling: ModelingContext
    let tracking: TrackingState
    let settings: Session.Settings

    init(session: Session) {
        modeling = ModelingContext(session: session)
        tracking = session.tracking
        settings = session.settings
    }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "monitor", category: .deployment,
            summary: "Compare new rows with a model's training data, feature by feature: PSI, KS test, drift.",
            help: """
                Compares the rows of on=TABLE (a stored table, a CSV file, or the frame without on=) with the rows \
                MODEL_URI was trained on: the table version its run recorded as its training dataset, read again, with \
                the model's preparation steps (label, keep) replayed — or with baseline=TABLE as it is. For each feature \
                the model reads (or those in columns=): the population stability index on the baseline's 10 quantile \
                bins (an empty bin counts as a share of 1e-4), the two-sample Kolmogorov–Smirnov statistic and p-value \
                (as scipy.stats.ks_2samp: exact up to 10,000 rows a side, asymptotic beyond), the share of values \
                outside the baseline's range, the share missing, and drifted when PSI > psi= or the p-value < pvalue=. \
                Also the shift in the predicted classes' shares between the two. Draws the PSI of every feature and \
                the most drifted features' shares per bin, and records a run with the metrics, the tables as CSV and \
                an HTML report. With fail_on_drift=true (or 'plateshell --fail-on-drift'), a drifted feature makes \
                the command fail after its report: a script stops and 'plateshell -c' exits with status 1. On an \
                inference log (a table with a 'time' column, as 'serve … log=TABLE' writes), since= and until= keep the \
                rows of a time range, and window=1d (s, m, h, d, w) cuts them into UTC-aligned windows: each window is \
                compared with the baseline (the windows table and chart: rows, drifted features, largest PSI), and the \
                report is the latest window's. See docs/MONITORING.md.
                """,
            examples: [
                "monitor models:/et-fsp-model/Production on=fsp.week",
                "monitor models:/et-fsp-model@champion on=data/new-plates.csv psi=0.1 pvalue=0.001",
                "monitor models:/et-fsp-model/Production on=fsp.week baseline=fsp.top3 columns=Steel_Plate_Thickness",
                "monitor models:/et-fsp-model/Production on=fsp.inference window=1d since=2026-12-01",
            ],
            handler: run { try $0.monitor($1) })
    ]

    // MARK: - monitor

    struct MonitorArguments: CommandArguments {
        let uri = Positional<String>(
            "model-uri", .text("model-uri"),
            help: "the model: models:/NAME/Production, models:/NAME@ALIAS, runs:/ID/model")
        let on = Parameter<String?>(
            "on", .table, help: "the rows to check: a stored table or a CSV file (default: the frame)")
        let baseline = Parameter<String>(
            "baseline", .text("training|table"), default: "training",
            help: "what to compare with: the model's training rows, or a stored table")
        let columns = Parameter<[String]?>(
            "columns", .columns, help: "the features to compare (default: every feature the model reads)")
        let psi = Parameter<Double>(
            "psi", .number(min: 0, max: 100, maxInclusive: true), default: 0.2,
            help: "a feature drifted when its PSI is above this")
        let pvalue = Parameter<Double>(
            "pvalue", .number(min: 0, max: 1, maxInclusive: true), default: 0.01,
            help: "a feature drifted when its KS p-value is below this")
        let failOnDrift = Parameter<Bool?>(
            "fail_on_drift", .bool,
            help: "fail after the report when a feature drifted (default: the --fail-on-drift option)")
        let window = Parameter<String?>(
            "window", .text("length"),
            help: "compare each window of this length (30m, 6h, 1d, 1w) of an inference log; report the latest")
        let since = Parameter<String?>(
            "since", .text("time"), help: "keep the rows at or after this time (ISO 8601, UTC), e.g. 2026-12-01")
        let until = Parameter<String?>("until", .text("time"), help: "keep the rows before this time (ISO 8601, UTC)")
    }

    func monitor(_ arguments: Arguments<MonitorArguments>) throws -> CommandOutput {
        let uri = arguments.uri
        let source = try arguments.at(\.uri) {
            try ModelSource(uri: uri, workspace: modeling.workspace.root, server: try tracking.trackingServer())
        }
        let served = source.model
        let pipeline: FittedPipeline? = if case .classifier(let p) = served.model { p } else { nil }
        let features = try chosenFeatures(arguments, modelFeatures: served.inputs.map(\.name))
        var output = CommandOutput(command: "monitor")
        if let notice = source.notice { output.say(notice + ".") }

        let (read, readName, currentVersion) = try modeling.predictionInput(
            on: arguments.on, range: arguments.range(of: \.on))
        let baseline: (table: Table, name: String, version: TableVersion?, runId: String?)
        if arguments.baseline.lowercased() == "training" {
            guard let pipeline else {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument, "\(served.label) is a transform, which keeps no preparation steps",
                        hint: "give the rows to compare with: baseline=TABLE"), range: arguments.range(of: \.uri))
            }
            let training = try arguments.at(\.uri) {
                try modeling.trainingBaseline(of: served, uri: uri, pipeline: pipeline)
            }
            if let notice = training.notice { output.say("Note: \(notice).") }
            baseline = (training.table, training.description, training.version, training.runId)
        } else {
            let read = try modeling.predictionInput(
                on: arguments.baseline, range: arguments.range(of: \.baseline))
            baseline = (read.table, read.source, read.stored, nil)
        }

        let thresholds = DriftThresholds(psi: arguments.psi, pValue: arguments.pvalue)
        let windows = try timeWindows(arguments, of: read, named: readName)
        // Each window's rows (or all the rows read), compared once; the report is the latest's.
        let parts = windows?.map { read.selecting(rows: $0.rows) } ?? [read]
        let drifts: [[FeatureDrift]]
        do {
            drifts = try parts.map {
                try DriftAnalysis.compare(
                    baseline: baseline.table, current: $0, features: features, thresholds: thresholds)
            }
        } catch let error as EngineError {
            throw Diagnostic(
                error, range: arguments.has(\.on) ? arguments.range(of: \.on) : arguments.syntax.range)
        }
        var windowSummary: Table?
        var windowFigure: Figure?
        if let windows, arguments.has(\.window) {
            let largest = drifts.map { $0.max { $0.psi < $1.psi } }
            let summary = try Self.windowTable(windows, drifts: drifts, largest: largest)
            output.table("windows", title: "Drift of \(readName) per window", summary)
            let figure = Charts.driftPSI(
                features: windows.map { TimeWindows.format($0.start) }, psi: largest.map { $0?.psi ?? 0 },
                drifted: drifts.map { $0.contains(where: \.drifted) }, threshold: thresholds.psi,
                title: "Largest PSI of \(readName) per window")
            output.blocks.append(try modeling.workspace.drawChart(figure, name: "windows", file: "monitor-windows"))
            (windowSummary, windowFigure) = (summary, figure)
        }
        let current = parts[parts.count - 1]
        let drift = drifts[drifts.count - 1]
        let currentName =
            windows?.last.map { "\(readName) [\(TimeWindows.format($0.start)), \(TimeWindows.format($0.end)))" }
            ?? readName
        var shift: PredictionShift?
        if let pipeline {
            do { shift = try Self.predictionShift(pipeline, baseline: baseline.table, current: current) } catch {
                output.say(
                    "Note: no prediction shift: the model could not score both sets of rows (\(reported(error))).")
            }
        }

        let drifted = drift.filter(\.drifted)
        output.say(
            "Compared \(current.rowCount) row\(current.rowCount == 1 ? "" : "s") of \(currentName) with \(baseline.table.rowCount) of \(baseline.name) (\(served.label)): "
                + (drifted.isEmpty
                    ? "no feature drifted"
                    : "\(drifted.count) of \(drift.count) features drifted (\(drifted.map(\.feature).joined(separator: ", ")))")
                + String(format: " (PSI > %g or KS p < %g).", thresholds.psi, thresholds.pValue))
        let ordered = drift.sorted { ($0.psi, $1.feature) > ($1.psi, $0.feature) }
        output.table("drift", title: "Drift of \(currentName) against \(baseline.name)", try Self.driftTable(ordered))
        if let shift {
            output.table(
                "prediction_shift", title: "Predicted classes (PSI \(String(format: "%.4f", shift.psi)))",
                try Self.shiftTable(shift))
        }
        let figure = Charts.driftPSI(
            features: ordered.map(\.feature), psi: ordered.map(\.psi), drifted: ordered.map(\.drifted),
            threshold: thresholds.psi, title: "PSI of \(currentName) against the baseline")
        output.blocks.append(try modeling.workspace.drawChart(figure, name: "psi", file: "monitor-psi"))
        let distributions = Self.distributionsChart(ordered.filter(\.drifted), of: currentName)
        if let distributions {
            output.blocks.append(
                try modeling.workspace.drawChart(distributions, name: "distributions", file: "monitor-distributions"))
        }

        let report = MonitorReport.page(output, title: "Drift report: \(currentName) against \(served.label)")
        tracking.recordRun("monitor \(served.label)", context: arguments.context, on: &output) { run in
            var params = [
                "model_uri": uri, "input": currentName, "baseline": baseline.name, "rows": String(current.rowCount),
                "baseline_rows": String(baseline.table.rowCount), "psi_threshold": String(thresholds.psi),
                "pvalue_threshold": String(thresholds.pValue), "psi_bins": String(PopulationStability.binCount),
                "psi_empty_share": String(PopulationStability.emptyShare),
            ]
            if let name = served.name, let version = served.version {
                params["model_name"] = name
                params["model_version"] = String(version)
            }
            if let runId = baseline.runId { params["model_run_id"] = runId }
            for path in [\MonitorArguments.window, \.since, \.until] {
                if let value = arguments[dynamicMember: path] { params[arguments.spelling(of: path)] = value }
            }
            try run.params(params)
            var metrics: [String: Double] = [
                "drifted_features": Double(drifted.count), "max_psi": ordered.first?.psi ?? 0,
            ]
            for feature in drift {
                let key = Self.metricName(feature.feature)
                metrics["psi_" + key] = feature.psi
                metrics["ks_" + key] = feature.ks.statistic
                metrics["ks_pvalue_" + key] = feature.ks.pValue
                metrics["out_of_range_" + key] = feature.outOfRange
            }
            if let shift { metrics["prediction_psi"] = shift.psi }
            try run.metrics(metrics)
            if let currentVersion {
                try run.dataset(modeling.frames.datasetInput(of: currentVersion, table: current, context: "monitoring"))
            }
            if let version = baseline.version {
                try run.dataset(modeling.frames.datasetInput(of: version, table: baseline.table, context: "baseline"))
            }
            run.csv("monitor/drift.csv", try Self.driftTable(ordered))
            run.csv("monitor/bins.csv", try Self.binsTable(drift))
            if let shift { run.csv("monitor/prediction_shift.csv", try Self.shiftTable(shift)) }
            let png = try figure.pngData()
            run.artifact("monitor/psi.png", png)
            if let distributions { run.png("monitor/distributions.png", distributions) }
            run.artifact("monitor/report.html", Data(report.utf8))
            if let windowSummary { run.csv("monitor/windows.csv", windowSummary) }
            if let windowFigure { run.png("monitor/windows.png", windowFigure) }
        }
        if !drifted.isEmpty, arguments.failOnDrift ?? settings.failOnDrift {
            throw FailedCheck(
                output: output,
                diagnostic: Diagnostic(
                    EngineError(
                        .invalidData,
                        "drift: \(drifted.count) feature\(drifted.count == 1 ? "" : "s") of \(currentName) drifted from \(served.label)'s baseline (\(drifted.map(\.feature).joined(separator: ", ")))",
                        hint: "fail_on_drift=false reports drift without failing"),
                    range: arguments.syntax.range))
        }
        return output
    }

    /// The time windows of `table`'s rows that since=, until= and window= ask for (nil without
    /// them): one window for a range alone.
    private func timeWindows(_ arguments: Arguments<MonitorArguments>, of table: Table, named name: String) throws
        -> [TimeWindow]?
    {
        guard arguments.has(\.window) || arguments.has(\.since) || arguments.has(\.until) else { return nil }
        let since = try arguments.since.map { text in try arguments.at(\.since) { try TimeWindows.time(text) }
        }
        let until = try arguments.until.map { text in try arguments.at(\.until) { try TimeWindows.time(text) }
        }
        let length = try arguments.window.map { text in
            try arguments.at(\.window) { try TimeWindows.duration(text) }
        }
        let times = try arguments.at(\.on) { try TimeWindows.times(of: table, named: name) }
        let windows = TimeWindows.split(times: times, since: since, until: until, length: length)
        guard !windows.isEmpty else {
            let range = [
                since.map { "from \(TimeWindows.format($0))" }, until.map { "before \(TimeWindows.format($0))" },
            ]
            .compactMap { $0 }.joined(separator: " ")
            let held =
                times.isEmpty
                ? "it has no rows"
                : "its rows run from \(TimeWindows.format(times.min()!)) to \(TimeWindows.format(times.max()!))"
            throw Diagnostic(
                EngineError(
                    .invalidArgument, "\(name) has no rows \(range)", hint: "\(held); widen since= or until="),
                range: arguments.has(\.since) ? arguments.range(of: \.since) : arguments.range(of: \.until))
        }
        return windows
    }

    /// The windows table: each window's bounds, rows, drifted features, largest PSI and the
    /// feature with it (`drifts` and `largest` are the windows' comparisons and their largest PSI).
    static func windowTable(_ windows: [TimeWindow], drifts: [[FeatureDrift]], largest: [FeatureDrift?]) throws
        -> Table
    {
        try Table(columns: [
            Column(name: "window_start", storage: .text(windows.map { TimeWindows.format($0.start) })),
            Column(name: "window_end", storage: .text(windows.map { TimeWindows.format($0.end) })),
            Column(name: "rows", storage: .integer(windows.map { Int64($0.rows.count) })),
            Column(name: "drifted_features", storage: .integer(drifts.map { Int64($0.filter(\.drifted).count) })),
            Column(name: "max_psi", storage: .real(largest.map { $0?.psi ?? 0 })),
            Column(name: "max_psi_feature", storage: .text(largest.map { $0?.feature ?? "" })),
        ])
    }

    /// The most drifted features' (up to three) shares per bin on each side, nil when none drifted.
    static func distributionsChart(_ drifted: [FeatureDrift], of name: String) -> Figure? {
        guard !drifted.isEmpty else { return nil }
        return Charts.driftDistributions(
            drifted.prefix(3).map { ($0.feature, $0.bins.cuts, $0.baselineShares, $0.currentShares) },
            title: "Drifted features of \(name): shares per training decile bin")
    }

    /// The features to compare: every one the model reads, or those of columns= (each checked).
    private func chosenFeatures(_ arguments: Arguments<MonitorArguments>, modelFeatures: [String]) throws -> [String] {
        guard let chosen = arguments.columns else { return modelFeatures }
        for name in chosen where !modelFeatures.contains(name) {
            throw Diagnostic.usage(
                "'\(name)' is not a feature of the model", at: arguments.range(of: \.columns),
                suggestions: Suggestions.closest(to: name, among: modelFeatures),
                hint: "the model reads \(modelFeatures.count) columns: \(modelFeatures.joined(separator: ", "))")
        }
        return chosen
    }

    /// The predicted classes of each side's complete rows (rows with a feature missing left out).
    static func predictionShift(_ pipeline: FittedPipeline, baseline: Table, current: Table) throws -> PredictionShift {
        func labels(_ table: Table) throws -> [String] {
            let columns = try pipeline.features.map { try table.column(named: $0) }
            let complete = (0..<table.rowCount).filter { r in columns.allSatisfy { $0.double(at: r) != nil } }
            let x = try table.selecting(rows: complete).matrix(of: pipeline.features)
            return pipeline.probabilities(x).argmaxRows().map { pipeline.classes[$0] }
        }
        return PredictionShift(baseline: try labels(baseline), current: try labels(current), classes: pipeline.classes)
    }

    /// The drift table: one row per feature.
    static func driftTable(_ drift: [FeatureDrift]) throws -> Table {
        try Table(columns: [
            Column(name: "feature", storage: .text(drift.map(\.feature))),
            Column(name: "psi", storage: .real(drift.map(\.psi))),
            Column(name: "ks", storage: .real(drift.map(\.ks.statistic))),
            Column(name: "ks_pvalue", storage: .real(drift.map(\.ks.pValue))),
            Column(name: "out_of_range", storage: .real(drift.map(\.outOfRange))),
            Column(name: "missing", storage: .real(drift.map(\.missing))),
            Column(name: "drifted", storage: .text(drift.map { $0.drifted ? "yes" : "no" })),
        ])
    }

    /// Every feature's bins: the upper cut point (none for the last) and each side's share.
    static func binsTable(_ drift: [FeatureDrift]) throws -> Table {
        var features: [String] = []
        var bins: [Int64] = []
        var uppers: [Double] = []
        var base: [Double] = []
        var now: [Double] = []
        var missing: [Bool] = []
        for feature in drift {
            for bin in feature.baselineShares.indices {
                features.append(feature.feature)
                bins.append(Int64(bin))
                uppers.append(bin < feature.bins.cuts.count ? feature.bins.cuts[bin] : 0)
                missing.append(bin >= feature.bins.cuts.count)
                base.append(feature.baselineShares[bin])
                now.append(feature.currentShares[bin])
            }
        }
        return try Table(columns: [
            Column(name: "feature", storage: .text(features)), Column(name: "bin", storage: .integer(bins)),
            Column(name: "upper", storage: .real(uppers), missing: missing),
            Column(name: "baseline_share", storage: .real(base)), Column(name: "current_share", storage: .real(now)),
        ])
    }

    /// The predicted classes' shares on each side.
    static func shiftTable(_ shift: PredictionShift) throws -> Table {
        try Table(columns: [
            Column(name: "class", storage: .text(shift.classes)),
            Column(name: "baseline_share", storage: .real(shift.baselineShares)),
            Column(name: "current_share", storage: .real(shift.currentShares)),
            Column(name: "change", storage: .real(zip(shift.currentShares, shift.baselineShares).map { $0 - $1 })),
        ])
    }

    /// A feature's name as a metric key: characters MLflow refuses become `_`.
    static func metricName(_ feature: String) -> String {
        String(feature.map { $0.isLetter || $0.isNumber || "_-./ ".contains($0) ? $0 : "_" })
    }
}
