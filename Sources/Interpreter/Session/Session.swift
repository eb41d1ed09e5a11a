import Engine
import Foundation

/// The interpreter's state and its one way in: `execute(_:origin:)`.
///
/// A session holds the current frame and its lineage, the settings, the command history and the
/// table store. Typing a line, replaying a script, `source`, `-c` and piped input all go through
/// `execute`, so they behave the same. The session never touches the terminal: it sends outcomes
/// to its `SessionOutput` and takes its clock and cancellation flag from outside.
///
/// For example:
/// ```swift
/// let output = CollectingOutput()
/// let session = Session(workspace: Workspace(root: dir), connectors: .standard, output: output)
/// session.execute("load data/faults.csv as fsp.faults", origin: .console)
/// session.execute("describe Pixels_Areas", origin: .console)
/// ```
///
/// ## Topics
/// - ``execute(_:origin:)``
/// - ``runScript(at:keepGoing:)``
/// - ``Settings``
public final class Session {
    /// What `format`, `timer` and the global options set.
    public struct Settings: Sendable, Equatable {
        public var format: OutputFormat = .table
        public var color = false
        public var width = 120
        public var timer = false
        /// Whether front ends that can show pictures inline (a terminal with an image protocol)
        /// show charts there; `images on|off`.
        public var images = true
        public var seed = 42
        /// Threads for parallel work: folds, trees, histograms.
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        /// Whether the commands come from standard input (piped to the shell), so `load -`
        /// cannot read a CSV file from there.
        public var standardInputHoldsCommands = false
        /// Whether `monitor` fails (the entry stops, `plateshell -c` exits 1) when it finds drift,
        /// unless its `fail_on_drift=` says otherwise; `--fail-on-drift` sets it.
        public var failOnDrift = false

        public init() {}
    }

    /// How a run of entries ended.
    public enum Status: Sendable, Equatable {
        case ok
        /// Stopped at an error of this layer.
        case failed(Diagnostic.Layer)
        /// `quit` or `exit` was run.
        case quit
    }

    public let workspace: Workspace
    /// The Spark Connect store and the scoring server, as the front end made them.
    let connectors: Connectors
    public var settings: Settings
    public let output: SessionOutput
    public let cancellation: Cancellation
    public let history: CommandHistory
    /// Monotonic seconds, for `timer on`.
    let clock: @Sendable () -> Double
    /// The current frame and the table store.
    let frames: FrameState
    /// The preprocessing plan, the label, the split and the fitted models.
    let modeling = ModelingState()
    /// Where runs go: the tracker, the experiment and server chosen.
    let tracking: TrackingState
    /// The scoring server `serve` started in the background, if any.
    let deployment = DeploymentState()
    /// Scripts being run by `source`, innermost last (for cycle and depth checks).
    var scriptStack: [String] = []
    public private(set) var quitRequested = false

    /// The deepest `source` nesting allowed.
    public static let maximumSourceDepth = 16

    public init(
        workspace: Workspace, connectors: Connectors, settings: Settings = Settings(), output: SessionOutput,
        cancellation: Cancellation = Cancellation(),
        clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    ) {
        self.workspace = workspace
        self.connectors = connectors
        self.settings = settings
        self.output = output
        self.cancellation = cancellation
        self.clock = clock
        self.history = CommandHistory(path: workspace.layout.historyFile)
        frames = FrameState(workspace: workspace, remoteTables: connectors.remoteTables, cancellation: cancellation)
        tracking = TrackingState(workspace: workspace, cancellation: cancellation)
    }

    /// The table store, opened on first use (so starting the shell costs nothing).
    public func store() throws -> any TableStorage { try frames.store() }

    /// An entry as histories keep it: a Spark Connect token typed in it is replaced by `***`.
    public static func historyText(_ entry: String) -> String { SparkRemote.redacting(entry) }

    /// Runs every command of one entry (one or more lines, commands split by `;`), sending each
    /// result or diagnostic to the output. Stops at the entry's first error.
    @discardableResult
    public func execute(_ text: String, origin: Origin) -> Status {
        let entry = Entry(text, origin: origin)
        var historyProblem = origin == .console ? history.add(Self.historyText(text)) : nil
        let commands: [CommandSyntax]
        switch Parser.parse(text) {
        case .success(let parsed): commands = parsed
        case .failure(let error):
            output.deliver(
                .failure(
                    Diagnostic(
                        layer: .syntax, message: error.message, range: error.range,
                        hint: error.hint, kind: "syntax"), entry: entry))
            return .failed(.syntax)
        }
        // A person typing at the console starts afresh: a Ctrl-C there only dropped the line. In
        // a script, `-c`, a cell or after the first command of an entry, a Ctrl-C that lands
        // between two commands must stop the rest, so the flag is not cleared per command.
        if origin == .console { cancellation.reset() }
        let bytes = Array(text.utf8)
        for command in commands {
            if cancellation.isRequested {
                output.deliver(.failure(Self.interrupted(before: command), entry: entry))
                return .failed(.engine)
            }
            let context = CommandContext(
                origin: origin,
                text: SparkRemote.redacting(
                    String(
                        decoding: bytes[
                            min(command.range.lowerBound, bytes.count)..<min(command.range.upperBound, bytes.count)],
                        as: UTF8.self)),
                started: millisecondsNow())
            let started = clock()
            do {
                var result = try run(command, context: context)
                if origin.isInteractive {
                    // A person reads each result: its run is finished (or its failure told) with it.
                    tracking.finisher.settle()
                }
                if tracking.mayWarn {
                    for warning in tracking.drainWarnings() { result.say("Tracking: \(warning).") }
                }
                if settings.timer { result.say(String(format: "Run Time: real %.3f s", clock() - started)) }
                if let problem = historyProblem {
                    result.say("History: \(problem).")
                    historyProblem = nil
                }
                output.deliver(.output(result, entry: entry))
            } catch let diagnostic as Diagnostic {
                output.deliver(.failure(diagnostic, entry: entry))
                return .failed(diagnostic.layer)
            } catch let check as FailedCheck {
                output.deliver(.output(check.output, entry: entry))
                output.deliver(.failure(check.diagnostic, entry: entry))
                return .failed(check.diagnostic.layer)
            } catch {
                output.deliver(
                    .failure(
                        Diagnostic(
                            layer: .internal, message: "internal error — please report: \(error)",
                            range: command.range), entry: entry))
                return .failed(.internal)
            }
            if quitRequested { return .quit }
        }
        return .ok
    }

