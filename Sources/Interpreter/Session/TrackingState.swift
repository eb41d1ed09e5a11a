import Engine
import Foundation

/// What the session keeps for tracking: the tracker (opened on first use, so a session that
/// never tracks never opens the catalog), and the experiment and server chosen. The tracking and
/// registry commands touch it; the modelling commands record their runs through it, each with
/// its `CommandContext` (for the run's source tags).
final class TrackingState {
    let workspace: Workspace
    let cancellation: Cancellation
    /// The tracker once opened.
    private(set) var opened: Tracker?
    /// Whether `pca`, `fit`, `tune` and `compare` record runs (`autolog off` stops it).
    var autolog = true
    /// Chosen with `experiment NAME`; nil means the script's name, or `plateshell` at the console.
    var experiment: String?
    /// `tracking uri=URL`, else `$MLFLOW_TRACKING_URI`; nil keeps runs in the workspace catalog only.
    var serverURI: String? = ProcessInfo.processInfo.environment["MLFLOW_TRACKING_URI"].flatMap {
        $0.isEmpty ? nil : $0
    }
    /// The run of the last `pca` (what `register pca as NAME` registers).
    var lastPCARun: String?
    /// The git commit of the working directory, looked up once (nil inside: not a checkout).
    private var cachedGitCommit: String??
    /// Tracking messages for the next command's output (a server that could not be used).
    var warnings: [String] = []
    /// Writes the files of recorded runs and ends them while later commands work.
    let finisher = RunFinisher()

    init(workspace: Workspace, cancellation: Cancellation) {
        self.workspace = workspace
        self.cancellation = cancellation
    }

    /// The tracker, once every run recorded so far is finished (its files written, its end
    /// recorded), for commands that read runs or the registry.
    func tracker() throws -> Tracker {
        finisher.settle()
        return try recordingTracker()
    }

    /// The tracker to record runs with, opening the workspace's catalog on first use — with the
    /// tracking server as the registry of record when one is set. A server URI that cannot be
    /// used is reported, and runs stay in the workspace catalog. Runs recorded before may still
    /// be finishing.
    func recordingTracker() throws -> Tracker {
        if let opened { return opened }
        let catalog = try Catalog(workspace: workspace.root)
        let killed = catalog.runsFoundKilled
        if !killed.isEmpty {
            warnings.append(
                "\(killed.count) run\(killed.count == 1 ? "" : "s") whose shell was killed while \(killed.count == 1 ? "it" : "they") ran (\(killed.map { String($0.prefix(8)) }.joined(separator: ", "))) \(killed.count == 1 ? "is" : "are") now KILLED; \(killed.count == 1 ? "its" : "their") unfinished files were removed"
            )
        }
        let tracker: Tracker
        do {
            tracker = try makeTracker(catalog: catalog, serverURI: serverURI)
        } catch {
            warnings.append(
                "cannot use the tracking server \(serverURI ?? ""): \(reported(error)); runs stay in the workspace catalog only (tracking uri=URL to retry)"
            )
            serverURI = nil
            tracker = try makeTracker(catalog: catalog, serverURI: nil)
        }
        opened = tracker
        return tracker
    }

    /// Replaces the tracker (`tracking uri=`): the old one stops its background work, its queue
    /// stays in the catalog.
    func replace(with tracker: Tracker, serverURI: String?) {
        finisher.settle()
        _ = opened?.close(waitingUpTo: 0)
        opened = tracker
        self.serverURI = serverURI
    }

    /// The embedded tracker, or — with a server URI — the tracker whose registry of record is that
    /// server (its waits end on Ctrl-C). Whoever starts a run sets its experiment first
    /// (`experimentName(for:)`).
    func makeTracker(catalog: Catalog, serverURI: String?) throws -> Tracker {
        guard let serverURI else { return EmbeddedTracker(catalog: catalog) }
        let tracker = try ServerTracker(catalog: catalog, client: try MLflowClient(uri: serverURI))
        tracker.cancellation = cancellation
        return tracker
    }

    /// The tracking server that is the registry of record, nil when the catalog is.
    func trackingServer() throws -> MLflowClient? {
        try tracker().remote?.client
    }

    /// Background tracking problems to tell the user: a server that could not be used, queued
    /// items that wait, items the server refused.
    func drainWarnings() -> [String] {
        defer { warnings = [] }
        return warnings + finisher.drainFailures() + (opened?.drainWarnings() ?? [])
    }

    /// Whether there may be something to say after a command (a tracker is open, or a warning waits).
    var mayWarn: Bool { opened != nil || !warnings.isEmpty }

