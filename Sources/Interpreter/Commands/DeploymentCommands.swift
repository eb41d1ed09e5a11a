import Engine
import Foundation

extension CommandTable {
    static let deploymentCommands: [CommandSpec] = [
        CommandSpec(
            "serve", category: .deployment, summary: "Serve a registered model over MLflow's scoring protocol, in the background.",
            help: """
                Starts a scoring server for MODEL_URI (models:/NAME/Production, models:/NAME@champion, runs:/ID/model) \
                in the background of the shell: POST /invocations takes dataframe_split, dataframe_records, instances or \
                inputs JSON, or CSV, checks the rows against the model's signature and answers {"predictions": [...]}, as \
                'mlflow models serve' does; GET /ping, /health, /version. When the stage or alias it serves moves to \
                another version, the server switches to it without dropping a request (it checks every poll= seconds; with \
                a tracking server, models:/ URIs resolve there, so a promotion made from MLflow's UI or Python client is \
                followed too, and versions are downloaded into the workspace's model cache). It binds 127.0.0.1 unless host= \
                says otherwise. 'serve status' shows what it serves and how many requests it answered; 'serve stop' stops \
                it (finishing the requests in flight). 'plateshell serve MODEL_URI --port N' serves in the foreground.
                """,
            positionals: [.required("target", .text("model-uri|status|stop"), help: "the model URI to serve, or status, or stop")],
            parameters: [ParameterSpec("port", .int(min: 0, max: 65535), default: "5001", help: "the TCP port (0: any free port)"),
                         ParameterSpec("host", .text("address"), default: "127.0.0.1", help: "the address to bind (0.0.0.0: every interface)"),
                         ParameterSpec("poll", .number(min: 0, max: 3600, maxInclusive: true),
                                       help: "seconds between checks of the URI (default 0.5; 2 with a tracking server)")],
            examples: ["serve models:/et-fsp-model/Production", "serve models:/et-fsp-model@champion port=5002 poll=5", "serve status", "serve stop"],
            handler: { try $0.serve($1) }),
        CommandSpec(
            "invoke", category: .deployment, summary: "Send rows of the frame to a scoring endpoint and show its answer.",
            help: """
                Posts rows as dataframe_split JSON to URL/invocations (PlateShell's server or 'mlflow models serve') and \
                shows the predictions with the model version that answered and the round-trip time: 'invoke URL plate N' \
                sends row N of the current frame, 'invoke URL on=TABLE' the first limit= rows of a stored table (or of the \
                frame without on=). Without URL it calls the server this shell started with serve.
                """,
            positionals: [.optional("url", .text("url"), help: "the scoring server (default: this shell's), e.g. http://127.0.0.1:5001"),
                          .optional("row", .int(min: 0, max: nil), keyword: "plate", help: "the frame row to send")],
            parameters: [ParameterSpec("on", .table, help: "a stored table to send rows of"),
                         ParameterSpec("limit", .int(min: 1, max: 100_000), default: "5", help: "rows sent")],
            examples: ["invoke plate 42", "invoke http://127.0.0.1:5001 plate 42", "invoke http://127.0.0.1:5001 on=fsp.faults limit=10"],
            handler: { try $0.invoke($1) }),
    ]
}

extension Session {
    // MARK: - predict with=

