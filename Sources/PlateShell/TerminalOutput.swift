import Engine
import Interpreter

/// Prints outcomes as they arrive: results on standard output, diagnostics on standard error,
/// in the session's current format.
final class TerminalOutput: SessionOutput {
    /// Reads the session's settings at each delivery (the `format` command changes them).
    var settings: () -> Session.Settings = { Session.Settings() }
    /// Whether to echo script commands (not for piped standard input).
    var echoes = true
    /// Whether to show narration.
    var narrates = true

    func deliver(_ outcome: Outcome) {
        if case .echo = outcome, !echoes { return }
        if case .narration = outcome, !narrates { return }
        let current = settings()
        let renderer = OutputRenderer(format: current.format, color: current.color, width: current.width)
        let rendered = renderer.render(outcome)
        if case .failure(let diagnostic, _) = outcome, diagnostic.kind == EngineError.Kind.cancelled.rawValue {
            Terminal.write("\n", error: true)
        }
        Terminal.write(rendered.standardOutput)
        Terminal.write(rendered.standardError, error: true)
    }
}
