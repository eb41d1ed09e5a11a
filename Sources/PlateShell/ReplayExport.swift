import Engine
import Foundation
import Interpreter

/// Writes a recorded replay (`run … --export`): an `.ipynb` notebook with every output, or one
/// self-contained HTML page, saying where on standard error (standard output holds the replay).
enum ReplayExport {
    static func write(_ notebook: Notebook, to paths: [String], scripts: [String]) {
        for path in paths {
            let text =
                path.hasSuffix(".ipynb")
                ? notebook.ipynb() : HTMLPage.render(notebook, title: title(of: notebook, scripts: scripts))
            do {
                try AtomicFile.write(Data(text.utf8), to: path)
                Terminal.write("Exported the replay to \(path).\n", error: true)
            } catch let error as EngineError {
                Terminal.write("error: \(error.message)\n", error: true)
            } catch {
                Terminal.write("error: cannot write \(path): \(error)\n", error: true)
            }
        }
    }

    /// The first heading of the narration, else the scripts' names.
    static func title(of notebook: Notebook, scripts: [String]) -> String {
        for case .markdown(let text) in notebook.cells {
            if let heading = text.split(separator: "\n").first(where: { $0.hasPrefix("# ") }) {
                return String(heading.dropFirst(2))
            }
        }
        return scripts.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ")
    }
}
