import Engine
import Foundation
import Interpreter

/// The session's output inside the kernel: each outcome becomes iopub messages (`display_data`,
/// `error`, and at the cell's end `execute_result`), and progress of long commands an updating
/// display (`update_display_data`) instead of thousands of lines.
///
/// A command result is held back until the next outcome or the cell's end, so the cell's last
/// result can go out as its `execute_result`, followed by that command's pictures.
final class KernelOutput: SessionOutput, ProgressDisplay, @unchecked Sendable {
    // @unchecked Sendable: `report` runs on worker threads; it changes only `progress`, under
    // `progressLock`, and reads `parent` and `broadcasts`, which change only between cells, never
    // while a command (and so its progress) runs. Everything else runs on the shell thread.
    private let iopub: IOPub
    private let renderer = MimeRenderer()
    /// The request being answered (outputs name it as their parent); nil between requests.
    var parent: WireMessage?
    /// Whether outputs are broadcast (not for `silent` requests).
    var broadcasts = true
    /// The first error of the current cell, for its reply.
    private(set) var error: (name: String, value: String, traceback: [String])?
    private var held: [MimeBundle] = []

    private let progressLock = NSLock()
    private var progress: (id: String, label: String, sent: Double)?
    /// Updates closer together than this are skipped (the last one always goes).
    static let progressInterval = 0.1

    init(iopub: IOPub) { self.iopub = iopub }

    /// Clears the state of the previous cell.
    func beginCell(_ request: WireMessage, silent: Bool) {
        parent = request
        broadcasts = !silent
        error = nil
        held = []
    }

    /// Sends what is held: the last result as `execute_result` with `executionCount`, its pictures as displays.
    func finishCell(executionCount: Int) {
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
            case .display(let bundle) where bundle.isResult:
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

    /// `compare [████░░] 45/130` as one display that is updated in place.
    func report(_ label: String, done: Int, total: Int) {
        guard broadcasts, total > 0 else { return }
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let finished = done >= total
        let message: (id: String, type: String)? = progressLock.withLock {
            if let current = progress, current.label == label {
                guard finished || now - current.sent >= Self.progressInterval else { return nil }
                progress = finished ? nil : (current.id, label, now)
                return (current.id, "update_display_data")
            }
            let id = "plateshell-progress-" + UUID().uuidString.lowercased()
            progress = finished ? nil : (id, label, now)
            return (id, "display_data")
        }
        guard let message else { return }
        let width = 30
        let filled = width * min(done, total) / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let data = MimeBundle([
            (
                "text/html",
                .string(
                    "<progress value=\"\(done)\" max=\"\(total)\"></progress> \(HTMLRenderer.escape(label)) \(done)/\(total)"
                )
            ),
            ("text/plain", .string("\(label) [\(bar)] \(done)/\(total)")),
        ])
        iopub.publish(
            message.type,
            .object([
                ("data", data.json), ("metadata", .object([])),
                ("transient", .object([("display_id", .string(message.id))])),
            ]), parent: parent)
    }

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
