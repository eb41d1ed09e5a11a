import MLCore

/// Where a workspace keeps its files, the one place that names them:
///
/// ```
/// WORKSPACE/
///   tables/          one SQLite database per schema (main.sqlite, fsp.sqlite, ...)
///   catalog.sqlite   the tracking catalog (runs, the registry, the outbox)
///   artifacts/       CSV files and model files
///     plots/         charts, as PNG and SVG
///     runs/RUN_ID/   the artifacts of each tracked run
///   running/RUN_ID   the lock a shell holds while it records a run
///   model-cache/     model versions fetched from a tracking server
///   history          the shell's command history (one JSON string per entry)
/// ```
public struct WorkspaceLayout: Sendable, Equatable {
    /// The workspace directory, as given.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var tablesDirectory: String { root + "/tables" }
    public var catalogFile: String { root + "/catalog.sqlite" }
    public var artifactsDirectory: String { root + "/artifacts" }
    /// Where charts are written.
    public var plotsDirectory: String { artifactsDirectory + "/plots" }
    /// The artifacts of tracked runs, one folder per run.
    public var runArtifactsDirectory: String { artifactsDirectory + "/runs" }
    /// The file whose lock marks run `runId` as recorded by a live process (`RunOwnership`).
    public func ownershipFile(of runId: String) -> String { root + "/running/" + runId }
    public var modelCacheDirectory: String { root + "/model-cache" }
    public var historyFile: String { root + "/history" }
}
