import Engine
import Foundation

/// The registry commands: register, describe, list versions, move stages and aliases, trace
/// lineage. They touch the tracking state (the registry of record is its tracker's), the
/// modelling state (to log a session model or the last PCA that autolog did not record), and the
/// scoring server (refreshed after a promotion).
struct RegistryCommands: CommandGroup {
    let tracking: TrackingState
    let modeling: ModelingContext
    let deployment: DeploymentState

    init(session: Session) {
        tracking = session.tracking
        modeling = ModelingContext(session: session)
        deployment = session.deployment
    }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "register", category: .registry, summary: "Register a model as the next version of a registered model.",
            help: """
                Registers the model a run logged (run=ID), a fitted model of the session (MODEL, default the last one \
                fitted), or the last PCA transform (pca), as the next version of NAME, creating NAME if needed. The version \
                keeps its lineage: the run, the dataset and the source script and line. description= describes the \
                version (and the model, if it has no description yet); tags=key:value,... tags it. With a tracking \
                server that cannot take it now (down or busy), the registration is queued after the run's items and \
                numbered by the server when it arrives; later stage and alias commands of NAME wait behind it \
                ('tracking status' shows the queue).
                """,
            examples: [
                "register et_tuned as et-fsp-model description=\"Extra trees on PCA components\"",
                "register pca as pca-fsp-model",
                "register run=3f2a1b9c as et-fsp-model",
            ],
            handler: run { try $0.register($1) }),
        CommandSpec(
            "model", category: .registry, summary: "Show a registered model, or set its description.",
            help:
                "Shows a registered model: its description, tags, aliases and versions. description=TEXT sets the description.",
            examples: [
                "model et-fsp-model", "model et-fsp-model description=\"Predicts the defect from raw indicators\"",
            ],
            handler: run { try $0.showRegisteredModel($1) }),
        CommandSpec(
            "versions", category: .registry, summary: "List a registered model's versions with stages and aliases.",
            help: "Lists every version of the model: its stage, aliases, run, source and description.",
            examples: ["versions et-fsp-model"],
            handler: run { try $0.listVersions($1) }),
        CommandSpec(
            "stage", category: .registry, summary: "Move a version to None, Staging, Production or Archived.",
            help: """
                Sets the version's stage. archive=true moves the other versions in that stage to Archived, as MLflow's \
                archive_existing_versions does. MLflow 2.9+ prefers aliases (alias NAME VERSION champion); PlateShell \
                keeps both: models:/NAME/Production and models:/NAME@champion resolve as MLflow resolves them.
                """,
            examples: ["stage et-fsp-model 1 Staging", "stage et-fsp-model latest Production archive=true"],
            handler: run { try $0.stageVersion($1) }),
        CommandSpec(
            "alias", category: .registry, summary: "Point an alias (champion, challenger…) at a version.",
            help:
                "Sets ALIAS to the version, moving it if it pointed at another. MLflow reserves 'latest' and v<number>.",
            examples: ["alias et-fsp-model 2 champion"],
            handler: run { try $0.aliasVersion($1) }),
        CommandSpec(
            "unalias", category: .registry, summary: "Remove an alias of a registered model.",
            help: "Deletes the alias; the version it pointed at stays.",
            examples: ["unalias et-fsp-model champion"],
            handler: run { try $0.unaliasVersion($1) }),
        CommandSpec(
            "lineage", category: .registry,
            summary: "Trace a version to its run, params, metrics, dataset and source line.",
            help: """
                Follows a version back: the run that logged it, its params and metrics, the dataset it was trained on \
                (table, version, digest, the frame's steps) and the script and line that ran it. VERSION may be a number, \
                a stage, latest, or @ALIAS (default latest).
                """,
            examples: ["lineage et-fsp-model 1", "lineage et-fsp-model Production", "lineage et-fsp-model @champion"],
            handler: run { try $0.lineage($1) }),
    ]

    struct RegisterArguments: CommandArguments {
        let model = Positional<String?>("model", .text("model|pca"), help: "a fitted model of the session, or pca")
        let name = Positional<String>(
            "name", .text("name"), keyword: PositionalSpec.resultKeyword, help: "the registered model")
        let run = Parameter<String?>("run", .text("run id"), help: "register the model this run logged")
        let description = Parameter<String?>("description", .text("text"), help: "what this version is")
        let tags = Parameter<[String]?>("tags", .values, help: "key:value pairs for the version")
    }

    func register(_ arguments: Arguments<RegisterArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let name = arguments.name
        var output = CommandOutput(command: "register")
        let runId: String
        if let run = arguments.run {
            if arguments.has(\.model) {
                throw Diagnostic.usage(
                    "give a model or run=, not both", at: arguments.range(of: \.run), usage: arguments.spec.usage)
            }
            runId = try arguments.at(\.run) { try tracker.catalog.run(run).id }
        } else if arguments.model?.lowercased() == "pca" {
            guard let pca = modeling.state.lastPCA else {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument, "no PCA to register", hint: "run pca first, for example: pca var=0.999"),
                    range: arguments.range(of: \.model))
            }
            runId =
                try tracking.lastPCARun
                ?? logForRegistration("pca", tracker: tracker, context: arguments.context, output: &output) { run in
                    let data = try modeling.dataset()
                    guard data.features == pca.features else {
                        throw EngineError(
                            .invalidArgument, "the frame's features changed since pca",
                            hint: "run pca again, then register it")
                    }
                    try modeling.logPCA(pca, data: data, into: run)
                }
        } else {
            let model = try modeling.sessionModel(arguments.model, range: arguments.range(of: \.model))
            runId =
                try model.runId
                ?? logForRegistration(model.name, tracker: tracker, context: arguments.context, output: &output) {
                    run in
                    try run.params(
                        modeling.modelParams(
                            kind: model.pipeline.kind, settings: model.pipeline.settings, plan: model.pipeline.plan))
                    let data = try modeling.dataset()
                    try run.dataset(try modeling.frames.datasetInput(context: "training"))
                    try modeling.logPipeline(
                        model.pipeline, data: data, rows: try modeling.trainingRows(data, on: model.trainedOn).rows,
                        into: run)
                }
        }
        let tags = try arguments.at(\.tags) { try Self.keyValuePairs(arguments.tags ?? []) }
        let description = arguments.description
        // The model's description is set only when it has none. When that cannot be read here (a
        // new model, or a server that does not answer), the registry checks it again when the
        // registration arrives (`MLflowClient.registerModel`).
        let modelDescription: String?
        do {
            modelDescription = try tracker.registry.registeredModel(name).description.isEmpty ? description : nil
        } catch {
            modelDescription = description
        }
        let registration = try arguments.at(\.name) {
            try tracker.register(
                runId: runId, name: name, description: modelDescription,
                versionDescription: description ?? "",
                tags: tags.merging(try lineageTags(runId, catalog: tracker.catalog)) { $1 })
        }
        let version: ModelVersion
        switch registration {
        case .registered(let made): version = made
        case .queued(_, _, let reason):
            output.say(
                "Queued the registration of \(name) from run \(runId.prefix(8)) for \(tracker.registry.location) (\(reason)): "
                    + "it is sent after the run's queued items, and the server numbers the version when it arrives; "
                    + "later stage and alias commands of \(name) are queued behind it. 'tracking status' shows the queue; 'tracking flush' waits for it."
            )
            return output
        }
        output.say(
            "Registered \(name) version \(version.version) (stage None) from run \(runId.prefix(8)): \(version.source)."
        )
        if let problem = ModelArtifact.onnxProblem(
            directory: tracker.catalog.runDirectory(runId) + "/" + ModelArtifact.directory)
        {
            output.say("MLflow's pyfunc cannot load this version: \(problem); PlateShell serves it from pipeline.json.")
        }
        output.blocks.append(.fields(name: "version", Self.versionFields(version)))
        return output
    }

    /// Says that a stage change or alias of `name` was queued behind its queued registration.
    private static func queuedBehindRegistration(_ command: String, _ name: String, _ what: String) -> CommandOutput {
        var output = CommandOutput(command: command)
        output.say(
            "Queued: \(what) once the queued registration of \(name) reaches the server, in order ('tracking status' shows the queue)."
        )
        return output
    }

    /// Logs what no run recorded (autolog was off) into a new run, so it can be registered.
    private func logForRegistration(
        _ what: String, tracker: Tracker, context: CommandContext, output: inout CommandOutput,
        _ body: (RunRecorder) throws -> Void
    ) throws -> String {
        tracker.experimentName = tracking.experimentName(for: context)
        let runId = try tracker.startRun(name: "register \(what)", tags: tracking.sourceTags(for: context))
        do {
            try RunRecorder.record(runId, with: tracker, body).log()
            try tracker.endRun(runId, status: .finished)
        } catch {
            try? tracker.endRun(runId, status: .failed)
            throw error
        }
        output.say("Logged '\(what)' as run \(runId.prefix(8)) to register it (autolog had not recorded it).")
        return runId
    }

    /// The version tags that keep its lineage findable from the registry alone.
    private func lineageTags(_ runId: String, catalog: Catalog) throws -> [String: String] {
        var tags: [String: String] = ["plateshell.run": runId]
        if let input = try catalog.inputs(of: runId).first {
            tags["plateshell.dataset"] = "\(input.name) (digest \(input.digest))"
        }
        let runTags = try catalog.tags(of: runId)
        if let source = runTags["mlflow.source.name"] {
            tags["plateshell.source"] = source + (runTags["plateshell.source.line"].map { ":\($0)" } ?? "")
        }
        return tags
    }

    /// `key:value` pairs (`tags=team:quality,reviewed:yes`).
    static func keyValuePairs(_ items: [String]) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for item in items {
            guard let colon = item.firstIndex(of: ":"), colon != item.startIndex else {
                throw EngineError(
                    .invalidArgument, "tag '\(item)' is not key:value",
                    hint: "for example tags=team:quality,reviewed:yes")
            }
            pairs[String(item[..<colon])] = String(item[item.index(after: colon)...])
        }
        return pairs
    }

    struct ShowRegisteredModelArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
        let description = Parameter<String?>("description", .text("text"), help: "the new description")
    }

    func showRegisteredModel(_ arguments: Arguments<ShowRegisteredModelArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let name = arguments.name
        var output = CommandOutput(command: "model")
        if let description = arguments.description {
            try arguments.at(\.name) { try tracker.describe(name, description: description) }
            output.say("Described \(name).")
        }
        let model = try arguments.at(\.name) { try tracker.registry.registeredModel(name) }
        output.blocks.append(
            .fields(
                name: "model",
                [
                    Field("name", .text(model.name)), Field("description", .text(model.description)),
                    Field("created", .text(ValueFormatting.time(model.creationTime))),
                    Field("updated", .text(ValueFormatting.time(model.lastUpdateTime))),
                    Field(
                        "aliases",
                        .text(
                            model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→v\($0.value)" }.joined(
                                separator: ", "))),
                    Field(
                        "tags",
                        .text(
                            model.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                                separator: ", "))),
                ]))
        output.blocks.append(versionsTable(try tracker.registry.versions(name)))
        return output
    }

    func listRegisteredModels() throws -> CommandOutput {
        let registry = try tracking.tracker().registry
        var output = CommandOutput(command: "models")
        output.table(
            "registered", title: "Registered models",
            columns: ["name", "versions", "latest", "staging", "production", "aliases", "description"],
            rows: try registry.registeredModels().map { model in
                let versions = try registry.versions(model.name)
                func latest(_ stage: Stage) -> Value {
                    versions.last { $0.stage == stage }.map { .integer(Int64($0.version)) } ?? .missing
                }
                return [
                    .text(model.name), .integer(Int64(versions.count)),
                    versions.last.map { .integer(Int64($0.version)) } ?? .missing,
                    latest(.staging), latest(.production),
                    .text(
                        model.aliases.sorted { $0.key < $1.key }.map { "\($0.key)→v\($0.value)" }.joined(
                            separator: ", ")), .text(model.description),
                ]
            })
        if output.tables(named: "registered").first?.rows.isEmpty == true {
            if registry is Catalog, let server = try tracking.tracker().catalog.registrationServers().first {
                output.say(
                    "No registered models in the workspace catalog: this workspace registered its models on the MLflow server at \(server) ('tracking uri=\(server)', or MLFLOW_TRACKING_URI=\(server) at start, lists them)."
                )
            } else {
                output.say("No registered models yet: register MODEL as NAME.")
            }
        }
        return output
    }

    struct ListVersionsArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
    }

    func listVersions(_ arguments: Arguments<ListVersionsArguments>) throws -> CommandOutput {
        let registry = try tracking.tracker().registry
        let versions = try arguments.at(\.name) { try registry.versions(arguments.name) }
        var output = CommandOutput(command: "versions")
        output.blocks.append(versionsTable(versions))
        return output
    }

    private func versionsTable(_ versions: [ModelVersion]) -> OutputBlock {
        .table(
            TableBlock(
                name: "versions", title: "Versions",
                columns: ["version", "stage", "aliases", "run", "source", "created", "description"],
                rows: versions.map { version in
                    [
                        .integer(Int64(version.version)), .text(version.stage.rawValue),
                        .text(version.aliases.sorted().joined(separator: ", ")),
                        version.runId.map { .text(String($0.prefix(8))) } ?? .missing, .text(version.source),
                        .text(ValueFormatting.time(version.creationTime)),
                        .text(version.description),
                    ]
                }, totalRows: nil))
    }

    static func versionFields(_ version: ModelVersion) -> [Field] {
        [
            Field("name", .text(version.name)), Field("version", .integer(Int64(version.version))),
            Field("stage", .text(version.stage.rawValue)),
            Field("aliases", .text(version.aliases.sorted().joined(separator: ", "))),
            Field("run", version.runId.map(Value.text) ?? .missing),
            Field("source", .text(version.source)), Field("storage", .text(version.storageLocation)),
            Field("description", .text(version.description)),
        ]
    }

    struct StageVersionArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
        let version = Positional<String>("version", .text("version|latest"), help: "the version number, or latest")
        let stage = Positional<Stage>("stage", .choice(of: Stage.self), help: "None, Staging, Production or Archived")
        let archive = Parameter<Bool>(
            "archive", .bool, default: false, help: "archive the other versions in that stage")
    }

    func stageVersion(_ arguments: Arguments<StageVersionArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let served = deployment.servedModel
        let name = arguments.name
        let stage = arguments.stage
        if try arguments.at(
            \.version,
            {
                try tracker.queueTransition(
                    name, version: arguments.version, to: stage, archiveExisting: arguments.archive)
            })
        {
            return Self.queuedBehindRegistration(
                "stage", name, "\(name) version \(arguments.version) moves to \(stage.rawValue)")
        }
        let before = try arguments.at(\.name) { try tracker.registry.versions(name) }
        let number = try versionNumber(arguments.version, of: name, in: before, at: arguments.range(of: \.version))
        let version = try arguments.at(\.version) {
            try tracker.transition(name, version: number, to: stage, archiveExisting: arguments.archive)
        }
        var output = CommandOutput(command: "stage")
        output.say("\(name) version \(version.version) is now in \(stage.rawValue).")
        let archived = try tracker.registry.versions(name).filter { after in
            after.stage == .archived && before.first { $0.version == after.version }?.stage != .archived
        }
        if !archived.isEmpty {
            output.say(
                "Archived: version\(archived.count == 1 ? "" : "s") \(archived.map { String($0.version) }.joined(separator: ", "))."
            )
        }
        for archivedVersion in archived {
            for alias in archivedVersion.aliases.sorted() {
                output.say(
                    Self.archivedAliasWarning(name, alias: alias, archived: archivedVersion.version, staged: version))
            }
        }
        deployment.refresh(on: &output, servedBefore: served)
        return output
    }

    /// The warning for an alias left on a version a stage change archived: models:/NAME@ALIAS now
    /// serves an archived model. It says how to move the alias (to the version just staged, unless
    /// that is the archived one) or remove it.
    static func archivedAliasWarning(_ name: String, alias: String, archived: Int, staged: ModelVersion) -> String {
        let move =
            staged.version == archived
            ? "'alias \(name) VERSION \(alias)' moves it, 'unalias \(name) \(alias)' removes it"
            : "'alias \(name) \(staged.version) \(alias)' moves it to the version now in \(staged.stage.rawValue)"
        return
            "Warning: alias '\(alias)' still points at \(name) version \(archived), which is now Archived, so models:/\(name)@\(alias) resolves to an archived model; \(move)."
    }

    struct AliasVersionArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
        let version = Positional<String>("version", .text("version|latest"), help: "the version number, or latest")
        let alias = Positional<String>("alias", .text("alias"), help: "the alias")
    }

    func aliasVersion(_ arguments: Arguments<AliasVersionArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let served = deployment.servedModel
        let name = arguments.name
        let alias = arguments.alias
        if try arguments.at(
            \.alias, { try tracker.queueAlias(name, alias: alias, version: arguments.version) })
        {
            return Self.queuedBehindRegistration(
                "alias", name, "models:/\(name)@\(alias) resolves to version \(arguments.version)")
        }
        let versions = try arguments.at(\.name) { try tracker.registry.versions(name) }
        let number = try versionNumber(arguments.version, of: name, in: versions, at: arguments.range(of: \.version))
        try arguments.at(\.alias) { try tracker.setAlias(name, alias: alias, version: number) }
        var output = CommandOutput(command: "alias")
        output.say("models:/\(name)@\(alias) now resolves to version \(number).")
        deployment.refresh(on: &output, servedBefore: served)
        return output
    }

    /// A command's version argument as a number among the model's `versions`: digits, or
    /// `latest` (the highest version); an error points at the version (`range`).
    private func versionNumber(_ text: String, of name: String, in versions: [ModelVersion], at range: SourceRange)
        throws -> Int
    {
        if text.lowercased() == "latest", let last = versions.last { return last.version }
        guard let number = Int(text), versions.contains(where: { $0.version == number }) else {
            let known =
                versions.isEmpty
                ? "it has no versions yet: register one"
                : "it has versions 1 to \(versions.last!.version), or say latest"
            throw Diagnostic(
                EngineError(.unknownValue, "\(name) has no version '\(text)'", hint: known),
                range: range)
        }
        return number
    }

    struct UnaliasVersionArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
        let alias = Positional<String>("alias", .text("alias"), help: "the alias")
    }

    func unaliasVersion(_ arguments: Arguments<UnaliasVersionArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let served = deployment.servedModel
        let name = arguments.name
        let alias = arguments.alias
        _ = try arguments.at(\.name) { try tracker.registry.registeredModel(name) }
        try arguments.at(\.alias) { try tracker.deleteAlias(name, alias: alias) }
        var output = CommandOutput(command: "unalias")
        output.say("Removed alias \(alias) of \(name).")
        deployment.refresh(on: &output, servedBefore: served)
        return output
    }

    struct LineageArguments: CommandArguments {
        let name = Positional<String>("name", .text("name"), help: "the registered model")
        let version = Positional<String?>("version", .text("version"), help: "a number, a stage, latest or @alias")
    }

    func lineage(_ arguments: Arguments<LineageArguments>) throws -> CommandOutput {
        let tracker = try tracking.tracker()
        let registry = tracker.registry
        let runs = tracker.runReader()
        let name = arguments.name
        let selector = arguments.version ?? "latest"
        let uri = selector.hasPrefix("@") ? "models:/\(name)\(selector)" : "models:/\(name)/\(selector)"
        _ = try arguments.at(\.name) { try registry.registeredModel(name) }
        let version = try arguments.at(\.name) { () throws -> ModelVersion in
            do { return try registry.resolve(uri) } catch let error as EngineError where arguments.has(\.version) {
                throw Diagnostic(error, range: arguments.range(of: \.version))
            }
        }
        var output = CommandOutput(command: "lineage")
        output.blocks.append(.fields(name: "version", Self.versionFields(version)))
        guard let runId = version.runId else {
            output.say("Version \(version.version) names no run; its lineage stops at \(version.source).")
            return output
        }
        let run: RunRecord
        do {
            run = try runs.run(runId)
        } catch let error as EngineError where error.kind == .unknownValue {
            output.say(
                "Version \(version.version) names run \(runId.prefix(8)), which \(runs.location) does not hold; its lineage stops at \(version.source)."
            )
            return output
        }
        let tags = try runs.tags(of: run.id)
        output.blocks.append(
            .fields(
                name: "run",
                [
                    Field("run_id", .text(run.id)), Field("name", .text(run.name)),
                    Field("status", .text(run.status.rawValue)),
                    Field("started", .text(ValueFormatting.time(run.startTime))), Field("user", .text(run.user)),
                    Field("source", .text(tags["mlflow.source.name"] ?? "")),
                    Field("line", tags["plateshell.source.line"].map(Value.text) ?? .missing),
                    Field("command", .text(tags["plateshell.command"] ?? "")),
                    Field("git_commit", tags["mlflow.source.git.commit"].map(Value.text) ?? .missing),
                ]))
        let params = try runs.params(of: run.id)
        output.table(
            "params", title: "Params", columns: ["key", "value"],
            rows: params.keys.sorted().map { [.text($0), .text(params[$0]!)] })
        let metrics = try runs.latestMetrics(of: run.id)
        output.table(
            "metrics", title: "Metrics", columns: ["key", "value"],
            rows: metrics.keys.sorted().map { [.text($0), .real(metrics[$0]!)] })
        output.table(
            "datasets", title: "Trained on",
            columns: ["name", "digest", "table", "table_version", "table_digest", "steps", "rows", "columns"],
            rows: try runs.inputs(of: run.id).map { input in
                let source = (try? JSONSerialization.jsonObject(with: Data(input.source.utf8))) as? [String: Any] ?? [:]
                let profile =
                    (try? JSONSerialization.jsonObject(with: Data(input.profile.utf8))) as? [String: Any] ?? [:]
                return [
                    .text(input.name), .text(input.digest), .text(source["table"] as? String ?? ""),
                    (source["version"] as? Int).map { .integer(Int64($0)) } ?? .missing,
                    .text(source["table_digest"] as? String ?? ""),
                    .text((source["steps"] as? [String] ?? []).joined(separator: " → ")),
                    (profile["num_rows"] as? Int).map { .integer(Int64($0)) } ?? .missing,
                    (profile["num_columns"] as? Int).map { .integer(Int64($0)) } ?? .missing,
                ]
            })
        return output
    }
}
