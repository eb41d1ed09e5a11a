import Engine

extension CommandTable {
    static let displayCommands: [CommandSpec] = [
        CommandSpec(
            "images", category: .session, summary: "Show charts inline in the terminal, or not.",
            help: """
                Charts are always written as PNG and SVG under artifacts/plots/. With images on (the default), a terminal \
                that shows pictures (the kitty graphics protocol, iTerm2 inline images, or sixel; asked of the terminal, \
                never guessed from its name) also shows them under the command's output. Never when output is not a \
                terminal. Notebooks always show them.
                """,
            positionals: [.optional("enabled", .bool, help: "on or off")],
            examples: ["images off", "images on"],
            handler: { try $0.images($1) }),
    ]
}

extension Session {
    func images(_ invocation: Invocation) throws -> CommandOutput {
        if let enabled = invocation.bool("enabled") { settings.images = enabled }
        var output = CommandOutput(command: "images")
        output.blocks.append(.fields(name: "settings", [Field("images", .text(settings.images ? "on" : "off"))]))
        return output
    }
}
