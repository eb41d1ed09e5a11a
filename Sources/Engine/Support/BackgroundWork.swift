import Dispatch
import MLCore
import Synchronization

/// Work started on another thread whose result its starter collects later: `value()` waits for
/// it and returns what it made, or rethrows what it threw.
///
/// For independent pieces of one task, such as the files a tracked command logs: each is made
/// on a free core while the command's thread goes on with the rest. The work itself must not
/// wait for other background work: Dispatch's shared threads are as many as the cores, and one
/// that waits holds its core's thread until Dispatch notices, much later, and starts another.
public final class BackgroundWork<Value: Sendable>: Sendable {
    private let outcome = Mutex<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `work` on one of Dispatch's threads.
    public init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Result { try work() }
            outcome.withLock { $0 = result }
            finished.signal()
        }
    }

    /// Work already done: `value()` returns `value` at once.
    public init(done value: Value) {
        outcome.withLock { $0 = .success(value) }
        finished.signal()
    }

    /// The work's result, once it has finished.
    public func value() throws -> Value {
        finished.wait()
        finished.signal()
        return try outcome.withLock { $0! }.get()
    }
}
