import Foundation
import MLCore

/// A Spark Connect server as a connection string names it, following the spec that PySpark, the
/// Scala, Go, Rust and Swift clients share:
/// `sc://HOST[:PORT]/;token=…;use_ssl=true;user_id=…;session_id=…;user_agent=…;x-header=value`.
///
/// The port defaults to 15002. `token` is sent as `authorization: Bearer TOKEN` and turns TLS on
/// unless `use_ssl=false` is given beside it or the host is `localhost` (as PySpark does: a local
/// server is reached in plain text, with the token); any parameter the spec does not
/// name is sent as a header of every call (Databricks Connect's `x-databricks-cluster-id`). The
/// token never appears in `description`, so printing a remote, or keeping it in the history or a
/// run's parameters, does not leak it.
public struct SparkRemote: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let token: String?
    public let usesTLS: Bool
    public let userID: String
    /// The session id asked for (a UUID), or nil to start a new session.
    public private(set) var sessionID: String?
    public let userAgent: String
    /// Extra headers, by lowercased name, in the order given.
    public let headers: [(name: String, value: String)]

    /// The default Spark Connect port.
    public static let defaultPort = 15002

    /// Parses a connection string.
    ///
    /// - Parameter environment: where a token not given in `text` is looked up, as
    ///   `SPARK_CONNECT_AUTHENTICATE_TOKEN` (PySpark's fallback), and `USER` for `user_id`.
    /// - Throws: `EngineError.invalidArgument` naming the part that is wrong and the expected form.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let form = "sc://HOST:PORT/;token=…;use_ssl=true;user_id=…;session_id=…"
        guard text.hasPrefix("sc://") else {
            throw EngineError(
                .invalidArgument, "a Spark Connect address starts with sc://; got '\(Self.redacting(text))'",
                hint: "for example: sc://127.0.0.1:15002 (the form is \(form))")
        }
        let rest = text.dropFirst("sc://".count)
        let parts = rest.split(separator: ";", omittingEmptySubsequences: false)
        var authority = Substring(parts[0])
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        if authority.contains("/") {
            throw EngineError(
                .invalidArgument, "a Spark Connect address has no path: '\(Self.redacting(String(authority)))'",
                hint: "parameters follow ';' after the host and port: \(form)")
        }
        let (host, port) = try Self.hostAndPort(authority, form: form)
        var parameters: [(String, String)] = []
        for part in parts.dropFirst() where !part.isEmpty {
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw EngineError(
                    .invalidArgument, "the Spark Connect parameter '\(Self.redacting(String(part)))' has no value",
                    hint: "parameters are NAME=VALUE, separated by ';': \(form)")
            }
            let name = String(part[..<equals]).lowercased()
            let value = String(part[part.index(after: equals)...]).removingPercentEncoding ?? ""
            parameters.append((name, value))
        }
        let named = Dictionary(parameters, uniquingKeysWith: { _, last in last })
        self.host = host
        self.port = port
        token = (named["token"] ?? environment["SPARK_CONNECT_AUTHENTICATE_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
        usesTLS = try Self.flag(named["use_ssl"], name: "use_ssl") ?? (token != nil && host != "localhost")
        userID = named["user_id"] ?? environment["USER"] ?? "plateshell"
        if let session = named["session_id"], UUID(uuidString: session) == nil {
            throw EngineError(
                .invalidArgument, "session_id must be a UUID; got '\(session)'",
                hint: "leave it out to start a new session")
        }
        sessionID = named["session_id"]?.lowercased()
        userAgent = named["user_agent"] ?? "plateshell"
        let known: Set<String> = ["token", "use_ssl", "user_id", "session_id", "user_agent", "grpc_max_message_size"]
        headers = parameters.filter { !known.contains($0.0) }.map { (name: $0.0, value: $0.1) }
    }

    public static func == (left: SparkRemote, right: SparkRemote) -> Bool {
        left.description == right.description && left.token == right.token
    }

    /// The base URL of the server's gRPC service.
    public var baseURL: String { "\(usesTLS ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The header lines every call carries.
    public var headerLines: [String] {
        var lines = headers.map { "\($0.name): \($0.value)" }
        if let token { lines.append("authorization: Bearer \(token)") }
        lines.append("user-agent: \(userAgent)")
        return lines
    }

    /// `$SPARK_REMOTE` as given (parsed when a store opens), nil when unset or empty: where a
    /// session's tables live, and a foreground server's inference log, as for PySpark.
    public static var environmentAddress: String? {
        ProcessInfo.processInfo.environment["SPARK_REMOTE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The same server and credentials, joining the server-side session `id` (a second client of
    /// one session sees that session's writes at once; Spark caches a table's files per session).
    public func joining(session id: String) -> SparkRemote {
        var remote = self
        remote.sessionID = id
        return remote
    }

    /// The connection string with the token hidden.
    public var description: String {
        var text = "sc://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
        if token != nil { text += ";token=***" }
        if usesTLS != (token != nil && host != "localhost") { text += ";use_ssl=\(usesTLS)" }
        text += ";user_id=\(userID)"
        if let sessionID { text += ";session_id=\(sessionID)" }
        for header in headers { text += ";\(header.name)=\(Self.isSecret(header.name) ? "***" : header.value)" }
        return text
    }

    /// Whether a header's value is a credential, never shown (`authorization`, `x-api-key`, …).
    static func isSecret(_ header: String) -> Bool {
        ["auth", "token", "secret", "key", "password", "cookie"].contains { header.contains($0) }
    }

    /// `text` with the value of any `token=` parameter replaced by as many `*` (for messages,
    /// histories, echoed commands and tracked parameters; the length kept, so a caret under the
    /// text still points where it did).
    public static func redacting(_ text: String) -> String {
        guard text.range(of: "token=", options: .caseInsensitive) != nil else { return text }
        var result = ""
        var rest = Substring(text)
        while let found = rest.range(of: "token=", options: .caseInsensitive) {
            result += rest[..<found.upperBound]
            let value = rest[found.upperBound...].prefix { $0 != ";" && $0 != "\"" && !$0.isWhitespace }
            result += String(repeating: "*", count: value.count)
            rest = rest[value.endIndex...]
        }
        return result + rest
    }

    private static func hostAndPort(_ authority: Substring, form: String) throws -> (String, Int) {
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else {
            throw EngineError(.invalidArgument, "the Spark Connect address names no host", hint: "the form is \(form)")
        }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw EngineError(
                .invalidArgument, "'\(redacting(String(portText)))' is not a port number (1 to 65535)",
                hint: "the form is \(form)")
        }
        return (String(host), port)
    }

    private static func flag(_ text: String?, name: String) throws -> Bool? {
        guard let text else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw EngineError(.invalidArgument, "\(name) is true or false; got '\(text)'")
        }
    }
}
