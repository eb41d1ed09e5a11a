import Engine
import Foundation

/// The tracking commands: autolog, experiments, grouping commands into a run, the runs and
/// their artifacts, and where runs go (`tracking`). They touch the tracking state only: the
/// tracker, the experiment chosen, and the source of the running command.
struct TrackingCommands: CommandGroup {
    let tracking: TrackingState

    init(session: Session) { tracking = session.tracking }

    /// `run start|end|show`.
    enum RunAction: String, ArgumentChoice { case start, end, show }
    /// How `run end` ends the run.
    enum RunEnding: String, ArgumentChoice {
        case finished, failed, killed
        var status: RunStatus {
            switch self {
            case .finished: .finished
            case .failed: .failed
            case .killed: .killed
            }
        }
    }
    /// `tracking status|flush`.
    enum ServerAction: String, ArgumentChoice { case status, flush }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "autolog", category: .tracking, summary: "Turn run tracking on or off (on by default).",
            help: """
                With autolog on, pca, fit, tune and compare each record a run in the workspace's catalog (and on the \
                tracking server, if one is set): params, metrics, tags, the dataset, artifacts and the model. evaluate and \
                shap summary add their results to the run of the model they look at.
                """,
            examples: ["autolog off", "autolog"],
            handler: run { try $0.autolog($1) }),
        CommandSpec(
            "experiment", category: .tracking, summary: "Choose the experiment runs go to, or list them.",
            help:
                "Selects (creating it if needed) the experiment later runs go to. Without a name: every experiment with its run count. The default is the running script's name, or plateshell at the console.",
            examples: ["experiment fsp-faults", "experiment"],
            handler: run { try $0.experiment($1) }),
        CommandSpec(
            "run", category: .tracking, summary: "Group commands into one run (start, end), or show a run.",
            help: """
                'run start name=NAME' opens a run that later pca, fit and tune log into (compare nests its runs under it), \
                until 'run end'. 'run show ID' shows a run: its params, latest metrics, tags, dataset and artifacts \
                (an id prefix is enough).
                """,
            usage: "run start [name=<name>] | run end [status=finished|failed|killed] | run show <run id>",
            examples: ["run start name=notebook-3", "run end", "run show 3f2a1b9c"],
            handler: run { try $0.runCommand($1) }),
        CommandSpec(
            "runs", category: .tracking, summary: "List the tracked runs, best first by a metric.",
            help:
                "Lists the runs (newest first, or best first by sort=METRIC; lowest first for log_loss), with their status, duration and that metric.",
            examples: ["runs", "runs sort=accuracy top=5", "runs experiment=02-model-testing"],
            handler: run { try $0.listRuns($1) }),
        CommandSpec(
            "artifacts", category: .tracking, summary: "List the files a run logged.",
            help: "Lists a run's artifact files with their sizes, and the folder that holds them.",
            examples: ["artifacts 3f2a1b9c"],
            handler: run { try $0.listArtifacts($1) }),
        CommandSpec(
            "tracking", category: .tracking,
            summary:
                "Show where runs go; make an MLflow tracking server the registry of record; see or flush its queue.",
            help: """
                Runs are always recorded in the workspace's catalog (catalog.sqlite and artifacts/runs/). uri=http://HOST:PORT \
                (or $MLFLOW_TRACKING_URI at start) makes that MLflow tracking server, or Databricks, the registry of \
                record: registry commands, models:/ URIs and version numbers use it, and every later run reaches it through \
                a queue kept in the catalog (the outbox), sent in the background: no command waits for the server, and a \
                server that is down loses nothing. 'tracking status' probes the server, then shows whether it answers, the \
                queue, the last error and the items the server refused; 'tracking flush' waits until the queue is sent (at most timeout= seconds). uri=off goes back to the \
                workspace catalog alone. Credentials come from MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and \
                MLFLOW_TRACKING_PASSWORD, as for MLflow's own client.
                """,
            usage: "tracking [status | flush [timeout=<int>]] [uri=<url|off>]",
            examples: [
                "tracking", "tracking uri=http://127.0.0.1:5000", "tracking status", "tracking flush timeout=120",
                "tracking uri=off",
            ],
            handler: run { try $0.trackingCommand($1) }),
    ]

    struct AutologArguments: CommandArguments {
        let enabled = Positional<Bool?>("enabled", .bool, help: "on or off")
    }

    func autolog(_ arguments: Arguments<AutologArguments>) throws -> CommandOutput {
        if let enabled = arguments.enabled { tracking.autolog = enabled }
        var output = CommandOutput(command: "autolog")
        output.say(
            tracking.autolog
                ? "Autolog is on: pca, fit, tune and compare record runs in experiment '\(tracking.experimentName(for: arguments.context))'."
                : "Autolog is off: commands record nothing (register still logs the model it registers).")
        return output
    }

    struct ExperimentArguments: CommandArguments {
        let name = Positional<String?>("name", .text("name"), help: "the experiment")
    }

    func experiment(_ arguments: Arguments<ExperimentArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "experiment")
        let tracker = try tracking.tracker()
        if let name = arguments.name {
            let experiment = try arguments.at(\.name) { try tracker.catalog.experiment(named: name) }
            tracking.experiment = name
            output.say("Runs now go to experiment '\(name)' (id \(experiment.id)).")
            return output
        }
        let reader = tracker.runReader()
        let runs = try reader.runs(experimentId: nil)
        output.table(
            "experiments",
            title:
                "Experiments\(reader is Catalog ? "" : " on " + reader.location) (current: \(tracking.experimentName(for: arguments.context)))",
            columns: ["id", "name", "runs", "created"],
            rows: try reader.experiments().map { experiment in
                [
                    .text(experiment.id), .text(experiment.name),
                    .integer(Int64(runs.filter { $0.experimentId == experiment.id }.count)),
                    .text(ValueFormatting.time(experiment.creationTime)),
                ]
            })
        return output
    }

    struct RunCommandArguments: CommandArguments {
        let action = Positional<RunAction>("action", .choice(of: RunAction.self), help: "start, end or show")
        let id = Positional<String?>("id", .text("run id"), help: "the run to show (a unique prefix, or latest)")
        let name = Parameter<String?>("name", .text("name"), help: "the run's name (start)")
        let status = Parameter<RunEnding>(
            "status", .choice(of: RunEnding.self), default: .finished, help: "how the run ended (end)")
    }

    func runCommand(_ arguments: Arguments<RunCommandArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "run")
        let tracker = try tracking.tracker()
        switch arguments.action {
        case .start:
            tracker.experimentName = tracking.experimentName(for: arguments.context)
            let id = try tracker.openGroupRun(
                name: arguments.name ?? "session", tags: tracking.sourceTags(for: arguments.context))
            output.say(
                "Run \(id.prefix(8)) is open in experiment '\(tracker.experimentName)': later pca, fit and tune log into it until 'run end'."
            )
        case .end:
            let status = arguments.status.status
            let id = try tracker.closeGroupRun(status: status)
            output.say("Run \(id.prefix(8)) ended (\(status.rawValue)).")
        case .show:
            guard let id = arguments.id else {
                throw Diagnostic.usage(
                    "run show needs a run id", at: arguments.syntax.range, usage: arguments.spec.usage,
                    hint: "'runs' lists them")
            }
            let reader = tracker.runReader()
            return try showRun(try arguments.at(\.id) { try reader.run(id) }, reader: reader)
        }
        return output
    }

    private func showRun(_ run: RunRecord, reader: RunReader) throws -> CommandOutput {
        var output = CommandOutput(command: "run")
        let tags = try reader.tags(of: run.id)
        let experiment = try reader.experiments().first { $0.id == run.experimentId }
        output.blocks.append(
            .fields(
                name: "run",
                [
                    Field("run_id", .text(run.id)), Field("name", .text(run.name)),
                    Field("experiment", .text(experiment?.name ?? run.experimentId)),
                    Field("status", .text(run.status.rawValue)),
                    Field("started", .text(ValueFormatting.time(run.startTime))),
                    Field("seconds", run.endTime.map { .real(Double($0 - run.startTime) / 1000) } ?? .missing),
                    Field("user", .text(run.user)),
                    Field("parent", tags["mlflow.parentRunId"].map(Value.text) ?? .missing),
                    Field(
                        "source",
                        .text(
                            [tags["mlflow.source.name"], tags["plateshell.source.line"]].compactMap { $0 }.joined(
                                separator: ":"))),
                    Field("artifacts", .text(try reader.artifactLocation(of: run.id))),
                ]))
        let params = try reader.params(of: run.id)
        output.table(
            "params", title: "Params", columns: ["key", "value"],
            rows: params.keys.sorted().map { [.text($0), .text(params[$0]!)] })
        let history = try reader.metrics(of: run.id)
        let latest = try reader.latestMetrics(of: run.id)
        output.table(
            "metrics", title: "Metrics (latest value; steps logged)", columns: ["key", "value", "steps"],
            rows: latest.keys.sorted().map { key in
                [.text(key), .real(latest[key]!), .integer(Int64(history.filter { $0.key == key }.count))]
            })
        output.table(
            "tags", title: "Tags", columns: ["key", "value"],
            rows: tags.keys.sorted().map { [.text($0), .text(tags[$0]!)] })
        output.table(
            "inputs", title: "Datasets", columns: ["name", "digest", "context", "profile"],
            rows: try reader.inputs(of: run.id).map {
                [.text($0.name), .text($0.digest), .text($0.context), .text($0.profile)]
            })
        return output
    }

    struct ListRunsArguments: CommandArguments {
        let experiment = Parameter<String?>("experiment", .text("name"), help: "only this experiment's runs")
        let sort = Parameter<String?>("sort", .text("metric"), help: "rank by this metric's latest value")
        let top = Parameter<Int>("top", .int(min: 1, max: nil), default: 20, help: "runs shown")
    }

    func listRuns(_ arguments: Arguments<ListRunsArguments>) throws -> CommandOutput {
        let reader = try tracking.tracker().runReader()
        let experiments = try reader.experiments()
        var experimentId: String?
        if let name = arguments.experiment {
            guard let match = experiments.first(where: { $0.name == name }) else {
                throw Diagnostic(
                    EngineError(
                        .unknownValue, "no experiment named '\(name)'", hint: "'experiment' lists them",
                        suggestions: Suggestions.closest(to: name, among: experiments.map(\.name))),
                    range: arguments.range(of: \.experiment))
            }
            experimentId = match.id
        }
        var runs = try reader.runs(experimentId: experimentId)
        let metric = arguments.sort
        var values: [String: Double] = [:]
        if let metric {
            for run in runs { if let value = try reader.latestMetrics(of: run.id)[metric] { values[run.id] = value } }
            if values.isEmpty {
                throw Diagnostic(
                    EngineError(
                        .unknownValue, "no run logged a metric '\(metric)'",
                        hint: "for example sort=accuracy (compare and tune) or sort=test_accuracy (fit after split)"),
                    range: arguments.range(of: \.sort))
            }
            let lowerIsBetter = metric.hasSuffix("log_loss")
            runs = runs.filter { values[$0.id] != nil }.sorted { a, b in
                lowerIsBetter ? values[a.id]! < values[b.id]! : values[a.id]! > values[b.id]!
            }
        }
        let names = Dictionary(uniqueKeysWithValues: experiments.map { ($0.id, $0.name) })
        let shown = runs.prefix(arguments.top)
        var output = CommandOutput(command: "runs")
        output.table(
            "runs", title: "Runs\(metric.map { ", best \($0) first" } ?? ", newest first")",
            columns: ["run", "name", "experiment", "status", "started", "seconds", "parent"]
                + (metric.map { [$0] } ?? []),
            rows: try shown.map { run -> [Value] in
                let parent = try reader.tags(of: run.id)["mlflow.parentRunId"]
                let seconds: Value = run.endTime.map { .real(Double($0 - run.startTime) / 1000) } ?? .missing
                var row: [Value] = [
                    .text(String(run.id.prefix(8))), .text(run.name),
                    .text(names[run.experimentId] ?? run.experimentId), .text(run.status.rawValue),
                    .text(ValueFormatting.time(run.startTime)), seconds,
                    parent.map { .text(String($0.prefix(8))) } ?? .missing,
                ]
                if metric != nil { row.append(values[run.id].map(Value.real) ?? .missing) }
                return row
            }, totalRows: runs.count)
        if runs.isEmpty { output.say("No runs yet: pca, fit, tune and compare record them while autolog is on.") }
        return output
    }

    struct ListArtifactsArguments: CommandArguments {
        let runId = Positional<String>("id", .text("run id"), help: "the run (a unique prefix, or latest)")
    }

    func listArtifacts(_ arguments: Arguments<ListArtifactsArguments>) throws -> CommandOutput {
        let reader = try tracking.tracker().runReader()
        let run = try arguments.at(\.runId) { try reader.run(arguments.runId) }
        var output = CommandOutput(command: "artifacts")
        let files = try reader.artifacts(of: run.id)
        output.table(
            "artifacts",
            title: "Artifacts of run \(run.id.prefix(8)) (\(run.name)) in \(try reader.artifactLocation(of: run.id))",
            columns: ["path", "bytes"], rows: files.map { [.text($0.path), .integer(Int64($0.size))] })
        if files.isEmpty { output.say("Run \(run.id.prefix(8)) logged no artifacts.") }
        return output
    }

}
