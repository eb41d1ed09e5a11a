import Engine
import Foundation

/// The workspace directory the session keeps its tables, runs, artifacts and history in (`layout`
/// says where each lives).
public struct Workspace: Sendable, Equatable {
    /// Where the workspace keeps its files.
    public let layout: WorkspaceLayout

    /// The workspace directory.
    public var root: String { layout.root }

    public init(root: String) {
        layout = WorkspaceLayout(root: URL(fileURLWithPath: root).standardizedFileURL.path)
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
}
