import Dispatch
import Foundation
import Synchronization

/// Runs the server's tasks on their own Dispatch threads instead of Swift's cooperative pool.
///
/// The pool has one thread per core, and synchronous code running on it (a command run from
/// async code, a test waiting for an answer) can hold them all; requests must still be answered
/// then. Jobs go round-robin to one serial queue per core: serial queues get overcommitting
/// threads, which Dispatch adds even when others are blocked. (Graceful shutdown still passes
/// through the libraries' own tasks on the pool: wait for `stop()` off the pool.)
final class DispatchTaskExecutor: TaskExecutor, Sendable {
    private let queues = (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map {
        DispatchQueue(label: "plateshell.serve.\($0)")
    }
    private let next = Atomic<Int>(0)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let index = next.add(1, ordering: .relaxed).newValue % queues.count
        queues[index].async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
