import Synchronization

/// A flag that a long-running operation polls to learn that the user pressed Ctrl-C.
///
/// The terminal front end sets it from its SIGINT handler (an atomic store is async-signal-safe);
/// engine loops call `check()` between units of work (batches of rows, folds, trees) and stop
/// with `EngineError.cancelled`, leaving stored data as it was before the command.
public final class Cancellation: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Asks the running operation to stop.
    public func request() { requested.store(true, ordering: .relaxed) }

    /// Clears a request, before the next command starts.
    public func reset() { requested.store(false, ordering: .relaxed) }

    public var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Throws `EngineError.cancelled` when a stop was requested.
    public func check() throws {
        if isRequested { throw EngineError.cancelled }
    }
}
