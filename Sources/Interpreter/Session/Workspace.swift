import Foundation

/// The workspace directory and what lives in it:
///
/// ```
/// WORKSPACE/
///   tables/        one SQLite database per schema (main.sqlite, fsp.sqlite, ...)
///   artifacts/     plots, CSV files and model files
///   history        the shell's command history (one JSON string per entry)
/// ```
public struct Workspace: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
    }

    /// `--workspace`, else `$PLATESHELL_WORKSPACE`, else `./plateshell-workspace`.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Workspace
    {
        Workspace(root: option ?? environment["PLATESHELL_WORKSPACE"] ?? "plateshell-workspace")
    }

    public var tablesDirectory: String { root + "/tables" }
    public var artifactsDirectory: String { root + "/artifacts" }
    public var historyFile: String { root + "/history" }
}
