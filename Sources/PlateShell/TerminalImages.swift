import Engine
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Inline pictures in a terminal: which protocol the terminal speaks is asked of the terminal
/// itself (never guessed from `$TERM`), then each chart's PNG is sent in that protocol.
enum TerminalImages {
    enum Kind: Equatable {
        /// kitty's graphics protocol (kitty, WezTerm, Konsole, Ghostty …).
        case kitty
        /// iTerm2's inline images (iTerm2, WezTerm …).
        case iTerm2
        /// DEC sixel graphics (xterm -ti vt340, foot, mlterm, Windows Terminal …).
        case sixel
    }

    /// Three questions: kitty's graphics query, XTVERSION (the terminal's name and version) and
    /// primary device attributes (DA1), which every terminal answers, so its reply ends the wait.
    static let query = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[>0q\u{1B}[c"

    /// The protocol the replies announce: kitty's `OK` to the graphics query; iTerm2 or WezTerm by
    /// name in XTVERSION; sixel when attribute 4 is among DA1's. Nil for none of them.
    static func parse(reply: [UInt8]) -> Kind? {
        let text = String(decoding: reply, as: UTF8.self)
        if text.contains("\u{1B}_Gi=31;OK") { return .kitty }
        if let start = text.range(of: "\u{1B}P>|") {
            let name = text[start.upperBound...].prefix { $0 != "\u{1B}" }
            if name.contains("iTerm2") || name.contains("WezTerm") { return .iTerm2 }
        }
        if let start = text.range(of: "\u{1B}[?"), let end = text[start.upperBound...].firstIndex(of: "c") {
            if text[start.upperBound..<end].split(separator: ";").contains("4") { return .sixel }
        }
        return nil
    }

    /// Whether the reply holds DA1's answer (the last one the query asks for).
    static func isComplete(_ reply: [UInt8]) -> Bool {
        let text = String(decoding: reply, as: UTF8.self)
        guard let start = text.range(of: "\u{1B}[?") else { return false }
        return text[start.upperBound...].contains("c")
    }

    /// Asks the terminal on standard input and output, waiting at most `timeout` seconds for the
    /// replies; nil when either is not a terminal or nothing it speaks was announced.
    static func detect(timeout: Double = 0.5) -> Kind? {
        guard Terminal.inputIsTerminal, Terminal.outputIsTerminal else { return nil }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        Terminal.write(query)
        var reply: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 256)
        while !isComplete(reply), Date() < deadline {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { break }
            let count = read(STDIN_FILENO, &buffer, buffer.count)
            if count <= 0 { break }
            reply += buffer[..<count]
        }
        return parse(reply: reply)
    }

    /// The escape sequence showing the PNG at `path` in `columns` terminal columns.
    static func sequence(_ kind: Kind, png path: String, columns: Int) -> String? {
        switch kind {
        case .sixel:
            return try? Sixel.encode(png: path, width: columns * 9)
        case .kitty, .iTerm2:
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let encoded = data.base64EncodedString()
            if kind == .iTerm2 {
                return
                    "\u{1B}]1337;File=inline=1;size=\(data.count);width=\(columns);preserveAspectRatio=1:\(encoded)\u{07}"
            }
            let chunks = stride(from: 0, to: encoded.utf8.count, by: 4096).map { start -> String in
                let bytes = Array(encoded.utf8)
                return String(decoding: bytes[start..<min(start + 4096, bytes.count)], as: UTF8.self)
            }
            return chunks.enumerated().map { index, chunk in
                let more = index < chunks.count - 1 ? 1 : 0
                let keys = index == 0 ? "a=T,f=100,c=\(columns),m=\(more)" : "m=\(more)"
                return "\u{1B}_G\(keys);\(chunk)\u{1B}\\"
            }.joined()
        }
    }
}
