import Engine

/// The scoring server `serve` started in the background of the shell, if any: what the
/// deployment commands touch, and what a promotion refreshes.
final class DeploymentState {
    var server: (any ScoringListener)?

    /// The running server and its port, nil when none runs.
    var running: (server: any ScoringListener, port: Int)? {
        guard let server, let port = server.port else { return nil }
        return (server, port)
    }

    /// Stops the server, finishing the requests in flight, then writes what its inference log
    /// holds.
    ///
    /// - Returns: the log's final status, nil when it had none.
    @discardableResult
    func stop() -> InferenceLog.Status? {
        server?.stop()
        defer { server = nil }
        return server?.service.log?.stop()
    }

    /// The model the running server answers with now, nil when none runs: what a registry
    /// command takes before its change, to say afterwards whether the server switched.
    var servedModel: ServedModel? { running?.server.service.source.model }

    /// After a stage or alias change: a running server checks its URI now, so the session's next
    /// command already talks to the new version; says so when it serves another model than
    /// `before`. The server's follower may have switched between the change and this check, so
    /// what is compared is what it serves, not whether this check switched.
    func refresh(on output: inout CommandOutput, servedBefore before: ServedModel?) {
        guard let (server, port) = running else { return }
        let source = server.service.source
        do {
            try source.refresh()
            let now = source.model
            if let before, now.label != before.label || now.directory != before.directory {
                output.say("The server on port \(port) now serves \(now.label) (\(source.uri)).")
            }
        } catch {
            output.say("The server on port \(port) keeps serving \(source.model.label): \(reported(error)).")
        }
    }
}
