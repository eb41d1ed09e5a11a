import Foundation
import MLCore

/// Reading artifacts through the server's proxy (`/api/2.0/mlflow-artifacts/artifacts`).
extension MLflowClient {
    /// A file under an artifact folder: its path relative to that folder and its size.
    public struct ArtifactFile: Sendable, Equatable {
        public let path: String
        public let size: Int
    }

    /// The proxied path (`1/<run>/artifacts/model`) of an artifact location: `mlflow-artifacts:/…`,
    /// or `runs:/RUN_ID/PATH` (resolved through the run's artifact URI).
    public func proxiedPath(of location: String) throws -> String {
        if location.hasPrefix("runs:/") {
            let parts = location.dropFirst("runs:/".count).split(separator: "/", maxSplits: 1).map(String.init)
            guard let runId = parts.first else {
                throw MLflowError(
                    server: server, method: "GET", path: "api/2.0/mlflow/runs/get",
                    failure: .refused(status: 400, code: "BAD_URI", message: "'\(location)' names no run"))
            }
            let root = try Self.proxiedPath(try run(id: runId).record.artifactURI, server: server)
            return parts.count > 1 ? root + "/" + parts[1] : root
        }
        return try Self.proxiedPath(location, server: server)
    }

    /// Every file under the proxied folder `root`, recursively, with its size.
    public func listArtifacts(root: String) throws -> [ArtifactFile] {
        var files: [ArtifactFile] = []
        var folders = [""]
        while let folder = folders.popLast() {
            let answer = try call(
                "GET", "api/2.0/mlflow-artifacts/artifacts",
                query: [("path", folder.isEmpty ? root : root + "/" + folder)])
            for item in answer["files"] as? [[String: Any]] ?? [] {
                guard let name = item["path"] as? String, !name.isEmpty, !name.split(separator: "/").contains("..")
                else { continue }
                let path = folder.isEmpty ? name : folder + "/" + name
                if item["is_dir"] as? Bool == true {
                    folders.append(path)
                } else {
                    files.append(ArtifactFile(path: path, size: Int(Self.int64(item["file_size"]) ?? -1)))
                }
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The bytes of one artifact file.
    public func downloadArtifact(root: String, path: String) throws -> Data {
        try send("GET", "api/2.0/mlflow-artifacts/artifacts/\(root)/\(path)")
    }
}
