import Engine
import Foundation

/// The iopub channel: every broadcast goes through here, signed and serialized by one lock,
/// because the shell thread, the control thread and worker threads (progress) all publish.
final class IOPub: @unchecked Sendable {
    // @unchecked Sendable: the socket is only touched under `lock`.
    private let socket: ZMQSocket
    private let signer: MessageSigner
    /// The kernel's session id, in every message header it sends.
    let session: String
    private let lock = NSLock()

    init(socket: ZMQSocket, signer: MessageSigner, session: String) {
        self.socket = socket
        self.signer = signer
        self.session = session
    }

    /// Publishes a message of `type` caused by `parent`.
    func publish(_ type: String, _ content: JSON, parent: WireMessage?) {
        let message = WireMessage(
            type: type, content: content, parent: parent, session: session,
            identities: [Array("kernel.\(session).\(type)".utf8)])
        let frames = message.encode(signer: signer)
        lock.withLock { _ = socket.send(frames) }
    }

    /// Closes the socket (sending what is queued, within its linger time).
    func close() { lock.withLock { socket.close() } }

    /// `status` with `execution_state` busy, idle or starting.
    func status(_ state: String, parent: WireMessage?) {
        publish("status", .object([("execution_state", .string(state))]), parent: parent)
    }
}
