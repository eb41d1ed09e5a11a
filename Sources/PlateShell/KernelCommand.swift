import ArgumentParser
import Engine
import Foundation
import Interpreter
import StandardConnectors

/// `plateshell kernel -f FILE`: the Jupyter kernel; `plateshell kernel install`: its kernelspec.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run as a Jupyter kernel (Jupyter starts it with -f CONNECTION_FILE), or install its kernelspec.",
        discussion: """
            One session per kernel, as in the shell: a cell holds commands, ## narration and comments, like a .plsh \
            file. Results come back as HTML tables, Markdown narration and PNG/SVG charts. Interrupt (SIGINT) cancels \
            the running command and keeps the session.
            """,
        subcommands: [Install.self])

    /// `--workspace`, `--seed` and `--threads`, before or after `kernel` (a separate `--workspace`
    /// of this command's own lost a value given before `kernel` to the root command).
    @OptionGroup var global: GlobalOptions

    @Option(name: .customShort("f"), help: "The connection file Jupyter wrote (ports and signing key).")
    var connectionFile: String?

    func run() throws {
        guard let connectionFile else {
            throw ValidationError(
                "give the connection file with -f FILE (Jupyter does), or run 'plateshell kernel install'")
        }
        let log: @Sendable (String) -> Void = { Terminal.write("[PlateShell kernel] \($0)\n", error: true) }
        let server: KernelServer
        do {
            server = try KernelServer(connection: try ConnectionFile(path: connectionFile), log: log)
        } catch let error as KernelError {
            Terminal.write("error: \(error.message)\n", error: true)
            throw ExitCode(1)
        }
        var settings = Session.Settings()
        settings.width = 100
        settings.seed = global.seed
        if let threads = global.threads { settings.threads = threads }
        let session = Session(
            workspace: Workspace.resolve(option: global.workspace), connectors: .standard, settings: settings,
            output: server.output,
            cancellation: Signals.cancellation)
        Signals.install()
        let status = server.run(session: session)
        finish(session)
        throw ExitCode(status)
    }

    /// `plateshell kernel install [--user | --prefix DIR] [--name NAME]`.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Install the kernelspec so Jupyter lists the PlateShell kernel (default: system-wide, /usr/local/share/jupyter)."
        )

        @Flag(help: "Install for the current user (~/.local/share/jupyter, or $JUPYTER_DATA_DIR).")
        var user = false

        @Option(help: "Install under DIR/share/jupyter/kernels (a virtual environment's prefix, say).")
        var prefix: String?

        @Option(help: "The kernelspec's name (its directory).")
        var name: String = PlateShellLanguage.kernelName

        func validate() throws {
            if user && prefix != nil { throw ValidationError("give --user or --prefix, not both") }
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
            else {
                throw ValidationError("--name may hold only letters, digits, '.', '_' and '-'; got '\(name)'")
            }
        }

        func run() throws {
            let directory = KernelSpec.directory(
                user: user, prefix: prefix.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, name: name)
            let executable =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
            do {
                try KernelSpec.install(in: directory, executable: executable)
            } catch let error as EngineError {
                Terminal.write("error: \(error.message)\n" + (error.hint.map { "  hint: \($0)\n" } ?? ""), error: true)
                throw ExitCode(1)
            }
            print(
                "Installed the PlateShell kernel '\(name)' in \(directory) (it starts \(executable)); 'jupyter kernelspec list' shows it."
            )
        }
    }
}
