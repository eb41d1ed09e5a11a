import Interpreter

/// Teaching mode (`run --step`): a paused notebook. Each narration block and command is shown,
/// then the walk waits: Enter runs the command, `s` skips it, `b` shows the narration again,
/// `q` stops, and any other line runs as a command in the same session (`state`,
/// `describe Pixels_Areas`, `help pca`) before the walk goes on where it was.
struct StepMode {
    let session: Session
    let prompt: StepPrompt

    func run(_ path: String) -> Session.Status {
        let entries: [ScriptEntry]
        do {
            entries = try session.loadScript(at: path)
        } catch let diagnostic as Diagnostic {
            session.output.deliver(.failure(diagnostic, entry: Entry("", origin: .commandLine)))
            return .failed(diagnostic.layer)
        } catch {
            return .failed(.internal)
        }
        var narration: (text: String, line: Int)?
        for entry in entries {
            guard case .command(let text, let line) = entry else {
                if case .narration(let text, let line) = entry { narration = (text, line) }
                session.run(entry, path: path)
                continue
            }
            pause: while true {
                Terminal.write("[\(path):\(line)] \(text)\n")
                switch prompt.read() {
                case .run:
                    // The learner asked for it: a Ctrl-C at the pause does not stop it.
                    session.cancellation.reset()
                    let status = session.execute(text, origin: .script(path: path, line: line))
                    if status != .ok { return status }
                    break pause
                case .skip: break pause
                case .quit, .end: return .ok
                case .back:
                    if let narration {
                        session.output.deliver(
                            .narration(narration.text, origin: .script(path: path, line: narration.line)))
                    }
                case .command(let typed):
                    if session.execute(typed, origin: .console) == .quit { return .quit }
                }
            }
        }
        return .ok
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
