import Foundation
import GRDB
import MLCore

/// Local copies of model versions registered on a tracking server, under the workspace's
/// `model-cache/NAME/VERSION/DIGEST/`, and the last version each URI resolved to (so a cached
/// version still serves when the server cannot be reached).
///
/// A version is downloaded through the server's artifact proxy into a temporary folder; every
/// file's size is checked against the server's listing and the whole digest against the
/// version's `plateshell.model_digest` tag; only then is the folder renamed into place. A
/// truncated or corrupted download is refused with the expected and received digests, and
/// nothing in the cache changes. A version that was sent from this workspace is read from the
/// run's own folder when its digest matches: nothing to download.
public final class ModelCache {
    public let root: String
    let client: MLflowClient
    private let catalog: Catalog
    private let outbox: Outbox

    /// The cache of the workspace whose catalog is `catalog`, for the server `client` reaches.
    public init(catalog: Catalog, client: MLflowClient) throws {
        root = URL(fileURLWithPath: catalog.layout.modelCacheDirectory).path
        self.client = client
        self.catalog = catalog
        outbox = try Outbox(catalogPath: catalog.path, server: client.server)
    }

    /// The local folder holding `version`'s files: this workspace's own run folder, a verified
    /// cached copy, or a fresh verified download.
    ///
    /// - Throws: `EngineError` when the download fails, is truncated, or does not match the digest.
    public func directory(for version: ModelVersion) throws -> String {
        let expected = version.tags[ModelDigest.tag]
        if let expected, let runId = version.runId, let local = try outbox.localRunId(ofRemote: runId) {
            let directory = catalog.runDirectory(local) + "/" + ModelArtifact.directory
            if (try? ModelDigest.of(directory: directory)) == expected { return directory }
        }
        let versionFolder = root + "/" + Self.folderName(version.name) + "/" + String(version.version)
        if let cached = cachedCopy(in: versionFolder, expected: expected, source: version.source) { return cached }
        return try download(version, into: versionFolder, expected: expected)
    }

    /// A complete copy in `folder` that matches the expected digest (or, for a version without
    /// one, that came from the same source).
    private func cachedCopy(in folder: String, expected: String?, source: String) -> String? {
        if let expected {
            let hex = Self.hex(expected)
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { return nil }
            let path = folder + "/" + hex
            return FileManager.default.fileExists(atPath: path + "/MLmodel") ? path : nil
        }
        guard (try? String(contentsOfFile: folder + "/source", encoding: .utf8)) == source,
            let entries = try? FileManager.default.contentsOfDirectory(atPath: folder)
        else { return nil }
        return entries.filter { !$0.hasPrefix(".") && $0 != "source" }.map { folder + "/" + $0 }
            .first { FileManager.default.fileExists(atPath: $0 + "/MLmodel") }
    }

    private func download(_ version: ModelVersion, into folder: String, expected: String?) throws -> String {
        let label = "\(version.name)/\(version.version)"
        let location = try MLflowClient.translatingErrors {
            try client.proxiedPath(of: try client.downloadURI(version.name, version.version))
        }
        let files = try fetch(location, label: label)
        let digest = ModelDigest.of(files: files)
        if let expected, digest != expected {
            throw EngineError(
                .invalidData,
                "the files of \(label) downloaded from \(client.server) do not match its registered digest (expected \(expected), got \(digest))",
                hint:
                    "a corrupted transfer, or files changed on the server after registration; the model in service (if any) stays"
            )
        }
        let target = folder + "/" + Self.hex(digest)
        if !FileManager.default.fileExists(atPath: target + "/MLmodel") { try store(files, at: target, label: label) }
        try AtomicFile.write(Data(version.source.utf8), to: folder + "/source")
        return target
    }

