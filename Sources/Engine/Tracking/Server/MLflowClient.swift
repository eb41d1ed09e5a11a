import Foundation
import MLCore

/// A client of an MLflow tracking server's REST API (`/api/2.0/mlflow/...`, artifacts through the
/// server's proxy), as measured against MLflow 3.17 (MLFLOW.md §7). Its calls are grouped by
/// concern in `MLflowClient+Tracking`, `+Runs`, `+Registry` and `+Artifacts`.
///
/// Every call sends the credentials the MLflow client reads from the environment
/// (`MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`), times
/// out, and throws an `MLflowError` that says whether retrying can help (unreachable, 408, 429,
/// 5xx) and quotes the server's `error_code` and `message`.
public final class MLflowClient: Sendable {
    /// The server's base URL (`http://127.0.0.1:5000`).
    public let base: URL
    public let timeout: TimeInterval
    public let credentials: MLflowCredentials?
    private let http: HTTPClient

    /// - Throws: `EngineError.invalidArgument` when `uri` is not an http(s) URL.
    public init(uri: String, credentials: MLflowCredentials? = .fromEnvironment(), timeout: TimeInterval = 10) throws {
        guard let url = URL(string: uri), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw EngineError(
                .invalidArgument, "'\(uri)' is not an http(s) URL of an MLflow tracking server",
                hint:
                    "for example: tracking uri=http://127.0.0.1:5000 (Databricks: https://<workspace>.cloud.databricks.com with MLFLOW_TRACKING_TOKEN)"
            )
        }
        base = url
        self.credentials = credentials
        self.timeout = timeout
        http = HTTPClient(timeout: timeout)
    }

    /// The server as people name it in messages.
    public var server: String { base.absoluteString }

    /// Sends a request and returns the answer's body.
    ///
    /// - Parameters:
    ///   - body: a JSON body (sent as `application/json`).
    ///   - raw: raw bytes (an artifact upload).
    /// - Throws: `MLflowError` for a transport failure or a status outside 200–299.
    @discardableResult
    func send(_ method: String, _ path: String, body: JSON? = nil, query: [(String, String)] = [], raw: Data? = nil)
        throws -> Data
    {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        guard let url = components.url else {
            throw MLflowError(server: server, method: method, path: path, failure: .unreachable("bad URL"))
        }
        var headers: [String] = []
        if let credentials { headers.append("Authorization: \(credentials.authorization)") }
        var content: Data?
        if let body {
            content = Data(body.serialized().utf8)
            headers.append("Content-Type: application/json")
        } else if let raw {
            content = raw
            headers.append("Content-Type: application/octet-stream")
        }
        let response: HTTPAnswer
        do {
            response = try http.send(method, url: url.absoluteString, headers: headers, body: content)
        } catch {
            throw MLflowError(server: server, method: method, path: path, failure: .unreachable(error.message))
        }
        let data = response.body
        guard (200..<300).contains(response.status) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let code = object?["error_code"] as? String ?? ""
            var message =
                object?["message"] as? String
                ?? String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if response.status == 401 {
                // The server's own words (MLflow's basic-auth app sends a sentence), then which
                // credentials it refused.
                var reason = message.isEmpty ? "the server asks for credentials" : message
                if reason.hasSuffix(".") { reason.removeLast() }
                message = reason + (credentials == nil ? "; none are set" : "; it refused \(credentials!.summary)")
            }
            throw MLflowError(
                server: server, method: method, path: path,
                failure: .refused(status: response.status, code: code, message: message))
        }
        return data
    }

    /// Sends a request and decodes the answer as a JSON object (`{}` for an empty body).
    @discardableResult
    func call(_ method: String, _ path: String, body: JSON? = nil, query: [(String, String)] = []) throws -> [String:
        Any]
    {
        let data = try send(method, path, body: body, query: query)
        if data.isEmpty { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw MLflowError(
                server: server, method: method, path: path,
                failure: .refused(
                    status: 200, code: "NOT_JSON",
                    message: "the answer is not a JSON object: \(String(decoding: data.prefix(200), as: UTF8.self))"))
        }
        return object
    }

    /// `key`/`value` pairs as MLflow's JSON lists them, sorted by key.
    static func pairs(_ values: [String: String]) -> JSON {
        .array(
            values.sorted { $0.key < $1.key }.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
    }

    /// `[{"key": k, "value": v}]` from an answer, as a dictionary.
    static func pairs(_ list: Any?) -> [String: String] {
        var values: [String: String] = [:]
        for entry in list as? [[String: Any]] ?? [] {
            if let key = entry["key"] as? String { values[key] = entry["value"] as? String ?? "" }
        }
        return values
    }

    /// An int64 field, which MLflow sends as a number (or, from protobuf JSON, a decimal string).
    static func int64(_ value: Any?) -> Int64? {
        if let number = value as? NSNumber { return number.int64Value }
        if let text = value as? String { return Int64(text) }
        return nil
    }
}

