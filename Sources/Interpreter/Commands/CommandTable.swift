import Engine

/// Every command of the language, one row each, gathered from the command groups. Parsing,
/// validation, `help`, completion and the README reference all read this table.
public enum CommandTable {
    public static let all: [CommandSpec] =
        DataCommands.rows + ExplorationCommands.rows + PreparationCommands.rows
        + ModellingCommands.rows + ExplanationCommands.rows + TrackingCommands.rows + RegistryCommands.rows
        + DeploymentCommands.rows + MonitoringCommands.rows + SessionCommands.rows

    /// Every name and alias, for completion and suggestions.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }

    /// The command named `name`: exact name or alias first, then a unique prefix.
    public static func spec(named name: String) -> CommandSpec? {
        let lowered = name.lowercased()
        if let exact = all.first(where: { $0.name == lowered || $0.aliases.contains(lowered) }) { return exact }
        let prefixed = all.filter { $0.name.hasPrefix(lowered) }
        return prefixed.count == 1 && lowered.count >= 2 ? prefixed[0] : nil
    }

    /// The command for a verb token, or a usage diagnostic with "did you mean".
    static func lookup(_ verb: Token) throws -> CommandSpec {
        if let spec = spec(named: verb.text) { return spec }
        let lowered = verb.text.lowercased()
        let ambiguous = all.filter { $0.name.hasPrefix(lowered) }.map(\.name)
        if ambiguous.count > 1 && lowered.count >= 2 {
            throw Diagnostic.usage(
                "'\(verb.text)' could be \(ambiguous.joined(separator: ", "))", at: verb.range,
                hint: "type more of the name")
        }
        throw Diagnostic.usage(
            "unknown command '\(verb.text)'", at: verb.range,
            suggestions: Suggestions.closest(to: verb.text, among: names),
            hint: "'help' lists the commands")
    }
}
