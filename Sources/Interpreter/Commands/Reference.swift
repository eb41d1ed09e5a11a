/// The command reference, written from the command table: `help COMMAND` and docs/REFERENCE.md
/// both come from here, so they cannot drift from what the shell accepts.
public enum Reference {
    /// `help COMMAND`: usage, what it does, parameters with defaults, and examples.
    public static func text(for spec: CommandSpec) -> String {
        var lines = ["usage: \(spec.usage)", "", spec.summary, "", spec.help]
        if !spec.aliases.isEmpty { lines += ["", "aliases: \(spec.aliases.joined(separator: ", "))"] }
        let arguments = argumentLines(for: spec)
        if !arguments.isEmpty { lines += [""] + arguments.map { "  \($0.0)  \($0.1)" } }
        if !spec.examples.isEmpty { lines += ["", "examples:"] + spec.examples.map { "  \($0)" } }
        return lines.joined(separator: "\n")
    }

    /// The whole reference as Markdown, grouped by category.
    public static func markdown() -> String {
        var out = ""
        for category in CommandSpec.Category.allCases {
            out += "## \(category.rawValue)\n\n"
            for spec in CommandTable.all where spec.category == category {
                out += "### `\(spec.name)`\n\n`\(spec.usage)`\n\n\(spec.summary) \(spec.help)\n\n"
                if !spec.aliases.isEmpty {
                    out += "Aliases: \(spec.aliases.map { "`\($0)`" }.joined(separator: ", ")).\n\n"
                }
                for (name, text) in argumentLines(for: spec) { out += "- `\(name)`: \(text)\n" }
                if !argumentLines(for: spec).isEmpty { out += "\n" }
                if !spec.examples.isEmpty {
                    out += "```plsh\n" + spec.examples.joined(separator: "\n") + "\n```\n\n"
                }
            }
        }
        return out
    }

    private static func argumentLines(for spec: CommandSpec) -> [(String, String)] {
        spec.positionals.map { positional in
            ((positional.keyword.map { "\($0) " } ?? "") + positional.kind.placeholder, positional.help)
        }
            + spec.parameters.map { parameter in
                var text = parameter.help
                if let fallback = parameter.defaultValue { text += " (default: \(fallback))" }
                if parameter.isRequired { text += " (required)" }
                return ("\(parameter.key)=\(parameter.kind.placeholder)", text)
            }
    }
}
