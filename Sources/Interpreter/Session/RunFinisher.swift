import Dispatch
import Engine
import Synchronization

/// Finishes recorded runs on another thread, one at a time in the order they were recorded:
/// writes the artifacts each command asked for (charts, tables, the model directory), then ends
/// the run. A command therefore returns as soon as its own result is ready, and the files of its
/// run are written while the next command works (as MLflow's asynchronous logging does).
///
/// Nothing reads a run before it is finished: the session calls `settle()` before any command
/// that reads runs, the catalog or the registry, after each command at the console and in a
/// notebook cell, and before it ends. A run whose files cannot be written ends FAILED, and
/// `drainFailures()` says so after the next command.
final class RunFinisher: Sendable {
    /// A serial queue has a thread of its own, so its waits for files being made hold none of
    /// the shared threads that make them.
    private let queue = DispatchQueue(label: "plateshell.run-finisher", qos: .userInitiated)
    private let failures = Mutex<[String]>([])

    /// Logs `artifacts` into their run, then ends the run with `end` (nil leaves it open: a
    /// `run start` group run, or a run a later command adds to), after every run handed over
    /// before it. `name` is the command, for the message if that fails.
    func finish(_ artifacts: RecordedArtifacts, name: String, ending end: RunStatus?) {
        let (runId, tracker) = (artifacts.runId, artifacts.tracker)
        queue.async { [self] in
            do {
                try artifacts.log()
                if let end { try tracker.endRun(runId, status: end) }
            } catch {
                var ending = ""
                if end != nil {
                    do {
                        try tracker.endRun(runId, status: .failed)
                        ending = " and ended FAILED"
                    } catch {
                        ending =
                            " and could not be ended (\(reported(error))): the next PlateShell to open this workspace marks it KILLED"
                    }
                }
                let message =
                    "the run \(runId.prefix(8)) (\(name)) was not fully recorded (\(reported(error)))\(ending); the command's result stands"
                failures.withLock { $0.append(message) }
            }
        }
    }

    /// Waits until every run handed over so far is finished.
    func settle() {
        queue.sync {}
    }

    /// The runs that could not be finished since the last call (cleared).
    func drainFailures() -> [String] {
        failures.withLock { messages in
            defer { messages = [] }
            return messages
        }
    }
}
