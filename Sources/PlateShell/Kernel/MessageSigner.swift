import CCrypto

/// HMAC-SHA256 signatures of Jupyter messages (OpenSSL's libcrypto): the hex digest of the
/// header, parent header, metadata and content frames, keyed by the connection file's key.
struct MessageSigner: Sendable {
    let key: [UInt8]

    /// The hex signature of `frames`; empty when there is no key (signing is off).
    func signature(_ frames: [[UInt8]]) -> String {
        guard !key.isEmpty else { return "" }
        let data = frames.flatMap { $0 }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = key.withUnsafeBytes { keyBytes in
            data.withUnsafeBytes { dataBytes in
                HMAC(
                    EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                    dataBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    data.count, &digest, &length)
            }
        }
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `signature` signs `frames`, compared in constant time; any signature passes
    /// when there is no key.
    func verify(_ signature: [UInt8], _ frames: [[UInt8]]) -> Bool {
        guard !key.isEmpty else { return true }
        let expected = Array(self.signature(frames).utf8)
        guard expected.count == signature.count else { return false }
        return zip(expected, signature).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
