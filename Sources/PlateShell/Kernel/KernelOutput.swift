import Engine
import Foundation
import Interpreter
import Synchronization

/// The session's output inside the kernel: each outcome becomes iopub messages (`display_data`,
/// `error`, and at the cell's end `execute_result`), and progress of long commands an updating
/// display (`update_display_data`) instead of thousands of lines.
///
/// Each command's outputs go out when the command ends, except the cell's last command's: its
/// result is held until the cell ends (right after it), to go out as the cell's
/// `execute_result`, followed by that command's pictures.
final class KernelOutput: SessionOutput, ProgressDisplay, Sendable {
    // `report` runs on worker threads; it changes only the progress state and reads `parent`
    // and `broadcasts`, which change only between cells. Everything else runs on the shell
    // thread. Both states sit behind mutexes (the progress one taken first, never the other way).
    private let iopub: IOPub
    private let renderer = MimeRenderer()
    private let cell = Mutex(Cell())
    private let progressState = Mutex(ProgressState())
    /// Updates closer together than this are skipped (the last one always goes).
    static let progressInterval = 0.1

    /// What the kernel keeps about the cell being run.
    private struct Cell: Sendable {
        var parent: WireMessage?
        var broadcasts = true
        var error: (name: String, value: String, traceback: [String])?
        var held: [MimeBundle] = []
        var last: (origin: Origin, remaining: Int)?
    }

    /// The open progress display, and when the running command started (the cell began or the
    /// previous outcome came), until its first progress display takes it as its start.
    private struct ProgressState: Sendable {
        var progress: Progress?
        var commandStarted: Double?
    }

    /// The request being answered (outputs name it as their parent); nil between requests.
    var parent: WireMessage? {
        get { cell.withLock { $0.parent } }
        set { cell.withLock { $0.parent = newValue } }
    }
    /// Whether outputs are broadcast (not for `silent` requests).
    var broadcasts: Bool {
        get { cell.withLock { $0.broadcasts } }
        set { cell.withLock { $0.broadcasts = newValue } }
    }
    /// The first error of the current cell, for its reply.
    private(set) var error: (name: String, value: String, traceback: [String])? {
        get { cell.withLock { $0.error } }
        set { cell.withLock { $0.error = newValue } }
    }
    private var held: [MimeBundle] {
        get { cell.withLock { $0.held } }
        set { cell.withLock { $0.held = newValue } }
    }
    /// The cell's last command entry, and how many of its commands (`a; b` holds two) are still to end.
    private var last: (origin: Origin, remaining: Int)? {
        get { cell.withLock { $0.last } }
        set { cell.withLock { $0.last = newValue } }
    }

    /// An open progress display: its id, what it counts, when it started and was last sent, the last count.
    private struct Progress {
        let id: String
        let label: String
        let started: Double
        var sent: Double
        var done: Int
        var total: Int
    }

    init(iopub: IOPub) { self.iopub = iopub }

    /// Clears the state of the previous cell; `code` is run as cell `number`.
    func beginCell(_ request: WireMessage, code: String, number: Int, silent: Bool) {
        parent = request
        broadcasts = !silent
        error = nil
        held = []
        last = Self.lastCommand(of: code, cell: number)
        markCommandStart()
    }

    /// Where the last command entry of `code`, run as cell `cell`, starts, and how many commands it holds.
    static func lastCommand(of code: String, cell: Int) -> (origin: Origin, remaining: Int)? {
        for case .command(let text, let line) in ScriptReader.entries(of: code).reversed() {
            let commands = (try? Parser.parse(text).get().count) ?? 1
            return (.cell(number: cell, line: line), max(commands, 1))
        }
        return nil
    }

    /// Sends what is held: the last result as `execute_result` with `executionCount`, its pictures as displays.
    func finishCell(executionCount: Int) {
        closeProgress(interrupted: error?.name == "KeyboardInterrupt")
        defer { held = [] }
        guard broadcasts, let first = held.first else { return }
        if Notebook.resultIndex(held.map(NotebookOutput.display)) == 0 {
            iopub.publish(
                "execute_result",
                .object([
                    ("execution_count", .integer(Int64(executionCount))), ("data", first.json),
                    ("metadata", .object([])),
                ]), parent: parent)
        } else {
            display(first)
        }
        held.dropFirst().forEach(display)
    }

