import Engine

/// An error (or warning) as data: what went wrong, which text caused it, and what to do.
///
/// Diagnostics come from three layers: syntax (the lexer and parser), usage (unknown commands or
/// parameters, values out of range, wrong arity: shown with the command's usage), and the engine
/// (`EngineError`). Anything else is an internal error. `DiagnosticRenderer` decides how each is
/// shown; the session never prints.
public struct Diagnostic: Error, Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }

    /// Which layer reported the problem; it sets the exit status of a script.
    public enum Layer: String, Sendable { case syntax, usage, engine, `internal` }

    public var severity: Severity = .error
    public var layer: Layer
    public var message: String
    /// The offending text in the entry, if known.
    public var range: SourceRange?
    public var hint: String?
    /// "did you mean" candidates, best first.
    public var suggestions: [String] = []
    public var notes: [String] = []
    /// The command's usage line, shown for usage errors.
    public var usage: String?
    /// The engine's error family, for machine-readable output.
    public var kind: String?

    public init(
        layer: Layer, message: String, range: SourceRange? = nil, hint: String? = nil,
        suggestions: [String] = [], notes: [String] = [], usage: String? = nil, kind: String? = nil
    ) {
        self.layer = layer
        self.message = message
        self.range = range
        self.hint = hint
        self.suggestions = suggestions
        self.notes = notes
        self.usage = usage
        self.kind = kind
    }

    /// A usage error: an unknown name, a bad value, a missing or extra argument.
    public static func usage(
        _ message: String, at range: SourceRange?, usage: String? = nil,
        suggestions: [String] = [], hint: String? = nil
    ) -> Diagnostic {
        Diagnostic(
            layer: .usage, message: message, range: range, hint: hint, suggestions: suggestions,
            usage: usage, kind: "usage")
    }

    /// The diagnostic for an engine error, pointing at `range` (the argument it concerns).
    public init(_ error: EngineError, range: SourceRange?) {
        self.init(
            layer: .engine, message: error.message, range: range, hint: error.hint,
            suggestions: error.suggestions, notes: error.notes, kind: error.kind.rawValue)
    }

    /// The full message with its "did you mean" suggestion.
    public var fullMessage: String {
        guard let first = suggestions.first else { return message }
        if suggestions.count == 1 { return "\(message); did you mean '\(first)'?" }
        let quoted = suggestions.map { "'\($0)'" }
        return "\(message); did you mean \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last!)?"
    }
}

extension EngineError {
    /// The error as one clause of a message line: what went wrong, then what to do about it.
    var sentence: String { message + (hint.map { " (\($0))" } ?? "") }
}

/// An error reported inside a command's output rather than thrown (the command's work stands):
/// an engine error with its hint, anything else as it describes itself.
func reported(_ error: Error) -> String {
    (error as? EngineError)?.sentence ?? "\(error)"
}
