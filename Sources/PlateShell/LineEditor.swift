import CEditLine
import Foundation
import Interpreter

#if canImport(Glibc)
    import Glibc
#endif

/// The libedit glue: a prompt with emacs-style editing, history, and Tab completion through the
/// pure `Completer`. Everything here is thin; the decisions live in the Interpreter.
final class LineEditor {
    /// What `readLine` saw.
    enum Input {
        case line(String)
        /// Ctrl-C at the prompt: the line was dropped.
        case interrupted
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    private let editor: OpaquePointer
    private let history: OpaquePointer

    /// The completer the Tab callback uses. libedit's callbacks are C function pointers and cannot
    /// capture context, so it is reached through this global; only the REPL thread touches it.
    nonisolated(unsafe) static var completerProvider: (() -> Completer)?

    init?(historyEntries: [String], historySize: Int) {
        guard let editor = plsh_editor_open("plateshell"), let history = plsh_history_open(Int32(historySize)) else {
            return nil
        }
        self.editor = editor
        self.history = history
        plsh_editor_use_history(editor, history)
        for entry in historyEntries { plsh_history_enter(history, entry) }
        plsh_editor_bind(
            editor, "plsh-complete", "Complete the word at the cursor",
            { editor, _ in
                LineEditor.complete(editor)
            }, "^I")
    }

    deinit {
        el_end(editor)
        history_end(history)
    }

    /// Shows `prompt` and reads one line (without its line break), starting with `initial` typed.
    func readLine(prompt: String, initial: String = "") -> Input {
        plsh_set_prompt(prompt)
        if !initial.isEmpty { el_push(editor, initial) }
        Signals.interruptedAtPrompt.store(false, ordering: .relaxed)
        var count: Int32 = 0
        guard let line = el_gets(editor, &count), count > 0 else {
            if Signals.interruptedAtPrompt.exchange(false, ordering: .relaxed) {
                Terminal.write("^C\n")
                return .interrupted
            }
            return .endOfInput
        }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    /// Adds a finished entry to the editor's history (Up arrow recalls it whole).
    func remember(_ entry: String) {
        plsh_history_enter(history, entry)
    }

    /// The Tab callback: one candidate completes at once; several extend to their common prefix,
    /// or are listed.
    private static func complete(_ editor: OpaquePointer?) -> UInt8 {
        guard let editor, let info = el_line(editor)?.pointee, let provider = completerProvider else {
            return UInt8(CC_ERROR)
        }
        let length = info.lastchar - info.buffer
        let cursor = info.cursor - info.buffer
        let line = String(
            decoding: UnsafeRawBufferPointer(start: info.buffer, count: length).bindMemory(to: UInt8.self),
            as: UTF8.self)
        let candidates = provider().complete(line: line, cursor: cursor)
        guard let first = candidates.first else { return UInt8(CC_REFRESH_BEEP) }
        let typed = String(decoding: Array(line.utf8)[first.range], as: UTF8.self)
        var replacement: String
        if candidates.count == 1 {
            replacement = first.text + (first.completesWord ? " " : "")
        } else {
            replacement = commonPrefix(candidates.map(\.text))
            if replacement.count <= typed.count {
                Terminal.write("\n" + columns(candidates.map(\.text)) + "\n")
                return UInt8(CC_REDISPLAY)
            }
        }
        el_deletestr(editor, Int32(typed.count))
        _ = el_insertstr(editor, replacement)
        return UInt8(CC_REDISPLAY)
    }

    private static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    private static func columns(_ words: [String]) -> String {
        let width = (words.map(\.count).max() ?? 0) + 2
        let perLine = max(1, Terminal.width / width)
        return stride(from: 0, to: words.count, by: perLine).map { start in
            words[start..<min(start + perLine, words.count)].map {
                $0.padding(toLength: width, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }
}
