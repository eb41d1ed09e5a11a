import Engine
import Foundation
import Interpreter

#if canImport(Glibc)
    import Glibc
#endif

/// Prints outcomes as they arrive: results on standard output, diagnostics on standard error,
/// in the session's current format; long commands draw a progress bar on a terminal's stderr;
/// charts show inline where the terminal shows pictures and `images` is on.
final class TerminalOutput: SessionOutput, ProgressDisplay, @unchecked Sendable {
    // @unchecked Sendable: only `report` runs on worker threads; it reads `showsProgress` (a
    // constant) and writes under `progressLock`. The settings, set once at start, are a closure
    // over the non-Sendable Session, read only by `deliver` on the session's thread.
    /// Reads the session's settings at each delivery (the `format` command changes them).
    var settings: () -> Session.Settings = { Session.Settings() }
    /// Whether to echo script commands (not for piped standard input).
    var echoes = true
    /// Whether to show narration.
    var narrates = true

    /// Whether standard error is a terminal (progress bars are drawn only there).
    private let showsProgress = isatty(STDERR_FILENO) == 1
    private let progressLock = NSLock()
    /// The terminal's picture protocol, asked once, when the first chart is to be shown.
    private lazy var pictures: TerminalImages.Kind? = TerminalImages.detect()

    /// Draws `label [████░░░░] done/total` on one line, cleared when the work is done.
    func report(_ label: String, done: Int, total: Int) {
        guard showsProgress, total > 0 else { return }
        progressLock.lock()
        defer { progressLock.unlock() }
        let width = 30
        let filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        Terminal.write(done >= total ? "\r\u{1B}[2K" : "\r\(label) [\(bar)] \(done)/\(total)", error: true)
    }

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
        if case .output(let output, _) = outcome, current.images, current.format == .table, Terminal.outputIsTerminal {
            showPictures(output)
        }
    }

    private func showPictures(_ output: CommandOutput) {
        for case .image(let image) in output.blocks {
            guard let pictures,
                let sequence = TerminalImages.sequence(pictures, png: image.png, columns: min(Terminal.width - 2, 100))
            else { return }
            Terminal.write(sequence + "\n")
        }
    }
}
