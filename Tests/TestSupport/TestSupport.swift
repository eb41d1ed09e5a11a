import Engine
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under the system's temporary directory, removed when the test ends.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "plateshell-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to a file in the directory and returns its path.
    @discardableResult
    public func file(_ name: String, _ text: String) -> String {
        let full = path + "/" + name
        try! Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Writes raw bytes to a file in the directory and returns its path.
    @discardableResult
    public func file(_ name: String, bytes: [UInt8]) -> String {
        let full = path + "/" + name
        try! Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// The package's root directory.
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The real data set: `$PLATESHELL_DATA`, else `../shared/data/faults.csv` beside the checkout.
public let realDataPath: String = {
    if let path = ProcessInfo.processInfo.environment["PLATESHELL_DATA"], FileManager.default.fileExists(atPath: path) {
        return path
    }
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/faults.csv").path
}()

/// Runs `body` and returns the `EngineError` it throws (nil when it throws nothing).
public func engineError(_ body: () throws -> Void) -> EngineError? {
    do { try body() } catch let error as EngineError { return error } catch { return nil }
    return nil
}

/// A raw HTTP/1.1 exchange over a loopback socket (tests send what an HTTP client would refuse to:
/// truncated bodies, odd methods, half-sent requests).
public enum RawHTTP {
    /// Connects to 127.0.0.1:`port`; the caller closes the descriptor.
    public static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Sends `request` bytes and reads the answer until the server closes the connection
    /// (send `Connection: close`); returns the status and the body.
    public static func exchange(port: Int, _ request: [UInt8]) -> (status: Int, body: String)? {
        guard let fd = connect(port: port) else { return nil }
        defer { close(fd) }
        guard send(fd, request) else { return nil }
        return receive(fd)
    }

    /// Waits until the server at 127.0.0.1:`port` has begun reading the `sent` bytes sent on `fd`:
    /// fewer of them wait in its end of the connection, as /proc/net/tcp shows (its first read
    /// takes a request's head whole). At most `timeout` seconds; false when it had not by then.
    public static func waitUntilServerReads(
        _ fd: Int32, serverPort port: Int, sent: Int, timeout: TimeInterval = 30
    ) -> Bool {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return false }
        let hex = { (port: Int) in String(format: "0100007F:%04X", port) }
        let server = hex(port)
        let client = hex(Int(UInt16(bigEndian: address.sin_port)))
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            // Read to the end: String(contentsOfFile:) stops after the first page of a /proc file.
            let table = String(
                decoding: FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            for line in table.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 4, fields[1] == server, fields[2] == client else { continue }
                // "tx_queue:rx_queue" in hex: the bytes still waiting at the server's end.
                if let waiting = fields[4].split(separator: ":").last.flatMap({ Int($0, radix: 16) }), waiting < sent {
                    return true
                }
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// Sends all of `bytes`; false when the connection refused them.
    public static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads until the server closes the connection; the status and body of its answer.
    public static func receive(_ fd: Int32) -> (status: Int, body: String)? {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// A complete request: method, path, headers (Content-Length and Connection: close added), body.
    public static func request(
        _ method: String, _ path: String, contentType: String? = "application/json", body: [UInt8] = []
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}

/// A value handed to another thread as is (tests pass a session to the thread that runs a
/// blocking command, and read it again only after that thread is done).
public struct Unchecked<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Runs `body` on a thread of its own and awaits it, leaving the test's thread free.
///
/// Tests run on Swift's cooperative pool, one thread per core. Stopping a scoring server waits
/// for its graceful shutdown, which runs on that pool; a test blocking a pool thread for it could
/// starve the shutdown when other tests hold the remaining threads. Await it through this instead.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
