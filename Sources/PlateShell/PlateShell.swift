import ArgumentParser
import Engine
import Foundation
import Interpreter
import StandardConnectors

/// Options every form of the command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The workspace directory (default: $PLATESHELL_WORKSPACE, else ./plateshell-workspace).")
    var workspace: String?

    @Option(help: "Output format: table, json, csv or markdown.")
    var format: String = "table"

    @Flag(
        name: .customLong("no-color"),
        help: "Never colour the output (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    @Option(help: "The random seed for everything that samples.")
    var seed: Int = 42

    @Option(help: "Threads for parallel work (folds, trees, histograms); default: every core.")
    var threads: Int?

    @Flag(
        name: .customLong("fail-on-drift"),
        help: "Exit with status 1 when monitor finds a drifted feature (as its fail_on_drift=true).")
    var failOnDrift = false

    func validate() throws {
        if let problem = Workspace.problem(withOption: workspace) { throw ValidationError(problem) }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1; got \(threads)") }
        guard OutputFormat(rawValue: format) != nil else {
            throw ValidationError(
                "--format must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")); got '\(format)'"
            )
        }
    }

    /// A session on the chosen workspace, printing to the terminal; with `recording`, its output
    /// is a `NotebookRecorder` that also keeps the replay as a notebook.
    func makeSession(echoes: Bool = true, recording: Bool = false) -> Session {
        var settings = Session.Settings()
        settings.format = OutputFormat(rawValue: format)!
        settings.color = !noColor && Terminal.outputIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        settings.width = Terminal.width
        settings.seed = seed
        if let threads { settings.threads = threads }
        settings.failOnDrift = failOnDrift
        let output = TerminalOutput()
        output.echoes = echoes
        let session = Session(
            workspace: Workspace.resolve(option: workspace), connectors: .standard, settings: settings,
            output: recording ? NotebookRecorder(forwarding: output) : output, cancellation: Signals.cancellation)
        output.settings = { [unowned session] in session.settings }
        Signals.install()
        return session
    }
}

@main
struct PlateShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plateshell",
        abstract: "An interactive shell for the Steel Plates Faults workflow: load, explore, prepare.",
        discussion: """
            With no arguments: an interactive shell when standard input is a terminal; otherwise the commands \
            on standard input run like a script.
            """,
        version: PlateShellVersion.current,
        subcommands: [
            Run.self, ServeCommand.self, KernelCommand.self, ConvertCommand.self, ReferenceCommand.self,
            DataCommand.self,
        ])

    @OptionGroup var global: GlobalOptions

    /// Reads the arguments, readies the process (still single-threaded), then parses and runs.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        LinearAlgebra.startNoThreadsWhenLoaded()
        main(arguments)
    }

    @Option(name: .customShort("c"), help: "Run these commands (separated by ';') and exit.")
    var commands: String?

    func run() throws {
        let session = global.makeSession(echoes: false)
        defer { finish(session) }
        if let commands {
            let status = session.execute(commands, origin: .commandLine)
            if case .failed = status { throw ExitCode(1) }
            return
        }
        if Terminal.inputIsTerminal {
            REPL(session: session).run()
            return
        }
        (session.output as? TerminalOutput)?.echoes = false
        if case .failed = PipedInput(session: session).run(keepGoing: false) { throw ExitCode(1) }
    }
}

/// `plateshell run FILE.plsh ...`: replay scripts in one session.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay .plsh scripts in one session, echoing each command with its file and line.",
        discussion: "Stops at the first error with exit status 1, unless --keep-going.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Report errors and carry on with the next command.")
    var keepGoing = false

    @Flag(
        help:
            "Teaching mode: pause before each command (Enter runs it, s skips, b shows the narration again, q stops, any other line runs as a command)."
    )
    var step = false

    @Option(
        name: .customLong("export"),
        help:
            "Write the replay with its outputs: FILE.ipynb (a notebook) or FILE.html (one self-contained page); may be repeated."
    )
    var exports: [String] = []

    @Argument(help: "The scripts to replay, in order.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one script to run") }
        for export in exports where !export.hasSuffix(".ipynb") && !export.hasSuffix(".html") {
            throw ValidationError("--export writes FILE.ipynb or FILE.html; got '\(export)'")
        }
    }

    func run() throws {
        let session = global.makeSession(recording: !exports.isEmpty)
        defer { finish(session) }
        let recorder = session.output as? NotebookRecorder
        var failed = false
        let stepPrompt = StepPrompt(
            editor: step && Terminal.inputIsTerminal
                ? LineEditor(historyEntries: session.history.entries, historySize: REPL.historySize) : nil)
        if step { LineEditor.completerProvider = { [session] in session.completer() } }
        defer { if let recorder { ReplayExport.write(recorder.notebook, to: exports, scripts: files) } }
        for file in files {
            recorder?.begin(script: file, text: (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
            let status =
                step
                ? StepMode(session: session, prompt: stepPrompt).run(file)
                : session.runScript(at: file, keepGoing: keepGoing)
            switch status {
            case .ok: continue
            case .quit: return
            case .failed:
                failed = true
                if !keepGoing { throw ExitCode(1) }
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// Ends a session before the process exits: stops its scoring server and lets queued tracking
/// writes reach the tracking server (what stays queued is said on standard error).
func finish(_ session: Session) {
    for message in session.finish() { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}

/// `plateshell reference`: the command reference in Markdown, written from the command table.
struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Print the command reference (Markdown) from the command table.")

    func run() throws {
        print(Reference.markdown(), terminator: "")
    }
}
