import ArgumentParser
import Engine
import Foundation
import Interpreter
import ScoringHTTP
import SparkConnect

/// `plateshell serve MODEL_URI`: the scoring server in the foreground, for deployment.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve a registered model over MLflow's scoring protocol in the foreground (SIGTERM or Ctrl-C stops it).",
        discussion: """
            POST /invocations (dataframe_split, dataframe_records, instances, inputs JSON, or CSV), GET /ping, \
            /health, /version, as 'mlflow models serve', and GET /model (the model in service as JSON: name, \
            version, digest, URI). With a tracking server it also delivers the workspace's queued tracking \
            items while it runs. The server follows the URI's stage or alias to new \
            versions without a restart. With --log TABLE every scored row is written to that inference log \
            in the workspace's table store, or on Spark when $SPARK_REMOTE names a server (time, request id, model version, inputs, outputs, latency), in \
            batches off the request path. On SIGTERM or SIGINT it stops accepting, finishes the requests in \
            flight, writes what the log holds and exits 0.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(
        help: "models:/NAME/Production, models:/NAME@ALIAS, models:/NAME/N, runs:/RUN_ID/model, or a model directory.")
    var modelURI: String

    @Option(help: "The TCP port (0: any free port).") var port: Int = 5001
    @Option(help: "The address to bind (0.0.0.0: every interface; there is no authentication).") var host: String =
        "127.0.0.1"

    @Option(help: "Seconds between checks of the URI for a new version (default: 0.5, or 2 with a tracking server).")
    var poll: Double?

    @Option(
        help:
            "The inference log: a table (e.g. fsp.inference; in the workspace store, or on Spark with $SPARK_REMOTE) that gets a row per scored plate, or off."
    )
    var log: String = "off"

    @Option(
        name: .customLong("tracking-uri"),
        help:
            "The MLflow tracking server whose registry models:/ URIs resolve in (default: $MLFLOW_TRACKING_URI; none: the workspace catalog)."
    )
    var trackingURI: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535; got \(port)") }
        if let poll, !(poll > 0 && poll <= 3600) {
            throw ValidationError("--poll must be more than 0 and at most 3600 seconds; got \(poll)")
        }
        _ = try logTable()
    }

    /// The table `--log` names, nil for off.
    private func logTable() throws -> TableName? {
        guard log.lowercased() != "off" else { return nil }
        do {
            return try TableName(parsing: log)
        } catch let error as EngineError {
            throw ValidationError("--log: \(error.message); give a table such as fsp.inference, or off")
        }
    }

    func run() throws {
        let workspace = Workspace.resolve(option: global.workspace)
        let source: ModelSource
        let client: MLflowClient?
        do {
            let server = (trackingURI ?? ProcessInfo.processInfo.environment["MLFLOW_TRACKING_URI"]).flatMap {
                $0.isEmpty || $0 == "none" ? nil : $0
            }
            client = try server.map { try MLflowClient(uri: $0) }
            source = try ModelSource(uri: modelURI, workspace: workspace.root, server: client)
        } catch let error as EngineError {
            Self.fail("cannot serve \(modelURI): \(error.message)" + (error.hint.map { "\n  hint: \($0)" } ?? ""))
        }
        if let notice = source.notice { Self.say(notice) }
        if let problem = source.recordProblem { Self.say("Warning: \(problem)") }
        let log: InferenceLog?
        do {
            log = try logTable().map { table in
                // On Spark when $SPARK_REMOTE names a server, as for the shell's tables.
                guard let spark = SparkRemote.environmentAddress else {
                    return try InferenceLog(
                        directory: workspace.layout.tablesDirectory, table: table, model: source.model,
                        source: "serve \(modelURI)")
                }
                return try InferenceLog.onSpark(
                    try SparkRemote(parsing: spark), table: table, model: source.model, source: "serve \(modelURI)")
            }
        } catch let error as EngineError {
            Self.fail("cannot log to \(self.log): \(error.message)" + (error.hint.map { "\n  hint: \($0)" } ?? ""))
        }
        let outbox = client.flatMap { Self.deliverQueue(workspace: workspace.root, client: $0) }
        let service = ScoringService(source: source, log: log)
        let interval = poll.map { Duration.milliseconds(Int64($0 * 1000)) } ?? source.followInterval
        let server = ScoringServer(
            service: service, host: host, port: port, followInterval: interval,
            onFollow: { event in
                switch event {
                case .switched(let model):
                    Self.say("\(modelURI) moved: now serving \(model.label)")
                    if let problem = service.source.recordProblem { Self.say("Warning: \(problem)") }
                case .failing(let problem):
                    Self.say("Cannot follow \(modelURI) (\(problem)): still serving \(service.source.model.label)")
                case .recovered: Self.say("Following \(modelURI) again")
                }
            })
        let host = self.host
        let uri = modelURI
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        Task {
            do {
                try await server.runUntilSignalled { port in
                    Self.say(
                        "Serving \(source.model.label) (\(uri)) at http://\(host):\(port)/invocations, pid \(getpid()); SIGTERM or Ctrl-C stops."
                    )
                    if let log {
                        Self.say(
                            "Logging every scored row to \(log.table.displayName) (\(log.location)); 'sql select * from \(log.table.displayName)' reads it."
                        )
                    } else {
                        Self.say("Not logging scored rows (--log TABLE keeps an inference log).")
                    }
                }
            } catch {
                failure = error
            }
            done.signal()
        }
        done.wait()
        if let failure {
            // ScoringServer's error already says "cannot listen on HOST:PORT: reason".
            let message = (failure as? EngineError)?.message ?? "cannot listen on \(host):\(port): \(failure)"
            Self.fail(message + "\n  hint: another server may hold the port; pick another with --port")
        }
        let counts = service.counts
        Self.say(
            "Stopped after \(counts.requests) request\(counts.requests == 1 ? "" : "s") (\(counts.errors) refused).")
        if let log { Self.close(log) }
        if let outbox {
            outbox.stop()
            do {
                let left = try outbox.outbox.queued()
                if left > 0 {
                    Self.say(
                        "\(left) tracking item\(left == 1 ? " stays" : "s stay") queued for \(outbox.client.server); they are sent the next time PlateShell tracks to it from this workspace."
                    )
                }
            } catch {
                Self.say("Tracking: \(Outbox.readFailure(error)).")
            }
        }
    }

    /// Writes what the inference log still holds and says what it wrote; exits 1 when rows
    /// could not be written.
    private static func close(_ log: InferenceLog) {
        let status = log.stop()
        say(status.summary)
        if let note = status.settleNote { say(note) }
        if let failure = status.failure { fail(failure) }
    }

    /// Starts delivering the workspace's queued tracking items to the server while the scoring
    /// server runs (when no other PlateShell of the workspace is sending them, the sender waits
    /// for its lock), and says how many wait.
    private static func deliverQueue(workspace: String, client: MLflowClient) -> OutboxSender? {
        let sender: OutboxSender
        do { sender = try OutboxSender(catalog: try Catalog(workspace: workspace), client: client) } catch {
            say(
                "Tracking: the workspace's tracking outbox cannot be opened (\(EngineError.message(of: error))): queued items are not delivered while serving."
            )
            return nil
        }
        sender.start()
        do {
            let queued = try sender.outbox.queued()
            if queued > 0 {
                say(
                    "Delivering \(queued) queued tracking item\(queued == 1 ? "" : "s") to \(client.server) while serving ('tracking status' in a shell shows the queue)."
                )
            }
        } catch {
            say("Tracking: \(Outbox.readFailure(error)).")
        }
        return sender
    }

    private static func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    private static func fail(_ text: String) -> Never {
        FileHandle.standardError.write(Data(("error: " + text + "\n").utf8))
        Foundation.exit(1)
    }
}
