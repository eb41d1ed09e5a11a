import Foundation
import Synchronization

/// Records a replay as a notebook while passing every outcome on to another output (the
/// terminal): `run … --export` writes what it records.
///
/// Call `begin(script:text:)` before replaying each script; its cells are added, and each
/// command's outputs go to the code cell holding the command's line. Outcomes from elsewhere (a
/// script run by `source`) go to the cell being filled. Narration of the replayed scripts is
/// already in their markdown cells and is not recorded twice.
public final class NotebookRecorder: SessionOutput, ProgressDisplay, Sendable {
    // Only `report` may be called from worker threads, and it touches nothing but the forwarded
    // display, which is itself Sendable. The rest belongs to the session's thread; it sits
    // behind a mutex only so that the compiler can check this.
    private let recording: Mutex<Recording>
    /// The forwarded output's progress display, if it has one.
    private let progress: ProgressDisplay?
    private let renderer: MimeRenderer

    /// The output outcomes are passed on to, the notebook so far, the replayed scripts' cells,
    /// the code cell being filled and the last execution count.
    private struct Recording {
        let forward: SessionOutput?
        var notebook = Notebook()
        var scripts: [(path: String, firstCell: Int, endCell: Int)] = []
        var current: Int?
        var executionCount = 0
    }

    public init(forwarding forward: sending SessionOutput?, renderer: MimeRenderer = MimeRenderer()) {
        progress = forward as? ProgressDisplay
        self.renderer = renderer
        recording = Mutex(Recording(forward: forward))
    }

    /// The notebook recorded so far.
    public var notebook: Notebook { recording.withLock { $0.notebook } }

    /// Adds the cells of a script about to be replayed.
    public func begin(script path: String, text: String) {
        let cells = Notebook(script: text).cells
        recording.withLock { recording in
            let first = recording.notebook.cells.count
            recording.notebook.cells += cells
            recording.scripts.append((Self.canonical(path), first, recording.notebook.cells.count))
        }
    }

    public func deliver(_ outcome: Outcome) {
        recording.withLock { recording in
            recording.forward?.deliver(outcome)
            switch outcome {
            case .echo: return
            case .narration(_, let origin):
                if case .script(let path, _) = origin,
                    recording.scripts.contains(where: { $0.path == Self.canonical(path) })
                {
                    return
                }
            case .output(_, let entry), .failure(_, let entry):
                if let index = Self.cell(for: entry.origin, in: recording) { recording.current = index }
            }
            guard let index = recording.current, case .code(var code) = recording.notebook.cells[index] else { return }
            if code.executionCount == nil {
                recording.executionCount += 1
                code.executionCount = recording.executionCount
            }
            code.outputs += renderer.outputs(for: outcome)
            recording.notebook.cells[index] = .code(code)
        }
    }

    public func report(_ label: String, done: Int, total: Int) {
        progress?.report(label, done: done, total: total)
    }

    /// The code cell of a replayed script that holds `origin`'s line.
    private static func cell(for origin: Origin, in recording: Recording) -> Int? {
        guard case .script(let path, let line) = origin else { return nil }
        let canonical = Self.canonical(path)
        for script in recording.scripts.reversed() where script.path == canonical {
            for index in script.firstCell..<script.endCell {
                if case .code(let code) = recording.notebook.cells[index], code.lines?.contains(line) == true {
                    return index
                }
            }
        }
        return nil
    }

    private static func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}
