import CCrypto
import Foundation
import MLCore

/// The content digest of a model directory: SHA-256 over each file's path, size and SHA-256, in
/// path order (format "plateshell-model-v1"). Equal directories give equal digests wherever they
/// are; PlateShell tags every version it registers on a server with it (`plateshell.model_digest`)
/// and checks every download against it, so a truncated or corrupted transfer is never served.
public enum ModelDigest {
    /// The version tag that holds the digest of the registered files.
    public static let tag = "plateshell.model_digest"

    /// The digest of the files (relative path → bytes), as `sha256:` and 64 hex digits.
    public static func of(files: [String: Data]) -> String {
        var text = "plateshell-model-v1\n"
        for path in files.keys.sorted() {
            let data = files[path]!
            text += "\(path)\n\(data.count)\n\(sha256(data))\n"
        }
        return "sha256:" + sha256(Data(text.utf8))
    }

    /// The digest of the directory at `path` (every regular file under it).
    ///
    /// - Throws: `EngineError.io` when the directory or a file cannot be read.
    public static func of(directory path: String) throws -> String {
        try of(files: files(in: path))
    }

    /// Every regular file under `path` (relative path → bytes), leaving out unfinished writes.
    static func files(in path: String) throws -> [String: Data] {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw EngineError(.io, "cannot read the model directory '\(path)'")
        }
        var files: [String: Data] = [:]
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                !relative.hasSuffix(".partial")
            else { continue }
            guard let data = FileManager.default.contents(atPath: path + "/" + relative) else {
                throw EngineError(.io, "cannot read '\(path)/\(relative)'")
            }
            files[relative] = data
        }
        return files
    }

    /// Lowercase hex SHA-256 of `data`.
    static func sha256(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        data.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_MD_CTX_free(context)
        return digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}
