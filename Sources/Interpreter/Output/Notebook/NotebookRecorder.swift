import Foundation

/// Records a replay as a notebook while passing every outcome on to another output (the
/// terminal): `run … --export` writes what it records.
///
/// Call `begin(script:text:)` before replaying each script; its cells are added, and each
/// command's outputs go to the code cell holding the command's line. Outcomes from elsewhere (a
/// script run by `source`) go to the cell being filled. Narration of the replayed scripts is
/// already in their markdown cells and is not recorded twice.
public final class NotebookRecorder: SessionOutput, ProgressDisplay, @unchecked Sendable {
    // @unchecked Sendable: only `report` may be called from worker threads, and it touches
    // nothing but the forwarded display, which is itself Sendable.
    public private(set) var notebook = Notebook()
    private let forward: SessionOutput?
    private let renderer: MimeRenderer
    private var scripts: [(path: String, firstCell: Int, endCell: Int)] = []
    private var current: Int?
    private var executionCount = 0

    public init(forwarding forward: SessionOutput?, renderer: MimeRenderer = MimeRenderer()) {
        self.forward = forward
        self.renderer = renderer
    }

    /// Adds the cells of a script about to be replayed.
    public func begin(script path: String, text: String) {
        let first = notebook.cells.count
        notebook.cells += Notebook(script: text).cells
        scripts.append((Self.canonical(path), first, notebook.cells.count))
    }

    public func deliver(_ outcome: Outcome) {
        forward?.deliver(outcome)
        switch outcome {
        case .echo: return
        case .narration(_, let origin):
            if case .script(let path, _) = origin, scripts.contains(where: { $0.path == Self.canonical(path) }) {
                return
            }
        case .output(_, let entry), .failure(_, let entry):
            if let index = cell(for: entry.origin) { current = index }
        }
        guard let index = current, case .code(var code) = notebook.cells[index] else { return }
        if code.executionCount == nil {
            executionCount += 1
            code.executionCount = executionCount
        }
        code.outputs += renderer.outputs(for: outcome)
        notebook.cells[index] = .code(code)
    }

    public func report(_ label: String, done: Int, total: Int) {
        (forward as? ProgressDisplay)?.report(label, done: done, total: total)
    }

    /// The code cell of a replayed script that holds `origin`'s line.
    private func cell(for origin: Origin) -> Int? {
        guard case .script(let path, let line) = origin else { return nil }
        let canonical = Self.canonical(path)
        for script in scripts.reversed() where script.path == canonical {
            for index in script.firstCell..<script.endCell {
                if case .code(let code) = notebook.cells[index], code.lines?.contains(line) == true { return index }
            }
        }
        return nil
    }

    private static func canonical(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}
