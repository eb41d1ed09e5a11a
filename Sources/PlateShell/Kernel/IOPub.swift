import Engine
import Foundation
import Synchronization

/// The iopub channel: every broadcast goes through here, signed and serialized by one lock,
/// because the shell thread, the control thread and worker threads (progress) all publish.
final class IOPub: Sendable {
    /// The socket, only ever touched under its mutex.
    private let socket: Mutex<ZMQSocket>
    private let signer: MessageSigner
    /// The kernel's session id, in every message header it sends.
    let session: String

    init(socket: ZMQSocket, signer: MessageSigner, session: String) {
        self.socket = Mutex(socket)
        self.signer = signer
        self.session = session
    }

    /// Publishes a message of `type` caused by `parent`.
    func publish(_ type: String, _ content: JSON, parent: WireMessage?) {
        let message = WireMessage(
            type: type, content: content, parent: parent, session: session,
            identities: [Array("kernel.\(session).\(type)".utf8)])
        let frames = message.encode(signer: signer)
        socket.withLock { _ = $0.send(frames) }
    }

    /// Closes the socket (sending what is queued, within its linger time).
    func close() { socket.withLock { $0.close() } }

    /// `status` with `execution_state` busy, idle or starting.
    func status(_ state: String, parent: WireMessage?) {
        publish("status", .object([("execution_state", .string(state))]), parent: parent)
    }
}
