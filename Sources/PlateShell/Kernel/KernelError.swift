/// What stops the kernel from starting or serving: a bad connection file, a socket that cannot
/// bind. Messages that are malformed or badly signed are logged and dropped instead (`WireError`).
struct KernelError: Error, Equatable, CustomStringConvertible {
    let message: String

    var description: String { message }

    static func connectionFile(_ path: String, _ problem: String) -> KernelError {
        KernelError(message: "connection file \(path): \(problem)")
    }

    static func zmq(_ problem: String) -> KernelError { KernelError(message: problem) }
}
