import Engine
import Foundation

/// `tracking`: where runs go, switching the registry of record, and the outbox's queue.
extension TrackingCommands {
    struct TrackingArguments: CommandArguments {
        let action = Positional<ServerAction?>(
            "action", .choice(of: ServerAction.self), help: "status: the queue; flush: wait until it is sent")
        let uri = Parameter<String?>("uri", .text("url|off"), help: "the MLflow tracking server, or off")
        let timeout = Parameter<Int>(
            "timeout", .int(min: 1, max: 86_400), default: 60, help: "seconds flush waits at most")
    }

    func trackingCommand(_ arguments: Arguments<TrackingArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "tracking")
        if let uri = arguments.uri { try connectTracking(uri, arguments: arguments, output: &output) }
        let tracker = try tracking.tracker()
        switch arguments.action {
        case .status?: trackingStatus(tracker, into: &output)
        case .flush?: try flushTracking(tracker, timeout: arguments.timeout, into: &output)
        case nil:
            output.blocks.append(
                .fields(
                    name: "tracking",
                    [
                        Field("catalog", .text(tracker.catalog.path)),
                        Field("artifacts", .text(tracker.catalog.artifactRoot)),
                        Field(
                            "server",
                            tracker.remote.map { .text($0.client.server) }
                                ?? .text("none (workspace catalog only)")),
                        Field("registry", .text(tracker.registry.location)),
                        Field(
                            "queued",
                            tracker.remote.map { remote in
                                do {
                                    return .integer(Int64(try remote.sender.outbox.queued()))
                                } catch {
                                    return .text(Outbox.readFailure(error))
                                }
                            } ?? .missing),
                        Field("experiment", .text(tracking.experimentName(for: arguments.context))),
                        Field("autolog", .text(tracking.autolog ? "on" : "off")),
                        Field("open_run", tracker.openRun.map { .text(String($0.prefix(8))) } ?? .missing),
                    ]))
        }
        return output
    }

    /// Switches to the server at `uri` (or back to the catalog alone), checking that it answers.
    private func connectTracking(_ uri: String, arguments: Arguments<TrackingArguments>, output: inout CommandOutput)
        throws
    {
        let target = ["off", "none", "local"].contains(uri.lowercased()) ? nil : uri
        if let open = tracking.opened?.openRun {
            throw Diagnostic(
                EngineError(
                    .invalidArgument, "run \(open.prefix(8)) is open",
                    hint: "end it first (run end), then switch tracking"),
                range: arguments.range(of: \.uri))
        }
        let catalog = try tracking.opened?.catalog ?? Catalog(workspace: tracking.workspace.root)
        let tracker = try arguments.at(\.uri) { try tracking.makeTracker(catalog: catalog, serverURI: target) }
        tracking.replace(with: tracker, serverURI: target)
        guard let server = tracker.remote else {
            output.say("Runs stay in the workspace catalog, which is the registry again.")
            return
        }
        do {
            try server.client.checkAccess()
            output.say(
                "\(tracker.registry.location.prefix(1).uppercased() + tracker.registry.location.dropFirst()) is the registry of record; runs reach it through the workspace's outbox."
            )
        } catch let error as MLflowError {
            output.say(
                "Warning: \(error.engineError.message). Runs are recorded and queued, and sent when it answers; registry commands need it."
                    + (error.engineError.hint.map { " (\($0))" } ?? ""))
        }
    }

    private func trackingStatus(_ tracker: Tracker, into output: inout CommandOutput) {
        guard let server = tracker.remote else {
            output.say(
                "No tracking server is set: runs and the registry are in the workspace catalog (\(tracker.catalog.path))."
            )
            return
        }
        let outbox = server.sender.outbox
        let probeError = server.sender.probe(settle: Self.statusSettle)
        let state = server.sender.currentState
        // An outbox that cannot be read says so in its `queued` field, never "0".
        let queued: [Field]
        do {
            let (counts, oldest) = (try outbox.counts(), try outbox.oldest())
            queued = [
                Field("queued", .integer(Int64(counts.values.reduce(0, +)))),
                Field(
                    "queued_by_kind",
                    .text(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))),
                Field("oldest_queued", oldest.map { .text(ValueFormatting.time($0)) } ?? .missing),
            ]
        } catch {
            queued = [
                Field("queued", .text(Outbox.readFailure(error))), Field("queued_by_kind", .missing),
                Field("oldest_queued", .missing),
            ]
        }
        output.blocks.append(
            .fields(
                name: "tracking",
                [
                    Field("server", .text(server.client.server)),
                    Field("reachable", .text(probeError.map { "no: \($0)" } ?? "yes")),
                    Field("credentials", .text(server.client.credentials?.summary ?? "none")),
                ] + queued + [
                    Field("last_error", state.lastError.map(Value.text) ?? .missing),
                    Field("last_error_at", state.lastErrorTime.map { .text(ValueFormatting.time($0)) } ?? .missing),
                    Field("last_delivery", state.lastDelivery.map { .text(ValueFormatting.time($0)) } ?? .missing),
                    Field("delivered", .integer(Int64(state.delivered))),
                    Field("sender", .text(state.holdsLock ? "this shell" : "another PlateShell using this workspace")),
                ]))
        let others: [String: Int]
        do { others = try outbox.countsByServer().filter { $0.key != server.client.server } } catch {
            others = [:]
            output.say("Tracking: \(Outbox.readFailure(error)); items queued for other servers cannot be listed.")
        }
        if !others.isEmpty {
            output.table(
                "other_servers", title: "Queued for other servers (sent when tracking points at them again)",
                columns: ["server", "queued"],
                rows: others.sorted { $0.key < $1.key }.map { [.text($0.key), .integer(Int64($0.value))] })
        }
        let failures: [(time: Int64, runId: String, kind: String, reason: String)]
        do { failures = try outbox.failures() } catch {
            failures = []
            output.say("Tracking: \(Outbox.readFailure(error)); the items the server refused cannot be listed.")
        }
        if !failures.isEmpty {
            output.table(
                "refused", title: "Refused by the server for good (kept in the workspace catalog)",
                columns: ["time", "run", "kind", "reason"],
                rows: failures.map {
                    [
                        .text(ValueFormatting.time($0.time)), .text(String($0.runId.prefix(8))), .text($0.kind),
                        .text($0.reason),
                    ]
                })
        }
    }

    /// How long `tracking status` gives the queue after the server answers its probe, so the
    /// queue it shows is what is left once a server that came back took what it could.
    static let statusSettle: TimeInterval = 5

    private func flushTracking(_ tracker: Tracker, timeout: Int, into output: inout CommandOutput) throws {
        guard let server = tracker.remote else {
            output.say("Nothing to send: no tracking server is set.")
            return
        }
        let queued = try server.sender.outbox.queued()
        switch server.sender.waitUntilDelivered(timeout: TimeInterval(timeout), cancellation: tracking.cancellation) {
        case .delivered:
            output.say(
                queued == 0
                    ? "Nothing was queued for \(server.client.server)."
                    : "Sent every queued item to \(server.client.server).")
        case .pending(let count, let lastError):
            throw EngineError(
                .io,
                "\(count) item\(count == 1 ? " is" : "s are") still queued for \(server.client.server) after \(timeout) s"
                    + (lastError.map { " (last error: \($0))" } ?? ""),
                hint:
                    "nothing is lost: they stay queued and are sent when the server answers; 'tracking status' shows more"
            )
        }
    }
}
