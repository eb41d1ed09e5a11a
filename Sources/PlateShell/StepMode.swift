import Interpreter

/// Teaching mode (`run --step`): shows each narration block and command, then waits: Enter runs
/// the command, `s` skips it, `q` stops. Answers are read from standard input.
struct StepMode {
    let session: Session

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
        for entry in entries {
            guard case .command(let text, let line) = entry else {
                session.run(entry, path: path)
                continue
            }
            Terminal.write("[\(path):\(line)] \(text)\n  Enter runs it, s skips, q stops > ")
            guard let answer = readLine()?.trimmingCharacters(in: [" ", "\t"]).lowercased() else {
                Terminal.write("\n")
                return .ok
            }
            switch answer {
            case "q", "quit": return .ok
            case "s", "skip": continue
            default:
                let status = session.execute(text, origin: .script(path: path, line: line))
                if status != .ok { return status }
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
