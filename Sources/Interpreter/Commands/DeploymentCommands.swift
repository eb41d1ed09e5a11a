import Engine
import Foundation

/// The deployment commands: scoring with a registered model (`predict with=`), serving it over
/// MLflow's protocol, and calling a scoring endpoint. They touch the deployment state (the
/// background server), the tracking state (the registry of record, the scoring run), and the
/// frame and store through the modelling context.
struct DeploymentCommands: CommandGroup {
    let deployment: DeploymentState
    let tracking: TrackingState
    let modeling: ModelingContext
    /// Makes the scoring server `serve` starts (the front end's, `Connectors.scoringServer`).
    let makeScoringServer: @Sendable (ScoringService, String, Int, Duration) -> any ScoringListener

    init(session: Session) {
        deployment = session.deployment
        tracking = session.tracking
        modeling = ModelingContext(session: session)
        makeScoringServer = session.connectors.scoringServer
    }

    static let rows: [CommandSpec] = [
        CommandSpec(
            "serve", category: .deployment,
            summary: "Serve a registered model over MLflow's scoring protocol, in the background.",
            help: """
                Starts a scoring server for MODEL_URI (models:/NAME/Production, models:/NAME@champion, runs:/ID/model) \
                in the background of the shell: POST /invocations takes dataframe_split, dataframe_records, instances or \
                inputs JSON, or CSV, checks the rows against the model's signature and answers {"predictions": [...]}, as \
                'mlflow models serve' does; GET /ping, /health, /version (PlateShell's), and GET /model (the model in \
                service: name, version, digest, URI, as JSON). When the stage or alias it serves moves to \
                another version, the server switches to it without dropping a request (it checks every poll= seconds; with \
                a tracking server, models:/ URIs resolve there, so a promotion made from MLflow's UI or Python client is \
                followed too, and versions are downloaded into the workspace's model cache). It binds 127.0.0.1 unless host= \
                says otherwise. A request's body must arrive within 30 s of its head (else 408, and the connection is \
                closed). With log=TABLE every scored row goes to that inference log where the session's tables live \
                (the workspace store, or Spark) (time, request id, model version and digest, the inputs, the outputs, \
                latency), written in batches off the request path; 'monitor MODEL_URI on=TABLE' compares it with the training data. 'serve status' \
                shows what it serves, how many requests it answered and rows it logged; 'serve flush' writes what the \
                log holds now (it commits every 0.2 s, every second on Spark), so the next command reads every row \
                scored so far; 'serve stop' stops it \
                (finishing the requests in flight and writing the log). 'plateshell serve MODEL_URI --port N \
                --log TABLE' serves in the foreground.
                """,
            examples: [
                "serve models:/et-fsp-model/Production", "serve models:/et-fsp-model@champion port=5002 poll=5",
                "serve models:/et-fsp-model/Production log=fsp.inference",
                "serve status", "serve flush", "serve stop",
            ],
            handler: run { try $0.serve($1) }),
        CommandSpec(
            "invoke", category: .deployment,
            summary: "Send rows of the frame to a scoring endpoint and show its answer.",
            help: """
                Posts rows as dataframe_split JSON to URL/invocations (PlateShell's server or 'mlflow models serve') and \
                shows the predictions with the model version that answered and the round-trip time: 'invoke URL plate N' \
                sends row N of the current frame, 'invoke URL on=TABLE' the first limit= rows of a stored table (or of the \
                frame without on=), in one request; beyond 10 rows the predicted classes are counted. Without URL it calls the server this shell started with serve.
                """,
            examples: [
                "invoke plate 42", "invoke http://127.0.0.1:5001 plate 42",
                "invoke http://127.0.0.1:5001 on=fsp.faults limit=10",
            ],
            handler: run { try $0.invoke($1) }),
    ]

    // MARK: - predict with=

    /// `predict`'s bound arguments (the command is the modelling group's; `with=` comes here).
    typealias PredictInvocation = Arguments<ModellingCommands.PredictArguments>