    /// `predict with=URI`: scores raw rows with a registered model, stores them with the model's
    /// name and version when into= is given, and tracks the scoring as a run whose params and
    /// tags lead back to the model version, its training run and the input table version.
    func predictWithRegistered(_ invocation: Invocation, uri: String) throws -> CommandOutput {
        if invocation.has("model") {
            throw Diagnostic.usage("give a session model or with=URI, not both", at: invocation.range(of: "with"), usage: invocation.spec.usage)
        }
        let modelSource = try invocation.at("with") { try ModelSource(uri: uri, workspace: workspace.root, server: try trackingServer()) }
        let served = modelSource.model
        var (table, source, stored) = try predictionInput(invocation)
        if let row = invocation.int("row") {
            guard !invocation.has("on") else {
                throw Diagnostic.usage("plate N is a row of the frame; leave out on=", at: invocation.range(of: "on"), usage: invocation.spec.usage)
            }
            try checkPlate(row, of: table, range: invocation.range(of: "row"))
            table = table.selecting(rows: [row])
            source = "plate \(row) of \(source)"
        }
        let outputs = served.outputColumns(try invocation.at(invocation.has("on") ? "on" : "with") { try table.matrix(of: served.inputs.map(\.name)) })
        var output = CommandOutput(command: "predict")
        if let notice = modelSource.notice { output.say(notice + ".") }
        output.say("Scored \(table.rowCount) row\(table.rowCount == 1 ? "" : "s") of \(source) with \(served.label) (\(uri)).")
        let limit = min(invocation.int("limit")!, table.rowCount)
        output.table("predictions", title: "\(served.label) on \(source)", columns: ["row"] + outputs.map(\.name),
                     rows: (0..<limit).map { r in [.integer(Int64(r))] + outputs.map { $0.value(at: r) } }, totalRows: table.rowCount)
        let counts = outputs[0].name == "predicted" ? ValueCounts(outputs[0]) : nil
        if let counts {
            output.table("predicted_counts", columns: ["class", "count", "percent"], rows: counts.entries.map {
                [$0.value, .integer(Int64($0.count)), .real($0.percent)]
            })
        }
        var written: TableVersion?
        if let into = invocation.string("into") {
            let name = try invocation.at("into") { try TableName(parsing: into) }
            var combined = table
            for column in outputs { combined = try combined.setting(column) }
            combined = try combined.setting(Column(name: "model", storage: .text(Array(repeating: served.name ?? served.directory, count: table.rowCount))))
            combined = try combined.setting(Column(name: "model_version", storage: .integer(Array(repeating: Int64(served.version ?? 0), count: table.rowCount))))
            written = try invocation.at("into") {
                try store().write(combined, as: name, source: "predict with \(uri) (\(served.label)) on \(source)", operation: "predict")
            }
            output.say("Stored \(written!.rowCount) rows with predictions as \(written!.name.displayName) version \(written!.version).")
        }
        recordRun("predict with \(served.label)", on: &output) { run in
            var params = ["model_uri": uri, "rows": String(table.rowCount), "input": source]
            if served.name == nil { params["model_directory"] = served.directory }
            if let name = served.name, let version = served.version {
                params["model_name"] = name
                params["model_version"] = String(version)
                if let runId = try tracker().registry.version(name, version).runId { params["model_run_id"] = runId }
            }
            if let written { params["output_table"] = "\(written.name.displayName)@v\(written.version)" }
            try run.params(params)
            if let stored { try run.dataset(datasetInput(of: stored, table: table, context: "scoring")) }
            if let counts {
                try run.metrics(Dictionary(uniqueKeysWithValues: counts.entries.map { ("predicted_share_\($0.value.displayText)", $0.percent / 100) }))
                try run.csv("predictions/predicted_counts.csv", try Table(columns: [
                    Column(name: "class", storage: .text(counts.entries.map(\.value.displayText))),
                    Column(name: "count", storage: .integer(counts.entries.map { Int64($0.count) })),
                ]))
            }
        }
        return output
    }

    // MARK: - serve

