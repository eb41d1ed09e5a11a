import Engine
import Foundation

/// The connection file Jupyter writes before starting a kernel: where to bind the five sockets
/// and the key that signs messages.
///
/// For example:
/// ```json
/// {"transport": "tcp", "ip": "127.0.0.1", "shell_port": 53794, "iopub_port": 53795,
///  "stdin_port": 53796, "control_port": 53797, "hb_port": 53798,
///  "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84", "signature_scheme": "hmac-sha256"}
/// ```
struct ConnectionFile: Equatable {
    enum Channel: String, CaseIterable { case shell, iopub, stdin, control, hb }

    let transport: String
    let ip: String
    let ports: [Channel: Int]
    /// The HMAC key; empty means messages are neither signed nor checked (the protocol allows it).
    let key: [UInt8]

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: `KernelError` naming the file and what is wrong: unreadable, not JSON, a port
    ///   missing or out of range, an unknown transport or signature scheme.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KernelError.connectionFile(
                path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses the file's text; `path` only names it in errors.
    init(text: String, path: String) throws {
        let document: JSON
        do { document = try JSON.parse(text) } catch let error as EngineError {
            throw KernelError.connectionFile(path, "not JSON (\(error.message))")
        }
        guard document.objectPairs != nil else { throw KernelError.connectionFile(path, "not a JSON object") }
        transport = document["transport"]?.stringValue ?? "tcp"
        guard transport == "tcp" || transport == "ipc" else {
            throw KernelError.connectionFile(path, "transport '\(transport)' is not supported; expected tcp or ipc")
        }
        guard let ip = document["ip"]?.stringValue, !ip.isEmpty else {
            throw KernelError.connectionFile(path, "'ip' is missing")
        }
        self.ip = ip
        var ports: [Channel: Int] = [:]
        for channel in Channel.allCases {
            let key = channel.rawValue + "_port"
            guard let port = document[key]?.intValue, (1...65535).contains(port) else {
                throw KernelError.connectionFile(path, "'\(key)' is missing or not a port number (1 to 65535)")
            }
            ports[channel] = port
        }
        self.ports = ports
        let scheme = document["signature_scheme"]?.stringValue ?? "hmac-sha256"
        guard scheme == "hmac-sha256" else {
            throw KernelError.connectionFile(
                path, "signature_scheme '\(scheme)' is not supported; PlateShell signs with hmac-sha256")
        }
        guard let key = document["key"]?.stringValue ?? (document["key"] == nil ? "" : nil) else {
            throw KernelError.connectionFile(path, "'key' is not a string")
        }
        self.key = Array(key.utf8)
    }

    /// The address a channel binds: `tcp://127.0.0.1:53794`, or `ipc://IP-53794` for ipc.
    func endpoint(_ channel: Channel) -> String {
        transport == "tcp" ? "tcp://\(ip):\(ports[channel]!)" : "ipc://\(ip)-\(ports[channel]!)"
    }
}
