/// An entry as the session received it: its text and where it came from.
public struct Entry: Sendable, Equatable {
    public let text: String
    public let origin: Origin

    /// An entry as it is shown again (echoed, under a diagnostic, in a notebook): a Spark Connect
    /// token in it is masked.
    public init(_ text: String, origin: Origin) {
        self.text = Session.historyText(text)
        self.origin = origin
    }
}

/// Something the session reports while it runs entries: a command's output, a diagnostic, a
/// block of narration, or the echo of a script command before it runs.
public enum Outcome: Sendable, Equatable {
    case output(CommandOutput, entry: Entry)
    case failure(Diagnostic, entry: Entry)
    case narration(String, origin: Origin)
    case echo(Entry)
}

/// Where the session sends outcomes as they happen (the terminal, a test's collector).
public protocol SessionOutput: AnyObject {
    func deliver(_ outcome: Outcome)
}

/// Keeps every outcome, for tests and for `-c` runs that print at the end.
public final class CollectingOutput: SessionOutput {
    public private(set) var outcomes: [Outcome] = []

    public init() {}

    public func deliver(_ outcome: Outcome) { outcomes.append(outcome) }

    /// The command outputs, in order.
    public var outputs: [CommandOutput] {
        outcomes.compactMap { if case .output(let output, _) = $0 { output } else { nil } }
    }

    /// The diagnostics, in order.
    public var failures: [Diagnostic] {
        outcomes.compactMap { if case .failure(let diagnostic, _) = $0 { diagnostic } else { nil } }
    }

    public func removeAll() { outcomes.removeAll() }
}