    /// `predict with=URI`: scores raw rows with a registered model, stores them with the model's
    /// name and version when into= is given, and tracks the scoring as a run whose params and
    /// tags lead back to the model version, its training run and the input table version.
    func predictWithRegistered(_ arguments: PredictInvocation, uri: String) throws -> CommandOutput {
        if arguments.has(\.model) {
            throw Diagnostic.usage(
                "give a session model or with=URI, not both", at: arguments.range(of: \.with),
                usage: arguments.spec.usage)
        }
        let modelSource = try arguments.at(\.with) {
            try ModelSource(uri: uri, workspace: modeling.workspace.root, server: try tracking.trackingServer())
        }
        let served = modelSource.model
        var output = CommandOutput(command: "predict")
        if let notice = modelSource.notice { output.say(notice + ".") }
        if let problem = modelSource.recordProblem { output.say("Warning: \(problem).") }
        let scored: ScoredRows
        if let on = arguments.on, let into = arguments.into, ModelingContext.namesStoredTable(on),
            !arguments.has(\.row)
        {
            scored = try scoreStored(arguments, on: on, into: into, with: served, uri: uri)
        } else {
            scored = try scoreInMemory(arguments, with: served, uri: uri)
        }
        output.say(
            "Scored \(scored.rowCount) row\(scored.rowCount == 1 ? "" : "s") of \(scored.source) with \(served.label) (\(uri))."
        )
        output.table(
            "predictions", title: "\(served.label) on \(scored.source)", columns: ["row"] + scored.columns,
            rows: scored.preview.enumerated().map { [.integer(Int64($0.offset))] + $0.element },
            totalRows: scored.rowCount)
        let counts = scored.columns.first == "predicted" ? scored.counts : nil
        if let counts {
            output.table(
                "predicted_counts", columns: ["class", "count", "percent"],
                rows: counts.entries.map {
                    [$0.value, .integer(Int64($0.count)), .real($0.percent)]
                })
        }
        let written = scored.written
        if let written {
            output.say(
                "Stored \(written.rowCount) rows with predictions as \(written.name.displayName) version \(written.version)."
            )
        }
        tracking.recordRun("predict with \(served.label)", context: arguments.context, on: &output) { run in
            var params = ["model_uri": uri, "rows": String(scored.rowCount), "input": scored.source]
            if served.name == nil { params["model_directory"] = served.directory }
            if let name = served.name, let version = served.version {
                params["model_name"] = name
                params["model_version"] = String(version)
                if let runId = try tracking.tracker().registry.version(name, version).runId {
                    params["model_run_id"] = runId
                }
            }
            if let written { params["output_table"] = "\(written.name.displayName)@v\(written.version)" }
            try run.params(params)
            if let dataset = scored.dataset { try run.dataset(dataset) }
            if let counts {
                try run.metrics(
                    Dictionary(
                        uniqueKeysWithValues: counts.entries.map {
                            ("predicted_share_\($0.value.displayText)", $0.percent / 100)
                        }))
                run.csv(
                    "predictions/predicted_counts.csv",
                    try Table(columns: [
                        Column(name: "class", storage: .text(counts.entries.map(\.value.displayText))),
                        Column(name: "count", storage: .integer(counts.entries.map { Int64($0.count) })),
                    ]))
            }
        }
        return output
    }

    /// What `predict with=` scored: the rows' count and source, the first predictions, the
    /// counts of the first prediction column, the table written and the input as a dataset.
    private struct ScoredRows {
        let rowCount: Int
        let source: String
        let columns: [String]
        let preview: [[Value]]
        let counts: ValueCounts
        let written: TableVersion?
        let dataset: DatasetInput?
    }

    /// The model's added columns of every row: its name and version.
    private static func modelColumns(_ served: ServedModel, rows: Int) throws -> [Column] {
        [
            Column(name: "model", storage: .text(Array(repeating: served.name ?? served.directory, count: rows))),
            Column(name: "model_version", storage: .integer(Array(repeating: Int64(served.version ?? 0), count: rows))),
        ]
    }