    func deliver(_ outcome: Outcome) {
        var interrupted = false
        if case .failure(let diagnostic, _) = outcome {
            interrupted = diagnostic.kind == EngineError.Kind.cancelled.rawValue
        }
        closeProgress(interrupted: interrupted)
        defer { markCommandStart() }
        var holds = false
        if case .output(_, let entry) = outcome, let current = last, entry.origin == current.origin {
            last?.remaining -= 1
            holds = current.remaining <= 1
        }
        for output in renderer.outputs(for: outcome) {
            switch output {
            case .error(let name, let value, let traceback):
                if error == nil { error = (name, value, traceback) }
                flush()
                if broadcasts {
                    iopub.publish(
                        "error",
                        .object([
                            ("ename", .string(name)), ("evalue", .string(value)),
                            ("traceback", .array(traceback.map(JSON.string))),
                        ]), parent: parent)
                }
            case .display(let bundle) where bundle.isResult && holds:
                flush()
                held = [bundle]
            case .display(let bundle) where bundle.isImage && !held.isEmpty:
                held.append(bundle)
            case .display(let bundle):
                flush()
                display(bundle)
            case .stream(let name, let text):
                flush()
                if broadcasts {
                    iopub.publish(
                        "stream", .object([("name", .string(name)), ("text", .string(text))]), parent: parent)
                }
            }
        }
    }

    /// `compare [████░░] 45/130` as one display that is updated in place, and once the work is
    /// done replaced by one line: `compare: 130/130 in 12.3 s`.
    func report(_ label: String, done: Int, total: Int) {
        guard broadcasts, total > 0 else { return }
        let now = Self.now()
        progressState.withLock { state in
            if var current = state.progress, current.label == label {
                current.done = done
                current.total = total
                state.progress = current
                if done >= total {
                    close(current, in: &state, now: now, interrupted: false)
                    return
                }
                guard now - current.sent >= Self.progressInterval else { return }
                state.progress?.sent = now
                send(current, type: "update_display_data")
                return
            }
            if let previous = state.progress { close(previous, in: &state, now: now, interrupted: false) }
            let opened = Progress(
                id: "plateshell-progress-" + UUID().uuidString.lowercased(), label: label,
                started: state.commandStarted ?? now, sent: now,
                done: done, total: total)
            state.progress = opened
            state.commandStarted = nil
            send(opened, type: "display_data")
            if done >= total { close(opened, in: &state, now: now, interrupted: false) }
        }
    }

    /// Notes that a command starts now: its first progress display counts its time from here.
    private func markCommandStart() {
        let now = Self.now()
        progressState.withLock { $0.commandStarted = now }
    }

    /// Replaces an open progress display (work that stopped early or was interrupted) by its line.
    private func closeProgress(interrupted: Bool) {
        let now = Self.now()
        progressState.withLock { state in
            if let current = state.progress { close(current, in: &state, now: now, interrupted: interrupted) }
        }
    }

    /// Replaces `display` by the line saying what ran and how long it took; called under the
    /// progress state's lock.
    private func close(_ display: Progress, in state: inout ProgressState, now: Double, interrupted: Bool) {
        state.progress = nil
        let line = Self.summary(
            label: display.label, done: display.done, total: display.total, seconds: now - display.started,
            interrupted: interrupted)
        publishProgress(
            id: display.id, type: "update_display_data",
            data: MimeBundle([
                ("text/html", .string("<p>\(HTMLRenderer.escape(line))</p>")), ("text/plain", .string(line)),
            ]))
    }

    /// What a finished progress display leaves: `compare: 130/130 in 12.3 s`, `tune gbm: stopped
    /// at 23/1000 after 4.2 s`, `… interrupted at 23/1000 after 4.2 s`.
    static func summary(label: String, done: Int, total: Int, seconds: Double, interrupted: Bool) -> String {
        let time = String(format: "%.1f s", seconds)
        if done >= total { return "\(label): \(done)/\(total) in \(time)" }
        return "\(label): \(interrupted ? "interrupted" : "stopped") at \(done)/\(total) after \(time)"
    }

    /// Sends the bar of `display`; called under the progress state's lock.
    private func send(_ display: Progress, type: String) {
        let width = 30
        let filled = width * min(display.done, display.total) / display.total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let counts = "\(display.done)/\(display.total)"
        publishProgress(
            id: display.id, type: type,
            data: MimeBundle([
                (
                    "text/html",
                    .string(
                        "<progress value=\"\(display.done)\" max=\"\(display.total)\"></progress> \(HTMLRenderer.escape(display.label)) \(counts)"
                    )
                ),
                ("text/plain", .string("\(display.label) [\(bar)] \(counts)")),
            ]))
    }

    private func publishProgress(id: String, type: String, data: MimeBundle) {
        iopub.publish(
            type,
            .object([
                ("data", data.json), ("metadata", .object([])),
                ("transient", .object([("display_id", .string(id))])),
            ]), parent: parent)
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func flush() {
        held.forEach(display)
        held = []
    }

    private func display(_ bundle: MimeBundle) {
        guard broadcasts else { return }
        iopub.publish(
            "display_data", .object([("data", bundle.json), ("metadata", .object([])), ("transient", .object([]))]),
            parent: parent)
    }
}
