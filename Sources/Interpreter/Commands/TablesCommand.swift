import Engine
import Foundation

/// `tables`: the stored tables, where they live (the workspace or a Spark Connect server), and
/// the connection's status.
extension DataCommands {
    struct TablesArguments: CommandArguments {
        let action = Positional<TablesAction?>("action", .choice(of: TablesAction.self), help: "status: the connection")
        let uri = Parameter<String?>("uri", .text("sc://…|local"), help: "a Spark Connect server, or local")
    }

    func tablesCommand(_ arguments: Arguments<TablesArguments>) throws -> CommandOutput {
        var output = CommandOutput(command: "tables")
        if let uri = arguments.uri { try moveTables(uri, arguments: arguments, output: &output) }
        switch arguments.action {
        case .status?:
            let facts = try frames.store().status()
            output.blocks.append(.fields(name: "tables", facts.map { Field($0.field, .text($0.value)) }))
        case nil:
            if !arguments.has(\.uri) { try listTables(into: &output) }
        }
        return output
    }

    /// Makes `uri` (a Spark Connect address, or local) the home of the session's tables, after
    /// checking that the server answers; on failure the tables stay where they were.
    private func moveTables(_ uri: String, arguments: Arguments<TablesArguments>, output: inout CommandOutput) throws {
        let previous = frames.sparkAddress
        let target = ["local", "off", "workspace"].contains(uri.lowercased()) ? nil : uri
        let closed = try arguments.at(\.uri) { try frames.moveTables(to: target) }
        if let closed { output.say("Note: \(closed).") }
        do {
            let facts = try arguments.at(\.uri) { try frames.store().status() }
            let value = { (field: String) in facts.first { $0.field == field }?.value ?? "" }
            if target == nil {
                output.say("Tables now live in the workspace store (\(value("directory"))).")
            } else {
                output.say(
                    "Tables now live on Spark \(value("spark_version")) at \(value("address")) (session \(value("session_id").prefix(8))…)."
                )
            }
        } catch {
            // The address is set back (it parsed before); a frame closed on the way stays closed.
            _ = try? frames.moveTables(to: previous)
            guard let closed, var diagnostic = error as? Diagnostic else { throw error }
            diagnostic.notes.append(closed)
            throw diagnostic
        }
    }
}
