import Engine

extension CommandTable {
    static let sessionCommands: [CommandSpec] = [
        CommandSpec(
            "help", category: .session, summary: "List the commands, or explain one.",
            help: "Without a name: every command with its summary. With one: its usage, what it does, its parameters and examples.",
            positionals: [.optional("command", .command, help: "the command to explain")],
            examples: ["help", "help load"],
            handler: { try $0.help($1) }),
        CommandSpec(
            "state", category: .session, summary: "Show the current frame, its lineage, and the settings.",
            help: "Shows the current frame (table, version, digest, rows, columns), the steps applied to it, and the session's settings.",
            handler: { session, _ in try session.state() }),
        CommandSpec(
            "format", category: .session, summary: "Set or show the output format.",
            help: "table (for people), json (one document per command, for scripts), csv, or markdown (a replayed script reads like a notebook).",
            positionals: [.optional("format", .choice(OutputFormat.allCases.map(\.rawValue)), help: "the format")],
            examples: ["format json", "format"],
            handler: { try $0.format($1) }),
        CommandSpec(
            "timer", category: .session, summary: "Show how long each command takes.",
            help: "With 'on', every command's output ends with 'Run Time: real S s'.",
            positionals: [.optional("enabled", .bool, help: "on or off")],
            examples: ["timer on"],
            handler: { try $0.timer($1) }),
        CommandSpec(
            "source", category: .session, summary: "Run a .plsh script in this session.",
            help: "Runs the script's commands as if typed here, showing its narration; stops at its first error. Scripts may source others (at most 16 deep, never in a cycle).",
            positionals: [.required("path", .path, help: "the script")],
            examples: ["source scripts/notebooks/01-data-load.plsh"],
            handler: { try $0.source($1) }),
        CommandSpec(
            "reset", category: .session, summary: "Forget the current frame and its steps (stored tables stay).",
            help: "Clears the session's current frame and lineage. Stored tables, history and settings are kept.",
            handler: { session, _ in session.reset() }),
        CommandSpec(
            "quit", aliases: ["exit"], category: .session, summary: "Leave the shell.",
            help: "Ends the session (Ctrl-D does the same at the prompt). Stored tables and history are already saved.",
            handler: { session, _ in
                session.requestQuit()
                return CommandOutput(command: "quit")
            }),
    ]
}

extension Session {
    func help(_ invocation: Invocation) throws -> CommandOutput {
        var output = CommandOutput(command: "help")
        guard let name = invocation.string("command") else {
            for category in CommandSpec.Category.allCases {
                let specs = CommandTable.all.filter { $0.category == category }
                output.table("commands", title: category.rawValue, columns: ["command", "summary"],
                             rows: specs.map { [.text($0.name), .text($0.summary)] })
            }
            output.say("'help COMMAND' explains one command.")
            return output
        }
        guard let spec = CommandTable.spec(named: name) else {
            throw Diagnostic.usage("unknown command '\(name)'", at: invocation.range(of: "command"),
                                   suggestions: Suggestions.closest(to: name, among: CommandTable.names),
                                   hint: "'help' lists the commands")
        }
        output.say(Reference.text(for: spec))
        return output
    }

    func state() throws -> CommandOutput {
        var output = CommandOutput(command: "state")
        var fields: [Field] = []
        if let frame {
            fields.append(Field("frame", .text(frame.name)))
            switch frame.origin {
            case .stored(let version):
                fields.append(Field("table", .text(version.name.description)))
                fields.append(Field("version", .integer(Int64(version.version))))
                fields.append(Field("digest", .text(version.digest)))
            case .query(_, let sql):
                fields.append(Field("query", .text(sql)))
            }
            let table = try currentTable()
            fields.append(Field("rows", .integer(Int64(table.rowCount))))
            fields.append(Field("columns", .integer(Int64(table.columns.count))))
            fields.append(Field("steps", .integer(Int64(frame.steps.count))))
        } else {
            fields.append(Field("frame", .missing))
        }
        fields += [Field("format", .text(settings.format.rawValue)), Field("timer", .text(settings.timer ? "on" : "off")),
                   Field("images", .text(settings.images ? "on" : "off")),
                   Field("seed", .integer(Int64(settings.seed))), Field("workspace", .text(workspace.root))]
        output.blocks.append(.fields(name: "state", fields))
        if let steps = frame?.steps, !steps.isEmpty {
            output.table("steps", title: "Steps applied", columns: ["step", "operation"],
                         rows: steps.enumerated().map { [.integer(Int64($0.offset + 1)), .text($0.element.summary)] })
        }
        if frame == nil { output.say("No current frame: load a CSV file or 'use' a stored table.") }
        return output
    }

    func format(_ invocation: Invocation) throws -> CommandOutput {
        if let name = invocation.string("format") { settings.format = OutputFormat(rawValue: name)! }
        var output = CommandOutput(command: "format")
        output.blocks.append(.fields(name: "settings", [Field("format", .text(settings.format.rawValue))]))
        return output
    }

    func timer(_ invocation: Invocation) throws -> CommandOutput {
        if let enabled = invocation.bool("enabled") { settings.timer = enabled }
        var output = CommandOutput(command: "timer")
        output.blocks.append(.fields(name: "settings", [Field("timer", .text(settings.timer ? "on" : "off"))]))
        return output
    }

    func source(_ invocation: Invocation) throws -> CommandOutput {
        let path = invocation.string("path")!
        _ = try invocation.at("path") { () throws -> [ScriptEntry] in
            do { return try loadScript(at: path) } catch var diagnostic as Diagnostic {
                diagnostic.range = invocation.range(of: "path")
                throw diagnostic
            }
        }
        switch runScript(at: path) {
        case .ok, .quit:
            var output = CommandOutput(command: "source")
            output.say("Ran \(path).")
            return output
        case .failed:
            throw Diagnostic(layer: .engine, message: "\(path) stopped at its first error (shown above)",
                             range: invocation.range(of: "path"), kind: "script")
        }
    }

    func reset() -> CommandOutput {
        frame = nil
        var output = CommandOutput(command: "reset")
        output.say("The current frame is cleared; stored tables are unchanged.")
        return output
    }
}
