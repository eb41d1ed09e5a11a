/// A scoring server's HTTP listener (libmicrohttpd's, in the target `ScoringHTTP`): what the
/// shell's `serve` starts in the background, reached through this protocol and `Connectors` so
/// that the Interpreter does not import the listener.
public protocol ScoringListener: AnyObject, Sendable {
    /// The scoring protocol it answers with: the served model, its log, its counts.
    var service: ScoringService { get }
    /// The address it listens on.
    var host: String { get }
    /// The port it listens on, nil when stopped.
    var port: Int? { get }
    /// Starts listening in the background and returns the port.
    ///
    /// - Throws: `EngineError` when the port cannot be listened on.
    func start() throws -> Int
    /// Stops listening, finishing the requests in flight.
    func stop()
}
