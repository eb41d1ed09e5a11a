import Engine
import Interpreter

/// The interactive shell: read an entry (asking for more lines while it is incomplete), run it,
/// repeat until `quit` or Ctrl-D. Errors are reported and the session carries on.
struct REPL {
    let session: Session

    /// The number of entries the line editor remembers.
    static let historySize = 1000

    func run() {
        guard let editor = LineEditor(historyEntries: session.history.entries, historySize: Self.historySize) else {
            Terminal.write("error: cannot start the line editor; reading plain lines\n", error: true)
            _ = PipedInput(session: session).run(keepGoing: true)
            return
        }
        LineEditor.completerProvider = { [session] in session.completer() }
        Terminal.write(
            "PlateShell \(PlateShellVersion.current) — 'help' lists the commands, Tab completes, Ctrl-D leaves.\n")
        var pending = ""
        while true {
            switch editor.readLine(prompt: pending.isEmpty ? "plate> " : "  ...> ") {
            case .endOfInput:
                if pending.isEmpty {
                    Terminal.write("\n")
                    return
                }
                pending = ""
                Terminal.write("\n")
            case .interrupted:
                pending = ""
            case .line(let line):
                pending = pending.isEmpty ? line : pending + "\n" + line
                guard Parser.completeness(of: pending) == .complete else { continue }
                let entry = pending
                pending = ""
                if entry.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                editor.remember(Session.historyText(entry))
                if session.execute(entry, origin: .console) == .quit { return }
            }
        }
    }
}

/// Commands read from a pipe or file on standard input, run like a script as they arrive
/// (narration shown, commands not echoed), stopping at the first error unless told otherwise.
struct PipedInput {
    let session: Session

    func run(keepGoing: Bool) -> Session.Status {
        session.settings.standardInputHoldsCommands = true
        var reader = ScriptReader()
        var status: Session.Status = .ok
        func runEntries(_ entries: [ScriptEntry]) -> Bool {
            for entry in entries {
                switch session.run(entry, path: "<stdin>") {
                case .ok: continue
                case .quit:
                    status = .quit
                    return false
                case .failed(let layer):
                    if status == .ok { status = .failed(layer) }
                    if !keepGoing { return false }
                }
            }
            return true
        }
        while let line = Swift.readLine(strippingNewline: true) {
            if !runEntries(reader.feed(line)) { return status }
        }
        _ = runEntries(reader.finish())
        return status
    }
}