    /// The diagnostic for a command that Ctrl-C stopped before it started.
    private static func interrupted(before command: CommandSyntax) -> Diagnostic {
        Diagnostic(
            layer: .engine,
            message: "interrupted (Ctrl-C) before this command: it and the commands after it did not run",
            range: command.range, hint: "the commands before it finished; run the rest again to go on",
            kind: EngineError.Kind.cancelled.rawValue)
    }

    /// Looks up (by a unique prefix too, where its origin accepts one) and runs one command.
    private func run(_ command: CommandSyntax, context: CommandContext) throws -> CommandOutput {
        let spec = try CommandTable.lookup(command.verb, prefixes: context.origin.acceptsPrefixes)
        switch Invocation.bind(command, to: spec, context: context) {
        case .failure(let diagnostic): throw diagnostic
        case .success(let invocation):
            // An engine error that escapes a handler becomes a diagnostic here, so what reaches the
            // output is a `Diagnostic` (or a `FailedCheck`, which carries one) with the range it
            // concerns; handlers point errors at their arguments themselves with `at`.
            do { return try spec.handler(self, invocation) } catch let error as EngineError {
                throw Diagnostic(error, range: invocation.range(of: error))
            }
        }
    }

    /// Replays a script: narration blocks are shown, each command is echoed with its file and line
    /// and run. Stops at the first error unless `keepGoing`.
    ///
    /// - Returns: `.ok`, `.quit`, or `.failed` with the layer of the (first) error.
    @discardableResult
    public func runScript(at path: String, keepGoing: Bool = false) -> Status {
        let entries: [ScriptEntry]
        do {
            entries = try loadScript(at: path)
        } catch {
            let diagnostic =
                error as? Diagnostic
                ?? Diagnostic(
                    layer: .internal, message: "internal error reading '\(path)' — please report: \(error)", range: nil)
            output.deliver(.failure(diagnostic, entry: Entry("", origin: .commandLine)))
            return .failed(diagnostic.layer)
        }
        scriptStack.append(URL(fileURLWithPath: path).standardizedFileURL.path)
        defer { scriptStack.removeLast() }
        var firstFailure: Status = .ok
        for entry in entries {
            switch run(entry, path: path) {
            case .ok: continue
            case .quit: return .quit
            case .failed(let layer):
                if !keepGoing { return .failed(layer) }
                if firstFailure == .ok { firstFailure = .failed(layer) }
            }
        }
        return firstFailure
    }

    /// Runs one entry of a script (the step-by-step mode drives entries one at a time).
    @discardableResult
    public func run(_ entry: ScriptEntry, path: String) -> Status {
        switch entry {
        case .narration(let text, let line):
            output.deliver(.narration(text, origin: .script(path: path, line: line)))
            return .ok
        case .command(let text, let line):
            let origin = Origin.script(path: path, line: line)
            output.deliver(.echo(Entry(text, origin: origin)))
            return execute(text, origin: origin)
        }
    }

    /// Reads and splits a script file.
    ///
    /// - Throws: a `Diagnostic` when the file is missing, not UTF-8, or would nest too deep or
    ///   cycle through `source`.
    public func loadScript(at path: String) throws -> [ScriptEntry] {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        if scriptStack.contains(canonical) {
            let chain = (scriptStack + [canonical]).map { URL(fileURLWithPath: $0).lastPathComponent }
            throw Diagnostic(
                layer: .usage, message: "source cycle: \(chain.joined(separator: " → "))",
                hint: "a script cannot source itself, directly or through others", kind: "usage")
        }
        if scriptStack.count >= Self.maximumSourceDepth {
            throw Diagnostic(
                layer: .usage, message: "scripts nest deeper than \(Self.maximumSourceDepth) levels of source",
                kind: "usage")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw Diagnostic(
                layer: .engine, message: exists ? "cannot read script '\(path)'" : "no script at '\(path)'",
                hint: "check the path; it is relative to the directory the shell started in", kind: "io")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(layer: .engine, message: "script '\(path)' is not UTF-8 text", kind: "io")
        }
        return ScriptReader.entries(of: text)
    }

    /// Ends the session's background work: stops a scoring server (writing its inference log), finishes the runs recorded
    /// (their files written, their ends recorded), and waits (at most `timeout` seconds, less when
    /// the server fails, or until Ctrl-C) for queued tracking writes to reach the tracking server.
    /// Returns what to tell the user, if anything.
    public func finish(waitingUpTo timeout: TimeInterval = 120) -> [String] {
        let notes = [deployment.stop()?.failure].compactMap { $0 }
        return notes + tracking.finish(waitingUpTo: timeout)
    }

    /// Asks the session to stop after the current command.
    func requestQuit() { quitRequested = true }
}
