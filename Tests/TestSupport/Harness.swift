import Engine
import Interpreter
import StandardConnectors

/// Drives a `Session` in-process on a fresh workspace, as the shell does (the interpreter's tests
/// add `run`, which fails the test on a diagnostic).
public final class Harness {
    public let directory = TemporaryDirectory()
    public let output = CollectingOutput()
    public let session: Session

    public init() {
        session = Session(workspace: Workspace(root: directory.path + "/ws"), connectors: .standard, output: output)
    }

    /// A new session on `other`'s workspace, as a shell started there again (`other` must outlive it).
    public init(reopening other: Harness) {
        session = Session(workspace: other.session.workspace, connectors: .standard, output: output)
    }

    /// Ends the session's background work (a tracking server's sender, a scoring server).
    deinit { _ = session.finish(waitingUpTo: 0) }

    /// Runs `text`; returns the outputs and the diagnostics it produced.
    public func execute(_ text: String) -> (outputs: [CommandOutput], failures: [Diagnostic]) {
        output.removeAll()
        session.execute(text, origin: .commandLine)
        return (output.outputs, output.failures)
    }

    /// Runs `text` and returns the first diagnostic it produced.
    public func failure(_ text: String) -> Diagnostic? {
        execute(text).failures.first
    }
}
