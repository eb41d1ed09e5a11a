import Engine

/// The session commands: help, the session's state and settings, scripts, reset and quit. The
/// session is what they are about, so they hold it.
struct SessionCommands: CommandGroup {
    let session: Session

    static let rows: [CommandSpec] = [
        CommandSpec(
            "help", category: .session, summary: "List the commands, or explain one.",
            help:
                "Without a name: every command with its summary. With one: its usage, what it does, its parameters and examples.",
            examples: ["help", "help load"],
            handler: run { try $0.help($1) }),
        CommandSpec(
            "state", category: .session, summary: "Show the current frame, its lineage, and the settings.",
            help:
                "Shows the current frame (table, version, digest, rows, columns), the steps applied to it, and the session's settings.",
            handler: run { try $0.state() }),
        CommandSpec(
            "format", category: .session, summary: "Set or show the output format.",
            help:
                "table (for people), json (one document per command, for scripts), csv, or markdown (a replayed script reads like a notebook).",
            examples: ["format json", "format"],
            handler: run { try $0.format($1) }),
        CommandSpec(
            "timer", category: .session, summary: "Show how long each command takes.",
            help: "With 'on', every command's output ends with 'Run Time: real S s'.",
            examples: ["timer on"],
            handler: run { try $0.timer($1) }),
        CommandSpec(
            "images", category: .session, summary: "Show charts inline in the terminal, or not.",
            help: """
                Charts are always written as PNG and SVG under artifacts/plots/. With images on (the default), a terminal \
                that shows pictures (the kitty graphics protocol, iTerm2 inline images, or sixel; asked of the terminal, \
                never guessed from its name) also shows them under the command's output. Never when output is not a \
                terminal. Notebooks always show them.
                """,
            examples: ["images off", "images on"],
            handler: run { try $0.images($1) }),
        CommandSpec(
            "source", category: .session, summary: "Run a .plsh script in this session.",
            help:
                "Runs the script's commands as if typed here, showing its narration; stops at its first error. Scripts may source others (at most 16 deep, never in a cycle).",
            examples: ["source scripts/notebooks/01-data-load.plsh"],
            handler: run { try $0.source($1) }),
        CommandSpec(
            "reset", category: .session, summary: "Forget the current frame and its steps (stored tables stay).",
            help: "Clears the session's current frame and lineage. Stored tables, history and settings are kept.",
            handler: run { $0.reset() }),
        CommandSpec(
            "quit", aliases: ["exit"], category: .session, summary: "Leave the shell.",
            help: "Ends the session (Ctrl-D does the same at the prompt). Stored tables and history are already saved.",
            handler: run { group in
                group.session.requestQuit()
                return CommandOutput(command: "quit")
            }),
    ]

    struct HelpArguments: CommandArguments {
        let command = Positional<String?>("command", .command, help: "the command to explain")
    }