    /// Ends the tracker's background work, waiting (at most `timeout` seconds, less when the server
    /// fails, or until Ctrl-C) for queued writes to reach the tracking server. Returns what to tell
    /// the user, if anything.
    func finish(waitingUpTo timeout: TimeInterval) -> [String] {
        finisher.settle()
        var messages = finisher.drainFailures().map { "Tracking: \($0)." }
        if let tracker = opened, let remote = tracker.remote {
            do {
                let queued = try remote.sender.outbox.queued()
                if queued > 0 {
                    messages.append(
                        "Sending \(queued) queued tracking item\(queued == 1 ? "" : "s") to \(remote.client.server) (Ctrl-C leaves them queued)…"
                    )
                }
            } catch {
                messages.append("Tracking: \(Outbox.readFailure(error)).")
            }
            cancellation.reset()
            let left = tracker.close(waitingUpTo: timeout)
            if left > 0 {
                messages.append(
                    "\(left) tracking item\(left == 1 ? " stays" : "s stay") queued for \(remote.client.server)\(remote.sender.currentState.lastError.map { " (\($0))" } ?? ""); they are sent the next time PlateShell tracks to it from this workspace."
                )
            }
        }
        opened = nil
        return messages
    }

    /// The experiment the runs of a command go to: `experiment NAME`, else the name of the script
    /// it came from, else `plateshell`.
    func experimentName(for context: CommandContext) -> String {
        if let experiment = experiment { return experiment }
        if case .script(let path, _) = context.origin {
            return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
        return "plateshell"
    }

    /// Records the command of `context` as a tracking run when autolog is on. `body` logs into a
    /// new run, which ends FINISHED once the finisher has written its files — or into the run
    /// `run start` opened, which stays open. The command has already done its work, so a tracking
    /// failure is reported on `output` (or, from the finisher, after a later command), never thrown.
    ///
    /// - Returns: the run's id, nil when nothing was recorded.
    @discardableResult
    func recordRun(
        _ name: String, context: CommandContext, on output: inout CommandOutput, _ body: (RunRecorder) throws -> Void
    ) -> String? {
        guard autolog else { return nil }
        var runId: String?
        var startedHere = false
        do {
            let tracker = try recordingTracker()
            tracker.experimentName = experimentName(for: context)
            if let open = tracker.openRun {
                runId = open
            } else {
                runId = try tracker.startRun(name: name, tags: sourceTags(for: context), startTime: context.started)
                startedHere = true
            }
            let artifacts = try RunRecorder.record(runId!, with: tracker, body)
            finisher.finish(artifacts, name: name, ending: startedHere ? .finished : nil)
            output.say("Tracked as run \(runId!.prefix(8)) (\(name)) in experiment '\(tracker.experimentName)'.")
        } catch {
            let reason = reported(error)
            if startedHere, let runId, let tracker = opened { try? tracker.endRun(runId, status: .failed) }
            output.say(
                "Tracking: the run \(runId.map { "\($0.prefix(8)) " } ?? "")was not fully recorded (\(reason)); the command's result stands."
            )
        }
        return runId
    }

    /// The tags every run of a command gets: where it came from, PlateShell's version, the git commit.
    func sourceTags(for context: CommandContext) -> [String: String] {
        var tags = [
            "mlflow.source.type": "LOCAL", "plateshell.version": PlateShellVersion.current,
            "plateshell.command": context.text,
        ]
        switch context.origin {
        case .script(let path, let line):
            tags["mlflow.source.name"] = URL(fileURLWithPath: path).standardizedFileURL.path
            tags["plateshell.source.line"] = String(line)
        case .cell(let number, let line):
            tags["mlflow.source.name"] = "plateshell kernel"
            tags["plateshell.source.line"] = "\(Origin.cellName(number)):\(line)"
        case .console: tags["mlflow.source.name"] = "plateshell (interactive)"
        case .commandLine: tags["mlflow.source.name"] = "plateshell -c"
        }
        if let commit = gitCommit() { tags["mlflow.source.git.commit"] = commit }
        return tags
    }

    /// The commit checked out in the working directory (or a parent), read from `.git` directly.
    func gitCommit() -> String? {
        if let cached = cachedGitCommit { return cached }
        cachedGitCommit = .some(GitCheckout.head(from: FileManager.default.currentDirectoryPath))
        return cachedGitCommit!
    }
}

/// Reads the commit a git checkout has checked out, without running git.
enum GitCheckout {
    /// The 40-hex commit of `HEAD` in the checkout holding `directory`, or nil.
    static func head(from directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            let git = url.appendingPathComponent(".git").path
            if let head = try? String(contentsOfFile: git + "/HEAD", encoding: .utf8) {
                let line = head.trimmingCharacters(in: .whitespacesAndNewlines)
                guard line.hasPrefix("ref: ") else { return isCommit(line) ? line : nil }
                let ref = String(line.dropFirst(5))
                if let loose = try? String(contentsOfFile: git + "/" + ref, encoding: .utf8) {
                    let commit = loose.trimmingCharacters(in: .whitespacesAndNewlines)
                    return isCommit(commit) ? commit : nil
                }
                let packed = (try? String(contentsOfFile: git + "/packed-refs", encoding: .utf8)) ?? ""
                for entry in packed.split(separator: "\n") where entry.hasSuffix(" " + ref) {
                    let commit = String(entry.prefix(40))
                    return isCommit(commit) ? commit : nil
                }
                return nil
            }
            if url.path == "/" { return nil }
            url.deleteLastPathComponent()
        }
    }

    private static func isCommit(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy(\.isHexDigit)
    }
}