/// The credentials the MLflow client sends (`MLFLOW_TRACKING_TOKEN` as a Bearer token, which is
/// also how Databricks is reached; `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` as Basic).
public enum MLflowCredentials: Sendable, Equatable {
    case bearer(token: String)
    case basic(user: String, password: String)

    /// The credentials named by the environment, as the MLflow client reads them (a token wins).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> MLflowCredentials?
    {
        if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty { return .bearer(token: token) }
        if let user = environment["MLFLOW_TRACKING_USERNAME"], !user.isEmpty {
            return .basic(user: user, password: environment["MLFLOW_TRACKING_PASSWORD"] ?? "")
        }
        return nil
    }

    /// The `Authorization` header's value.
    public var authorization: String {
        switch self {
        case .bearer(let token): "Bearer " + token
        case .basic(let user, let password): "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
    }

    /// Who the credentials name, for messages (never the secret).
    public var summary: String {
        switch self {
        case .bearer: "a token (MLFLOW_TRACKING_TOKEN)"
        case .basic(let user, _): "user '\(user)' (MLFLOW_TRACKING_USERNAME/PASSWORD)"
        }
    }
}

/// A call to an MLflow server that failed: the server could not be reached, or it answered with
/// an error status. It knows whether the call is worth retrying and says what to do.
public struct MLflowError: Error, Sendable, CustomStringConvertible {
    public enum Failure: Sendable, Equatable {
        /// No answer: refused, timed out, name not resolved.
        case unreachable(String)
        /// An answer with an error status, `error_code` and `message` (MLflow's JSON, or the body's start).
        case refused(status: Int, code: String, message: String)
    }

    public let server: String
    public let method: String
    public let path: String
    public let failure: Failure

    /// The HTTP status, nil when the server did not answer.
    public var status: Int? {
        if case .refused(let status, _, _) = failure { return status }
        return nil
    }

    /// The server's `error_code`, nil when it did not answer.
    public var code: String? {
        if case .refused(_, let code, _) = failure { return code }
        return nil
    }

    /// Whether trying again later can succeed: no answer, 408, 429 or a 5xx (as MLflow's client retries).
    public var isRetryable: Bool {
        guard let status else { return true }
        return status == 408 || status == 429 || status >= 500
    }

    /// Whether the server refused the credentials (401) or the permission (403).
    public var isAuthorization: Bool { status == 401 || status == 403 }

    /// Whether the server says the thing asked for does not exist (404).
    public var isNotFound: Bool { status == 404 }

    public var description: String { engineError.message }

    /// The failure as the shell shows it, with what to do about it.
    public var engineError: EngineError {
        let call = "\(method) \(path.replacingOccurrences(of: "api/2.0/", with: ""))"
        switch failure {
        case .unreachable(let reason):
            return EngineError(
                .io, "cannot reach the MLflow server at \(server) (\(reason))",
                hint:
                    "is it running? ('mlflow server --host 127.0.0.1 --port 5000'); 'tracking status' shows what is queued for it"
            )
        case .refused(let status, let code, let message):
            let text =
                "the MLflow server at \(server) refused \(call): HTTP \(status)\(code.isEmpty ? "" : " " + code): \(message)"
            switch status {
            case 401:
                return EngineError(
                    .invalidArgument, text,
                    hint:
                        "check the credentials: MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
                )
            case 403:
                return EngineError(
                    .invalidArgument, text, hint: "the user lacks the permission; ask the server's admin for it")
            case 404:
                return EngineError(.unknownValue, text)
            case 429:
                return EngineError(.io, text, hint: "the server is rate-limiting; try again shortly")
            case 500...:
                return EngineError(.io, text, hint: "the server failed; try again, or look at its log")
            default:
                return EngineError(.invalidArgument, text)
            }
        }
    }
}

extension MLflowClient {
    /// Runs `body`, turning an `MLflowError` into the `EngineError` the shell shows.
    static func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as MLflowError { throw error.engineError }
    }
}

extension MLflowClient {
    /// Checks that the server answers and takes the credentials (one cheap read).
    ///
    /// - Throws: `MLflowError` saying why not.
    public func checkAccess() throws {
        try call("POST", "api/2.0/mlflow/experiments/search", body: .object([("max_results", .integer(1))]))
    }
}
