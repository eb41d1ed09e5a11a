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

    /// Why a `--workspace` value cannot be used, or nil when it can (or was not given).
    ///
    /// An empty directory name would resolve to the current directory and quietly scatter the
    /// workspace's files (tables/, artifacts/, history) there, so it is refused.
    public static func problem(withOption option: String?) -> String? {
        guard let option, option.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return
            "--workspace is empty; give the workspace's directory, for example --workspace ws, or leave the option out to use $PLATESHELL_WORKSPACE, else ./plateshell-workspace"
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