    func serve(_ invocation: Invocation) throws -> CommandOutput {
        var output = CommandOutput(command: "serve")
        switch invocation.string("target")!.lowercased() {
        case "status":
            guard let server = deployment, let port = server.port else {
                output.say("No server is running; 'serve models:/NAME/Production' starts one.")
                return output
            }
            output.blocks.append(.fields(name: "server", serverFields(server, port: port)))
            if let problem = server.service.source.lastProblem { output.say("It keeps serving its model: the last check of \(server.service.source.uri) failed (\(problem)).") }
        case "stop":
            guard let server = deployment, let port = server.port else {
                output.say("No server is running.")
                return output
            }
            server.stop()
            deployment = nil
            let counts = server.service.counts
            output.say("Stopped the server on \(server.host):\(port) after \(counts.requests) request\(counts.requests == 1 ? "" : "s") (\(counts.errors) refused).")
        default:
            if let server = deployment, let port = server.port {
                throw Diagnostic(EngineError(.invalidArgument, "a server is already running on \(server.host):\(port), serving \(server.service.source.uri)",
                                             hint: "'serve stop' first, or serve from another shell with port=N"), range: invocation.range(of: "target"))
            }
            let uri = invocation.string("target")!
            let source = try invocation.at("target") { try ModelSource(uri: uri, workspace: workspace.root, server: try trackingServer()) }
            let host = invocation.string("host")!
            let interval = invocation.number("poll").map { Duration.milliseconds(Int64($0 * 1000)) } ?? source.followInterval
            let server = ScoringServer(service: ScoringService(source: source), host: host, port: invocation.int("port")!, followInterval: interval)
            let port = try invocation.at("port") { try server.start() }
            deployment = server
            if let notice = source.notice { output.say(notice + ".") }
            output.say("Serving \(source.model.label) (\(uri)) at http://\(host):\(port)/invocations; it follows \(uri) when it moves to another version.")
            if !["127.0.0.1", "localhost", "::1"].contains(host) {
                output.say("Warning: host=\(host) accepts requests from other machines; there is no authentication.")
            }
            output.blocks.append(.fields(name: "server", serverFields(server, port: port)))
        }
        return output
    }

    private func serverFields(_ server: ScoringServer, port: Int) -> [Field] {
        let counts = server.service.counts
        return [Field("url", .text("http://\(server.host):\(port)")), Field("uri", .text(server.service.source.uri)),
                Field("serving", .text(server.service.source.model.label)),
                Field("requests", .integer(Int64(counts.requests))), Field("errors", .integer(Int64(counts.errors)))]
    }

    /// After a stage or alias change: a running server checks its URI now, so the session's next
    /// command already talks to the new version; says so when it switched.
    func refreshServer(on output: inout CommandOutput) {
        guard let server = deployment, let port = server.port else { return }
        do {
            if let model = try server.service.source.refresh() {
                output.say("The server on port \(port) now serves \(model.label) (\(server.service.source.uri)).")
            }
        } catch {
            output.say("The server on port \(port) keeps serving \(server.service.source.model.label): \(reported(error)).")
        }
    }

    // MARK: - invoke

    func invoke(_ invocation: Invocation) throws -> CommandOutput {
        guard let endpoint = invocation.string("url") ?? deployment?.port.map({ "http://\(deployment!.host):\($0)" }) else {
            throw EngineError(.invalidArgument, "no server is running in this shell", hint: "give the server's URL (invoke http://HOST:PORT plate N), or start one with serve")
        }
        let client = try invocation.at("url") { try ScoringClient(endpoint: endpoint) }
        let table: Table, rows: [Int], source: String
        if let row = invocation.int("row") {
            table = try currentTable()
            try checkPlate(row, of: table, range: invocation.range(of: "row"))
            rows = [row]
            source = "plate \(row) of \(frame?.name ?? "the frame")"
        } else {
            (table, source, _) = try predictionInput(invocation)
            rows = Array(0..<min(invocation.int("limit")!, table.rowCount))
        }
        let cells = rows.map { r in table.columns.map { JSON($0.value(at: r)) } }
        let answer = try invocation.at("url") { try client.invoke(columns: table.columnNames, rows: cells) }
        var output = CommandOutput(command: "invoke")
        output.say("\(client.url.absoluteString) answered for \(rows.count) row\(rows.count == 1 ? "" : "s") of \(source) in "
            + String(format: "%.1f ms", answer.seconds * 1000) + (answer.model.map { ", scored by \($0)" } ?? "") + ".")
        output.table("predictions", columns: ["row"] + answer.columns,
                     rows: zip(rows, answer.rows).map { [.integer(Int64($0))] + $1 })
        if rows.count == 1, let actual = try? table.column(named: modeling.target) {
            output.say("Actual \(modeling.target) of that plate: \(actual.value(at: rows[0]).displayText).")
        }
        return output
    }
}