    func help(_ arguments: Arguments<HelpArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "help")
        guard let name = arguments.command else {
            for category in CommandSpec.Category.allCases {
                let specs = CommandTable.all.filter { $0.category == category }
                output.table(
                    "commands", title: category.rawValue, columns: ["command", "summary"],
                    rows: specs.map { [.text($0.name), .text($0.summary)] })
            }
            output.say("'help COMMAND' explains one command.")
            return output
        }
        guard let spec = CommandTable.spec(named: name) else {
            throw Diagnostic.usage(
                "unknown command '\(name)'", at: arguments.range(of: \.command),
                suggestions: Suggestions.closest(to: name, among: CommandTable.names),
                hint: "'help' lists the commands")
        }
        output.say(Reference.text(for: spec))
        return output
    }

    func state() throws -> CommandOutput {
        var output = CommandOutput(command: "state")
        var fields: [Field] = []
        if let frame = session.frames.frame {
            fields.append(Field("frame", .text(frame.name)))
            switch frame.origin {
            case .stored(let version):
                fields.append(Field("table", .text(version.name.description)))
                fields.append(Field("version", .integer(Int64(version.version))))
                fields.append(Field("digest", .text(version.digest)))
            case .part(let version, let part, let digest):
                fields.append(Field("table", .text(version.name.description)))
                fields.append(Field("version", .integer(Int64(version.version))))
                fields.append(Field("part", .text(part.description)))
                fields.append(Field("digest", .text(digest)))
            case .query(_, let sql):
                fields.append(Field("query", .text(sql)))
            }
            let table = try session.frames.currentTable()
            fields.append(Field("rows", .integer(Int64(table.rowCount))))
            fields.append(Field("columns", .integer(Int64(table.columns.count))))
            fields.append(Field("steps", .integer(Int64(frame.steps.count))))
        } else {
            fields.append(Field("frame", .missing))
        }
        fields += [
            Field("format", .text(session.settings.format.rawValue)),
            Field("timer", .text(session.settings.timer ? "on" : "off")),
            Field("images", .text(session.settings.images ? "on" : "off")),
            Field("seed", .integer(Int64(session.settings.seed))), Field("workspace", .text(session.workspace.root)),
        ]
        output.blocks.append(.fields(name: "state", fields))
        if let steps = session.frames.frame?.steps, !steps.isEmpty {
            output.table(
                "steps", title: "Steps applied", columns: ["step", "operation"],
                rows: steps.enumerated().map { [.integer(Int64($0.offset + 1)), .text($0.element.summary)] })
        }
        if session.frames.frame == nil { output.say("No current frame: load a CSV file or 'use' a stored table.") }
        return output
    }

    struct FormatArguments: CommandArguments {
        let format = Positional<OutputFormat?>("format", .choice(of: OutputFormat.self), help: "the format")
    }

    func format(_ arguments: Arguments<FormatArguments>) throws -> CommandOutput {
        if let format = arguments.format { session.settings.format = format }
        var output = CommandOutput(command: "format")
        output.blocks.append(.fields(name: "settings", [Field("format", .text(session.settings.format.rawValue))]))
        return output
    }

    struct TimerArguments: CommandArguments {
        let enabled = Positional<Bool?>("enabled", .bool, help: "on or off")
    }

    func timer(_ arguments: Arguments<TimerArguments>) throws -> CommandOutput {
        if let enabled = arguments.enabled { session.settings.timer = enabled }
        var output = CommandOutput(command: "timer")
        output.blocks.append(.fields(name: "settings", [Field("timer", .text(session.settings.timer ? "on" : "off"))]))
        return output
    }

    struct ImagesArguments: CommandArguments {
        let enabled = Positional<Bool?>("enabled", .bool, help: "on or off")
    }

    func images(_ arguments: Arguments<ImagesArguments>) throws -> CommandOutput {
        if let enabled = arguments.enabled { session.settings.images = enabled }
        var output = CommandOutput(command: "images")
        output.blocks.append(
            .fields(name: "settings", [Field("images", .text(session.settings.images ? "on" : "off"))]))
        return output
    }

    struct SourceArguments: CommandArguments {
        let path = Positional<String>("path", .path, help: "the script")
    }

    func source(_ arguments: Arguments<SourceArguments>) throws -> CommandOutput {
        let path = arguments.path
        _ = try arguments.at(\.path) { () throws -> [ScriptEntry] in
            do { return try session.loadScript(at: path) } catch var diagnostic as Diagnostic {
                diagnostic.range = arguments.range(of: \.path)
                throw diagnostic
            }
        }
        switch session.runScript(at: path) {
        case .ok, .quit:
            var output = CommandOutput(command: "source")
            output.say("Ran \(path).")
            return output
        case .failed:
            throw Diagnostic(
                layer: .engine, message: "\(path) stopped at its first error (shown above)",
                range: arguments.range(of: \.path), kind: "script")
        }
    }

    func reset() -> CommandOutput {
        session.frames.frame = nil
        var output = CommandOutput(command: "reset")
        output.say("The current frame is cleared; stored tables are unchanged.")
        return output
    }
}
