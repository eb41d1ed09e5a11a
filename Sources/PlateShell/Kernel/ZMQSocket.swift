import CZMQ

#if canImport(Glibc)
    import Glibc
#endif

/// A ZeroMQ socket: bind, send and receive multipart messages (each a list of frames).
///
/// A socket must be used by one thread at a time; `IOPub` serializes the one socket several
/// threads send on.
final class ZMQSocket: @unchecked Sendable {
    // @unchecked Sendable: the handle is moved to the thread that uses it (the heartbeat and
    // control threads own theirs); shared sockets are guarded by their owner's lock.
    let handle: UnsafeMutableRawPointer
    let name: String

    /// How long closing a socket waits to deliver what is still queued (a shutdown reply).
    static let lingerMilliseconds: Int32 = 1000

    init(context: UnsafeMutableRawPointer, type: Int32, name: String) throws {
        guard let handle = zmq_socket(context, type) else { throw KernelError.zmq("cannot create the \(name) socket") }
        self.handle = handle
        self.name = name
        var linger = Self.lingerMilliseconds
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    /// Binds to `endpoint` (`tcp://127.0.0.1:5555`).
    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else {
            throw KernelError.zmq(
                "cannot bind the \(name) socket to \(endpoint): \(String(cString: zmq_strerror(zmq_errno())))")
        }
    }

    /// Connects to `endpoint` (the kernel's own wake-up pipe).
    func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else {
            throw KernelError.zmq(
                "cannot connect the \(name) socket to \(endpoint): \(String(cString: zmq_strerror(zmq_errno())))")
        }
    }

    /// The next multipart message, waiting for it; nil once the context is shut down.
    func receive() -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            if zmq_msg_recv(&message, handle, 0) < 0 {
                if zmq_errno() == EINTR { continue }
                return nil
            }
            let size = zmq_msg_size(&message)
            let bytes = zmq_msg_data(&message).map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            frames.append(bytes)
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Sends a multipart message; false when the context is shut down.
    @discardableResult
    func send(_ frames: [[UInt8]]) -> Bool {
        for (index, frame) in frames.enumerated() {
            let flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            while frame.withUnsafeBytes({ zmq_send(handle, $0.baseAddress, $0.count, flags) }) < 0 {
                if zmq_errno() != EINTR { return false }
            }
        }
        return true
    }

    /// Whether a message is waiting, after up to `timeout` milliseconds (-1: wait for one);
    /// nil once the context is shut down.
    func poll(timeout: Int) -> Bool? {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        while true {
            let ready = zmq_poll(&item, 1, timeout)
            if ready >= 0 { return ready > 0 }
            if zmq_errno() != EINTR { return nil }
        }
    }

    func close() { zmq_close(handle) }
}
