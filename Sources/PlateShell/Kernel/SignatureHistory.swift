import Foundation
import Synchronization

/// The signatures of the messages received so far, so that a captured, validly signed message
/// sent again is refused (as jupyter_client's `Session.digest_history` does): every message a
/// client sends has a new `msg_id` and date, so a repeated signature can only be a replay.
///
/// Holds at most `limit` signatures; when full, the oldest tenth is forgotten (jupyter_client
/// forgets a random tenth of its 65536).
final class SignatureHistory: Sendable {
    /// The signatures seen, and the order they came in; the shell and control threads both receive.
    private struct Seen {
        var signatures: Set<[UInt8]> = []
        var order: [[UInt8]] = []
    }
    private let seen = Mutex(Seen())
    let limit: Int

    init(limit: Int = 1 << 16) { self.limit = max(limit, 1) }

    /// Records `signature`; false when it was seen before (the message is a replay). An empty
    /// signature (signing is off) is never recorded.
    func admit(_ signature: [UInt8]) -> Bool {
        guard !signature.isEmpty else { return true }
        return seen.withLock { seen in
            guard seen.signatures.insert(signature).inserted else { return false }
            seen.order.append(signature)
            if seen.order.count > limit {
                let dropped = max(limit / 10, 1)
                for signature in seen.order.prefix(dropped) { seen.signatures.remove(signature) }
                seen.order.removeFirst(dropped)
            }
            return true
        }
    }
}
