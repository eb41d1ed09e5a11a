import Engine
import Foundation
import Interpreter

/// The kernelspec Jupyter finds the kernel by: `kernel.json` (how to start it: this binary's
/// `kernel -f {connection_file}`), the logos and `help.html` (the command reference, which the
/// Jupyter server serves at `/kernelspecs/NAME/help.html` and the Help menu links to), in
/// `…/share/jupyter/kernels/NAME/`.
enum KernelSpec {
    /// The environment variable (set in kernel.json's `env`) that tells the kernel its spec's name.
    static let nameVariable = "PLATESHELL_KERNELSPEC"

    /// The help page's address on the Jupyter server that started kernel `name` (a server at
    /// the default base URL `/`), for kernel_info's `help_links`.
    static func helpURL(name: String) -> String { "/kernelspecs/\(name)/help.html" }

    /// The Help menu's entries: the command reference installed beside kernel.json.
    static func helpLinks(environment: [String: String] = ProcessInfo.processInfo.environment) -> JSON {
        let name = environment[nameVariable].flatMap { $0.isEmpty ? nil : $0 } ?? PlateShellLanguage.kernelName
        return .array([
            .object([("text", .string("PlateShell commands")), ("url", .string(helpURL(name: name)))])
        ])
    }

    /// Where `--user`, `--prefix DIR` or neither (system-wide) install, as `jupyter kernelspec install` does.
    static func directory(
        user: Bool, prefix: String?, name: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let prefix { return "\(prefix)/share/jupyter/kernels/\(name)" }
        guard user else { return "/usr/local/share/jupyter/kernels/\(name)" }
        if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty { return "\(data)/kernels/\(name)" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return "\(xdg)/jupyter/kernels/\(name)" }
        return "\(environment["HOME"] ?? NSHomeDirectory())/.local/share/jupyter/kernels/\(name)"
    }

    /// `kernel.json` for a kernel started as `executable kernel -f {connection_file}`, told its
    /// spec's `name` through `env`.
    static func kernelJSON(
        executable: String, name: String = PlateShellLanguage.kernelName,
        displayName: String = PlateShellLanguage.displayName
    ) -> String {
        JSON.object([
            ("argv", .array([.string(executable), .string("kernel"), .string("-f"), .string("{connection_file}")])),
            ("display_name", .string(displayName)), ("language", .string("plateshell")),
            ("interrupt_mode", .string("signal")), ("env", .object([(nameVariable, .string(name))])),
            ("metadata", .object([("debugger", .bool(false))])),
        ]).serialized() + "\n"
    }

    /// The command reference as one page.
    static func helpPage() -> String {
        HTMLPage.render(Notebook(cells: [.markdown(Reference.markdown())]), title: "PlateShell commands")
    }

    /// Writes the kernelspec into `directory` (created if needed): kernel.json, logo-32x32.png,
    /// logo-64x64.png, logo-svg.svg and help.html.
    ///
    /// - Throws: `EngineError.io` when a file cannot be written.
    static func install(in directory: String, executable: String) throws {
        let name = URL(fileURLWithPath: directory).lastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try AtomicFile.write(
                Data(kernelJSON(executable: executable, name: name).utf8), to: directory + "/kernel.json")
            try AtomicFile.write(Data(helpPage().utf8), to: directory + "/help.html")
            for size in [32, 64] {
                try AtomicFile.write(
                    try logo(size: Double(size) / 2).pngData(), to: directory + "/logo-\(size)x\(size).png")
            }
            try logo(size: 64).write(to: directory + "/logo-svg")
            try? FileManager.default.removeItem(atPath: directory + "/logo-svg.png")
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError(
                .io,
                "cannot write the kernelspec in \(directory): \(FileSystemProblem.reason(for: error, at: directory))",
                hint: "choose a directory you can write: --user, or --prefix DIR")
        }
    }

    /// A plate (steel blue) with a scratch (orange) and the letter P, `size` points square
    /// (PNGs are drawn at twice that).
    static func logo(size: Double) -> Figure {
        Figure(width: size, height: size, title: "PlateShell") { p in
            p.fill(0, 0, size, size, Color(0.16, 0.33, 0.55))
            p.fill(size * 0.12, size * 0.68, size * 0.76, size * 0.1, .orange)
            p.text("P", size / 2, size * 0.6, size: size * 0.55, .white, align: .center, bold: true)
        }
    }
}
