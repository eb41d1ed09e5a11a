import Engine

/// Every command of the language, one row each, gathered from the command groups. Parsing,
/// validation, `help`, completion and docs/REFERENCE.md all read this table.
public enum CommandTable {
    public static let all: [CommandSpec] =
        DataCommands.rows + ExplorationCommands.rows + PreparationCommands.rows
        + ModellingCommands.rows + ExplanationCommands.rows + TrackingCommands.rows + RegistryCommands.rows
        + DeploymentCommands.rows + MonitoringCommands.rows + SessionCommands.rows

    /// Every name and alias, for completion and suggestions.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }

    /// The command named `name`: exact name or alias first, then a unique prefix.
    public static func spec(named name: String) -> CommandSpec? {
        exact(name) ?? uniquePrefix(name)
    }

    /// The command whose name or alias is `name` (in any case).
    static func exact(_ name: String) -> CommandSpec? {
        let lowered = name.lowercased()
        return all.first { $0.name == lowered || $0.aliases.contains(lowered) }
    }

    /// The only command whose name starts with `prefix` (two letters at least).
    static func uniquePrefix(_ prefix: String) -> CommandSpec? {
        let lowered = prefix.lowercased()
        let prefixed = all.filter { $0.name.hasPrefix(lowered) }
        return prefixed.count == 1 && lowered.count >= 2 ? prefixed[0] : nil
    }

    /// The command for a verb token, or a usage diagnostic with "did you mean".
    ///
    /// A unique prefix (`des` for `describe`) runs its command only where `prefixes` is set (at
    /// the interactive prompt, `Origin.acceptsPrefixes`): in scripts, notebooks and `-c` a later
    /// command sharing the prefix would change what the text means, so there names are written
    /// in full, and a prefix gets "did you mean 'describe'?".
    static func lookup(_ verb: Token, prefixes: Bool = true) throws -> CommandSpec {
        if let spec = exact(verb.text) { return spec }
        if let spec = uniquePrefix(verb.text) {
            if prefixes { return spec }
            throw Diagnostic.usage(
                "unknown command '\(verb.text)'", at: verb.range, suggestions: [spec.name],
                hint: "scripts, notebooks and -c take full command names; prefixes work at the interactive prompt only")
        }
        let lowered = verb.text.lowercased()
        let ambiguous = all.filter { $0.name.hasPrefix(lowered) }.map(\.name)
        if ambiguous.count > 1 && lowered.count >= 2 {
            if !prefixes {
                throw Diagnostic.usage(
                    "unknown command '\(verb.text)'", at: verb.range,
                    hint: "it begins \(ambiguous.joined(separator: ", ")); write the name in full")
            }
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
