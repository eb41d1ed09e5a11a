import CCurl
import Foundation
import MLCore
import Synchronization

/// Sends HTTP requests and waits for their answers (the shell's commands are synchronous), with
/// libcurl opened on first use. FoundationNetworking's URLSession, used before, links libcurl and
/// its ~30 libraries (TLS, Kerberos, LDAP, …) into every start: 8.3 ms of a bare Swift program's
/// 10.4 ms on the machine it was measured on, paid by every shell that never talks to a server.
///
/// Each request takes a connection handle from a small pool and gives it back, so connections to
/// a server stay open between requests; any thread may send. A 401 is an answer like any other
/// (libcurl answers no authentication challenge unless asked to).
final class HTTPClient: Sendable {
    /// Seconds without progress before a request is given up (six times that in all).
    let timeout: TimeInterval
    private let idle = Mutex<[Handle]>([])
    private static let keptIdle = 8

    /// A libcurl handle, used by one thread at a time: taken from the pool, then given back.
    private struct Handle: @unchecked Sendable {
        // @unchecked Sendable: a raw pointer; the handle is either in `idle` (under its mutex) or
        // held by the one `send` that took it out, which gives it back or frees it when done.
        let pointer: UnsafeMutableRawPointer
    }

    init(timeout: TimeInterval) {
        self.timeout = timeout
    }

    deinit {
        for handle in idle.withLock({ $0 }) { plateshell_http_handle_free(handle.pointer) }
    }

    /// Sends `method` to `url` with the `headers` ("Name: value") and `body`, and waits.
    ///
    /// - Throws: `HTTPTransportError` when no answer came back (refused, timed out, unknown host,
    ///   TLS); an HTTP error status is an answer, not an error.
    func send(_ method: String, url: String, headers: [String] = [], body: Data? = nil) throws(HTTPTransportError)
        -> HTTPAnswer
    {
        guard let handle = idle.withLock({ $0.popLast() }) ?? plateshell_http_handle_new().map(Handle.init) else {
            throw HTTPTransportError(code: -1, message: "libcurl could not make a connection handle")
        }
        var answer = plateshell_http_answer()
        defer { plateshell_http_answer_free(&answer) }
        let code = withCStrings(headers) { lines in
            let perform = { (bytes: UnsafePointer<UInt8>?, count: Int) in
                plateshell_http_perform(
                    handle.pointer, method, url, lines, Int32(headers.count), body == nil ? 0 : 1, bytes, count,
                    Int(self.timeout * 1000), &answer)
            }
            guard let body else { return perform(nil, 0) }
            return body.withUnsafeBytes { perform($0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
        }
        let kept = idle.withLock { handles in
            guard handles.count < Self.keptIdle else { return false }
            handles.append(handle)
            return true
        }
        if !kept { plateshell_http_handle_free(handle.pointer) }
        guard code == 0 else {
            let message = withUnsafeBytes(of: answer.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw HTTPTransportError(code: code, message: message)
        }
        var body = Data()
        if let bytes = answer.body {
            // The malloc'd buffer is handed to Data, which frees it: a downloaded model is not copied.
            body = Data(bytesNoCopy: bytes, count: answer.body_length, deallocator: .free)
            answer.body = nil
        }
        let headerText =
            answer.headers.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: answer.headers_length), as: UTF8.self)
            } ?? ""
        return HTTPAnswer(status: answer.status, headers: HTTPAnswer.fields(headerText), body: body)
    }
}

/// What a server answered: its status, its header fields and its body.
struct HTTPAnswer: Sendable {
    let status: Int
    /// Header fields by lowercased name (repeated fields joined with ", ").
    let headers: [String: String]
    let body: Data

    /// The header field `name` (any case), if the answer has it.
    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The fields of raw header lines ("Name: value"), the status line skipped.
    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("HTTP/") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields[name] = fields[name].map { $0 + ", " + value } ?? value
        }
        return fields
    }
}

/// Why a request got no answer, in libcurl's words ("Failed to connect to 127.0.0.1 port 9 after
/// 0 ms: Couldn't connect to server").
struct HTTPTransportError: Error, CustomStringConvertible {
    /// libcurl's error code (`CURLcode`).
    let code: Int32
    let message: String
    var description: String { message }
}