    /// The local folder holding the files of a server run's artifact folder (`runs:/RUN_ID/PATH`):
    /// the folder of the workspace run it was sent from, or a copy downloaded once.
    public func directory(forRun runId: String, path: String) throws -> String {
        if let local = try outbox.localRunId(ofRemote: runId) {
            let directory = catalog.runDirectory(local) + "/" + path
            if FileManager.default.fileExists(atPath: directory + "/MLmodel") { return directory }
        }
        let target =
            root + "/runs/" + Self.folderName(runId) + "/"
            + path.split(separator: "/").map { Self.folderName(String($0)) }.joined(separator: "/")
        if FileManager.default.fileExists(atPath: target + "/MLmodel") { return target }
        let location = try MLflowClient.translatingErrors { try client.proxiedPath(of: "runs:/\(runId)/\(path)") }
        try store(try fetch(location, label: "runs:/\(runId)/\(path)"), at: target, label: "runs:/\(runId)/\(path)")
        return target
    }

    /// Every file under a proxied artifact folder, each checked against the listed size.
    private func fetch(_ location: String, label: String) throws -> [String: Data] {
        try MLflowClient.translatingErrors {
            let listing = try client.listArtifacts(root: location)
            guard listing.contains(where: { $0.path == "MLmodel" }) else {
                throw EngineError(
                    .invalidData,
                    "\(label) on the MLflow server at \(client.server) has no MLmodel file at \(location)",
                    hint: "a registered model is a model directory (runs:/RUN_ID/model) holding an MLmodel file")
            }
            var files: [String: Data] = [:]
            for file in listing {
                let data = try client.downloadArtifact(root: location, path: file.path)
                if file.size >= 0 && data.count != file.size {
                    throw EngineError(
                        .invalidData,
                        "the download of \(label)'s \(file.path) from \(client.server) is truncated: \(data.count) of \(file.size) bytes",
                        hint: "the model in service (if any) stays; try again")
                }
                files[file.path] = data
            }
            return files
        }
    }

    /// Writes `files` into a temporary folder beside `target`, then renames it into place.
    private func store(_ files: [String: Data], at target: String, label: String) throws {
        let temporary = URL(fileURLWithPath: target).deletingLastPathComponent().path + "/.download-" + MD5.randomId()
        do {
            for (path, data) in files { try AtomicFile.write(data, to: temporary + "/" + path) }
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: temporary, toPath: target)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw (error as? EngineError)
                ?? EngineError(
                    .io,
                    "cannot store \(label) in the model cache at '\(target)': \(FileSystemProblem.reason(for: error, at: target))"
                )
        }
    }

    // MARK: - Resolutions

    /// The last version `uri` resolved to on this server, and where its files are.
    public struct Resolution: Sendable, Equatable {
        public let name: String
        public let version: Int
        public let directory: String
        /// When (ms since the epoch).
        public let time: Int64
    }

    /// Remembers that `uri` resolved to `version`, whose files are in `directory`.
    public func remember(_ uri: String, version: ModelVersion, directory: String) throws {
        try catalog.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO model_resolutions VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [client.server, uri, version.name, version.version, directory, millisecondsNow()])
        }
    }

    /// What `uri` last resolved to on this server, if its files are still there.
    ///
    /// - Throws: `EngineError` when the catalog's record of resolutions cannot be read.
    public func lastResolution(of uri: String) throws -> Resolution? {
        let row = try catalog.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM model_resolutions WHERE server = ? AND uri = ?",
                arguments: [client.server, uri])
        }
        guard let row else { return nil }
        let resolution = Resolution(
            name: row["name"], version: row["version"], directory: row["directory"], time: row["resolved"])
        return FileManager.default.fileExists(atPath: resolution.directory + "/MLmodel") ? resolution : nil
    }

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS model_resolutions (server TEXT NOT NULL, uri TEXT NOT NULL, name TEXT NOT NULL,
                    version INTEGER NOT NULL, directory TEXT NOT NULL, resolved INTEGER NOT NULL, PRIMARY KEY (server, uri));
                """)
    }

    /// A registered model's name as a folder name (anything but letters, digits, `.`, `_` and `-` escaped).
    static func folderName(_ name: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        let escaped = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
        return escaped.hasPrefix(".") ? "%2E" + escaped.dropFirst() : escaped
    }

    /// The hex part of a `sha256:` digest.
    static func hex(_ digest: String) -> String {
        digest.hasPrefix("sha256:") ? String(digest.dropFirst("sha256:".count)) : digest
    }
}
