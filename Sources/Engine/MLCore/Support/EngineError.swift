/// An error the engine reports to its caller: what went wrong, where, and how to fix it.
///
/// Every failure that bad input can cause is an `EngineError`; anything else reaching the
/// interpreter is a bug. The message names the culprit (file and line, table, column); `hint`
/// says what to do about it; `suggestions` carries "did you mean" candidates when a name was
/// not found and a known name is close to it.
///
/// For example:
/// ```swift
/// throw EngineError.unknownColumn("Pixel_Areas", known: table.columnNames)
/// // unknown column 'Pixel_Areas' (did you mean 'Pixels_Areas'?)
/// ```
public struct EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The family an error belongs to; callers branch on it, people read `message`.
    public enum Kind: String, Sendable {
        case io, csv, invalidName, unknownTable, unknownVersion, unknownColumn, unknownValue
        case typeMismatch, invalidData, invalidArgument, sql, notFitted, cancelled
    }

    public let kind: Kind
    public let message: String
    public let hint: String?
    public let suggestions: [String]
    /// Extra lines shown under the message (for example the first few offending cells).
    public let notes: [String]
    /// Where in the text the engine was given (an SQL query, say) the error lies: a UTF-8 offset.
    public var position: Int?

    public init(
        _ kind: Kind, _ message: String, hint: String? = nil,
        suggestions: [String] = [], notes: [String] = [], position: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.hint = hint
        self.suggestions = suggestions
        self.notes = notes
        self.position = position
    }

    public var description: String {
        var text = message
        if let first = suggestions.first { text += " (did you mean '\(first)'?)" }
        return text
    }

    /// What `error` says, for a message that reports it inside another: an engine error's
    /// message, anything else as it describes itself.
    public static func message(of error: any Error) -> String {
        (error as? EngineError)?.message ?? "\(error)"
    }
}

extension EngineError {
    /// A column that the current table does not have, with the closest known names as suggestions.
    public static func unknownColumn(_ name: String, known: [String]) -> EngineError {
        EngineError(
            .unknownColumn, "unknown column '\(name)'",
            hint: "'columns' lists the columns of the current table",
            suggestions: Suggestions.closest(to: name, among: known))
    }

    /// A table that the store does not have.
    public static func unknownTable(_ name: String, known: [String]) -> EngineError {
        EngineError(
            .unknownTable, "unknown table '\(name)'",
            hint: "'tables' lists the stored tables; 'load FILE as SCHEMA.TABLE' creates one",
            suggestions: Suggestions.closest(to: name, among: known))
    }

    /// The user interrupted a running command (Ctrl-C).
    public static let cancelled = EngineError(
        .cancelled, "cancelled",
        hint: "nothing was changed by the cancelled command")
}
