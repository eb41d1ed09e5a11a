import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the learner answered at the teaching mode's pause.
enum StepAnswer: Equatable {
    /// Run the command shown.
    case run
    case skip
    /// Show the current narration block again.
    case back
    case quit
    /// Run this line as a command in the session, then pause again at the same place.
    case command(String)
    /// Standard input ended.
    case end

    /// The answer a whole line gives: empty runs; `s`, `b`, `q` (or `skip`, `back`, `quit`)
    /// act; `:TEXT` or any other line is a command.
    static func parse(line: String) -> StepAnswer {
        let trimmed = line.trimmingCharacters(in: [" ", "\t"])
        switch trimmed.lowercased() {
        case "": return .run
        case "s", "skip": return .skip
        case "b", "back": return .back
        case "q", "quit": return .quit
        default: return .command(trimmed.hasPrefix(":") ? String(trimmed.dropFirst()) : trimmed)
        }
    }

    /// The answer one key gives at once: Enter, `s`, `b`, `q` act; Ctrl-D ends; `:` or any
    /// other printable key starts a command line (nil: read the rest of it, starting with `typed`).
    static func key(_ byte: UInt8) -> (answer: StepAnswer?, typed: String) {
        switch byte {
        case 10, 13: return (.run, "")
        case UInt8(ascii: "s"), UInt8(ascii: "S"): return (.skip, "")
        case UInt8(ascii: "b"), UInt8(ascii: "B"): return (.back, "")
        case UInt8(ascii: "q"), UInt8(ascii: "Q"): return (.quit, "")
        case 4: return (.end, "")
        case UInt8(ascii: ":"): return (nil, "")
        default: return (nil, String(decoding: [byte], as: UTF8.self))
        }
    }
}

/// Reads answers at the pause: single keys without Enter when standard input is a terminal
/// (a command is then typed with line editing and completion), whole lines otherwise.
final class StepPrompt {
    private let editor: LineEditor?

    init(editor: LineEditor?) { self.editor = editor }

    /// The help line shown at each pause.
    static let legend =
        "Enter runs it · s skips · b shows the narration again · q stops · type a command to try it (:state for one that starts with s, b or q)"

    func read() -> StepAnswer {
        Terminal.write("  \(Self.legend)\n  step> ")
        guard let editor, Terminal.inputIsTerminal else {
            guard let line = readLine() else { return .end }
            return StepAnswer.parse(line: line)
        }
        guard let byte = readKey() else { return .quit }
        let (answer, typed) = StepAnswer.key(byte)
        if let answer {
            Terminal.write(answer == .run ? "\n" : "\(Character(Unicode.Scalar(byte)))\n")
            return answer
        }
        Terminal.write("\r\u{1B}[2K")
        switch editor.readLine(prompt: "  try> ", initial: typed) {
        case .line(let line): return line.trimmingCharacters(in: [" ", "\t"]).isEmpty ? .back : .command(line)
        case .interrupted: return .back
        case .endOfInput: return .end
        }
    }

    /// One key, without waiting for Enter (the terminal's canonical mode and echo are off while it waits).
    private func readKey() -> UInt8? {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        raw.c_cc.6 = 1 // VMIN: one byte
        raw.c_cc.5 = 0 // VTIME: no timer
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        var byte: UInt8 = 0
        return Glibc.read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }
}
