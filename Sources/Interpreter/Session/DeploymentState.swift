import Engine

/// The scoring server `serve` started in the background of the shell, if any: what the
/// deployment commands touch, and what a promotion refreshes.
final class DeploymentState {
    var server: ScoringServer?

    /// The running server and its port, nil when none runs.
    var running: (server: ScoringServer, port: Int)? {
        guard let server, let port = server.port else { return nil }
        return (server, port)
    }

    /// Stops the server, finishing the requests in flight.
    func stop() {
        server?.stop()
        server = nil
    }

    /// After a stage or alias change: a running server checks its URI now, so the session's next
    /// command already talks to the new version; says so when it switched.
    func refresh(on output: inout CommandOutput) {
        guard let (server, port) = running else { return }
        do {
            if let model = try server.service.source.refresh() {
                output.say("The server on port \(port) now serves \(model.label) (\(server.service.source.uri)).")
            }
        } catch {
            output.say(
                "The server on port \(port) keeps serving \(server.service.source.model.label): \(reported(error)).")
        }
    }
}
