import ArgumentParser
import Engine
import Foundation
import Interpreter

/// `plateshell convert FILE.plsh --to ipynb` and back: scripts are the source of truth, notebooks
/// are generated from them (and can be turned back into scripts).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a .plsh script to a Jupyter notebook (.ipynb), or a notebook back to a script.",
        discussion: """
            ## narration blocks become markdown cells and each group of commands between blank lines a code cell; \
            back, markdown cells become ## lines. The notebook opens in JupyterLab with the PlateShell kernel \
            ('plateshell kernel install').
            """)

    enum Target: String, ExpressibleByArgument, CaseIterable { case ipynb, plsh }

    @Argument(help: "The .plsh script or .ipynb notebook to convert.")
    var file: String

    @Option(help: "What to write: ipynb or plsh.")
    var to: Target

    @Option(name: .shortAndLong, help: "Where to write (default: beside FILE, with the new extension).")
    var output: String?

    func validate() throws {
        let source = URL(fileURLWithPath: file).pathExtension
        if source == to.rawValue {
            throw ValidationError(
                "\(file) is already a .\(source) file; --to \(to == .ipynb ? "plsh" : "ipynb") converts it")
        }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            Self.fail(
                "cannot read \(file): "
                    + (FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"))
        }
        let text = String(decoding: data, as: UTF8.self)
        let destination =
            output
            ?? URL(fileURLWithPath: file).deletingPathExtension().appendingPathExtension(to.rawValue).relativePath
        do {
            let converted: String
            switch to {
            case .ipynb: converted = Notebook(script: text).ipynb()
            case .plsh: converted = try Notebook(ipynb: text).script()
            }
            try AtomicFile.write(Data(converted.utf8), to: destination)
        } catch let error as EngineError {
            Self.fail("\(file): \(error.message)" + (error.hint.map { "\n  hint: \($0)" } ?? ""))
        }
        print("wrote \(destination)")
    }

    private static func fail(_ message: String) -> Never {
        Terminal.write("error: \(message)\n", error: true)
        Foundation.exit(1)
    }
}