    /// Scores a stored table into another batch by batch (bounded memory on Spark).
    private func scoreStored(
        _ arguments: PredictInvocation, on: String, into: String, with served: ServedModel, uri: String
    )
        throws -> ScoredRows
    {
        let scoring = try modeling.scoreStoredTable(
            on: on, into: into, onRange: arguments.range(of: \.on), intoRange: arguments.range(of: \.into),
            limit: arguments.limit,
            describe: { "predict with \(uri) (\(served.label)) on \($0.name.displayName) v\($0.version)" },
            predictions: { served.outputColumns(try $0.matrix(of: served.inputs.map(\.name))) },
            constants: { try Self.modelColumns(served, rows: $0) })
        let transform = scoring.transform
        return ScoredRows(
            rowCount: transform.inputRows, source: "\(transform.input.name.displayName) v\(transform.input.version)",
            columns: scoring.columns, preview: scoring.preview, counts: scoring.counts, written: transform.output,
            dataset: modeling.frames.datasetInput(
                of: transform.input, digest: transform.inputDigest, columns: transform.inputColumns,
                rowCount: transform.inputRows, context: "scoring"))
    }

    /// Scores the frame, one plate of it, a CSV file or a stored table read whole.
    private func scoreInMemory(_ arguments: PredictInvocation, with served: ServedModel, uri: String) throws
        -> ScoredRows
    {
        var (table, source, stored) = try modeling.predictionInput(
            on: arguments.on, range: arguments.range(of: \.on))
        if let row = arguments.row {
            guard !arguments.has(\.on) else {
                throw Diagnostic.usage(
                    "plate N is a row of the frame; leave out on=", at: arguments.range(of: \.on),
                    usage: arguments.spec.usage)
            }
            try modeling.frames.checkPlate(row, of: table, range: arguments.range(of: \.row))
            table = table.selecting(rows: [row])
            source = "plate \(row) of \(source)"
        }
        let outputs: [Column]
        do { outputs = served.outputColumns(try table.matrix(of: served.inputs.map(\.name))) } catch let error
            as EngineError
        {
            throw Diagnostic(
                error,
                range: arguments.has(\.on) ? arguments.range(of: \.on) : arguments.range(of: \.with))
        }
        var written: TableVersion?
        if let into = arguments.into {
            let name = try arguments.at(\.into) { try TableName(parsing: into) }
            var combined = table
            for column in outputs + (try Self.modelColumns(served, rows: table.rowCount)) {
                combined = try combined.setting(column)
            }
            written = try arguments.at(\.into) {
                try modeling.frames.store().write(
                    combined, as: name, source: "predict with \(uri) (\(served.label)) on \(source)",
                    operation: "predict")
            }
        }
        let limit = min(arguments.limit, table.rowCount)
        return ScoredRows(
            rowCount: table.rowCount, source: source, columns: outputs.map(\.name),
            preview: (0..<limit).map { r in outputs.map { $0.value(at: r) } }, counts: ValueCounts(outputs[0]),
            written: written,
            dataset: stored.map { modeling.frames.datasetInput(of: $0, table: table, context: "scoring") })
    }

    // MARK: - serve

    struct ServeArguments: CommandArguments {
        let target = Positional<String>(
            "target", .text("model-uri|status|flush|stop"),
            help: "the model URI to serve, or status, flush (write the inference log now) or stop")
        let port = Parameter<Int>(
            "port", .int(min: 0, max: 65535), default: 5001, help: "the TCP port (0: any free port)")
        let host = Parameter<String>(
            "host", .text("address"), default: "127.0.0.1", help: "the address to bind (0.0.0.0: every interface)")
        let poll = Parameter<Double?>(
            "poll", .number(min: 0, max: 3600, maxInclusive: true),
            help: "seconds between checks of the URI (default 0.5; 2 with a tracking server)")
        let log = Parameter<String?>(
            "log", .text("table"),
            help:
                "the inference log: a table (where the session's tables live) that gets a row per scored plate")
    }

    func serve(_ arguments: Arguments<ServeArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "serve")
        switch arguments.target.lowercased() {
        case "status":
            guard let (server, port) = deployment.running else {
                output.say("No server is running; 'serve models:/NAME/Production' starts one.")
                return output
            }
            output.blocks.append(.fields(name: "server", serverFields(server, port: port)))
            if let problem = server.service.source.lastProblem {
                output.say(
                    "It keeps serving its model: the last check of \(server.service.source.uri) failed (\(problem)).")
            }
            if let problem = server.service.source.recordProblem { output.say("Warning: \(problem).") }
        case "flush":
            guard let (server, _) = deployment.running, let log = server.service.log else {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument, "no server with an inference log is running in this shell",
                        hint: "serve MODEL_URI log=TABLE starts one"),
                    range: arguments.range(of: \.target))
            }
            let status = log.flush()
            if let failure = status.failure { throw EngineError(.io, failure) }
            output.say(
                "\(status.summary) Every row scored so far is in \(log.table.displayName) (\(log.location)).")
        case "stop":
            guard let (server, port) = deployment.running else {
                output.say("No server is running.")
                return output
            }
            let logged = deployment.stop()
            let counts = server.service.counts
            output.say(
                "Stopped the server on \(server.host):\(port) after \(counts.requests) request\(counts.requests == 1 ? "" : "s") (\(counts.errors) refused)."
            )
            if let logged {
                output.say(logged.summary)
                if let note = logged.settleNote { output.say(note) }
                if let failure = logged.failure { throw EngineError(.io, failure) }
            }
        default:
            if let (server, port) = deployment.running {
                throw Diagnostic(
                    EngineError(
                        .invalidArgument,
                        "a server is already running on \(server.host):\(port), serving \(server.service.source.uri)",
                        hint: "'serve stop' first, or serve from another shell with port=N"),
                    range: arguments.range(of: \.target))
            }
            let uri = arguments.target
            let source = try arguments.at(\.target) {
                try ModelSource(uri: uri, workspace: modeling.workspace.root, server: try tracking.trackingServer())
            }
            let host = arguments.host
            let interval = arguments.poll.map { Duration.milliseconds(Int64($0 * 1000)) } ?? source.followInterval
            let log = try arguments.log.map { table in
                try arguments.at(\.log) { try openLog(table, model: source.model, uri: uri) }
            }
            let server = makeScoringServer(ScoringService(source: source, log: log), host, arguments.port, interval)
            let port: Int
            do {
                port = try arguments.at(\.port) { try server.start() }
            } catch {
                log?.stop()
                throw error
            }
            deployment.server = server
            if let notice = source.notice { output.say(notice + ".") }
            if let problem = source.recordProblem { output.say("Warning: \(problem).") }
            output.say(
                "Serving \(source.model.label) (\(uri)) at http://\(host):\(port)/invocations; it follows \(uri) when it moves to another version."
            )
            if let log {
                output.say(
                    "Every scored row goes to the inference log \(log.table.displayName) (\(log.location)); 'sql select * from \(log.table.displayName)' reads it."
                )
            }
            if !["127.0.0.1", "localhost", "::1"].contains(host) {
                output.say("Warning: host=\(host) accepts requests from other machines; there is no authentication.")
            }
            output.blocks.append(.fields(name: "server", serverFields(server, port: port)))
        }
        return output
    }

    private func serverFields(_ server: any ScoringListener, port: Int) -> [Field] {
        let counts = server.service.counts
        var fields = [
            Field("url", .text("http://\(server.host):\(port)")), Field("uri", .text(server.service.source.uri)),
            Field("serving", .text(server.service.source.model.label)),
            Field("requests", .integer(Int64(counts.requests))), Field("errors", .integer(Int64(counts.errors))),
        ]
        if let log = server.service.log {
            let status = log.status
            fields += [
                Field("log", .text(log.table.displayName)), Field("logged", .integer(Int64(status.written))),
                Field("log_queued", .integer(Int64(status.queued))),
            ]
            if let problem = status.lastError { fields.append(Field("log_error", .text(problem))) }
        }
        return fields
    }

    /// Opens the inference log `table` where the session's tables live: the workspace store, or
    /// Spark (an inference log is written off the request path, by a thread with a connection of
    /// its own).
    private func openLog(_ table: String, model: ServedModel, uri: String) throws -> InferenceLog {
        let name = try TableName(parsing: table)
        guard let remote = try modeling.frames.remoteStore() else {
            return try InferenceLog(
                directory: modeling.workspace.layout.tablesDirectory, table: name, model: model, source: "serve \(uri)")
        }
        return try remote.inferenceLog(name, model: model, source: "serve \(uri)")
    }

    // MARK: - invoke

    /// The predictions `invoke` lists; beyond, it counts them.
    static let shownPredictions = 10

    struct InvokeArguments: CommandArguments {
        let url = Positional<String?>(
            "url", .text("url"), help: "the scoring server (default: this shell's), e.g. http://127.0.0.1:5001")
        let row = Positional<Int?>("row", .int(min: 0, max: nil), keyword: "plate", help: "the frame row to send")
        let on = Parameter<String?>("on", .table, help: "a stored table to send rows of")
        let limit = Parameter<Int>("limit", .int(min: 1, max: 100_000), default: 5, help: "rows sent")
    }

    func invoke(_ arguments: Arguments<InvokeArguments>) throws -> CommandOutput {
        guard let endpoint = arguments.url ?? deployment.running.map({ "http://\($0.server.host):\($0.port)" })
        else {
            throw EngineError(
                .invalidArgument, "no server is running in this shell",
                hint: "give the server's URL (invoke http://HOST:PORT plate N), or start one with serve")
        }
        let client = try arguments.at(\.url) { try ScoringClient(endpoint: endpoint) }
        let table: Table
        let rows: [Int]
        let source: String
        if let row = arguments.row {
            table = try modeling.frames.currentTable()
            try modeling.frames.checkPlate(row, of: table, range: arguments.range(of: \.row))
            rows = [row]
            source = "plate \(row) of \(modeling.frames.name)"
        } else {
            (table, source, _) = try modeling.predictionInput(
                on: arguments.on, range: arguments.range(of: \.on))
            rows = Array(0..<min(arguments.limit, table.rowCount))
        }
        let cells = rows.map { r in table.columns.map { JSON($0.value(at: r)) } }
        let answer = try arguments.at(\.url) { try client.invoke(columns: table.columnNames, rows: cells) }
        var output = CommandOutput(command: "invoke")
        output.say(
            "\(client.url.absoluteString) answered for \(rows.count) row\(rows.count == 1 ? "" : "s") of \(source) in "
                + String(format: "%.1f ms", answer.seconds * 1000) + (answer.model.map { ", scored by \($0)" } ?? "")
                + ".")
        // Up to `shownPredictions` rows, then the predicted classes counted.
        output.table(
            "predictions", columns: ["row"] + answer.columns,
            rows: zip(rows, answer.rows).prefix(Self.shownPredictions).map { [.integer(Int64($0))] + $1 })
        if rows.count > Self.shownPredictions, let predicted = answer.columns.firstIndex(of: "predicted") {
            let counts = ValueCounts(Column(name: "predicted", type: .text, values: answer.rows.map { $0[predicted] }))
            output.say(
                "The first \(Self.shownPredictions) of \(rows.count) are shown; predicted: "
                    + counts.entries.map { "\($0.value.displayText) \($0.count)" }.joined(separator: ", ") + ".")
        }
        if rows.count == 1, let actual = try? table.column(named: modeling.state.target) {
            output.say("Actual \(modeling.state.target) of that plate: \(actual.value(at: rows[0]).displayText).")
        }
        return output
    }
}
