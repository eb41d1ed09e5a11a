import Foundation
import MLCore
import Synchronization

/// An HTTP answer of the scoring service.
public struct ScoringResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: String
    /// The registered model and version (or directory) that scored the request, for the
    /// `X-PlateShell-Model` header; nil when no model was involved.
    public let model: String?
    /// The request's id for the `X-Request-Id` header: the client's, or one made for the
    /// inference log; nil when neither.
    public var requestID: String? = nil
}

/// MLflow's scoring protocol as a pure request → response function (the HTTP listener around
/// it is `ScoringServer`):
///
/// - `POST /invocations` with `application/json` (`dataframe_split`, `dataframe_records`,
///   `instances` or `inputs`) or `text/csv` → 200 `{"predictions": [{"predicted": …,
///   "proba_<class>": …}, …]}`; the rows are checked against the model's signature.
/// - `GET /ping`, `GET /health` → 200 `"\n"`; `GET /version` → the PlateShell version (plain
///   text, as `mlflow models serve` answers with MLflow's).
/// - `GET /model` → the model in service, as JSON: `{"name": "et-fsp-model", "version": 3,
///   "digest": "…", "uri": "models:/et-fsp-model@champion", "plateshell_version": "…"}` (`name` and
///   `version` are null for a run's model or a directory, which `directory` names). The same
///   version is in every scoring answer's `X-PlateShell-Model` header.
/// - With an inference log (`log`), every scored row is queued to it with the request's id (the
///   client's `X-Request-Id`, or the server's random prefix and a count, returned in the same header) and its latency; when
///   the log is full, `/invocations` answers 503 (nothing answered 200 goes unlogged).
/// - Errors: 400 with MLflow's error JSON (missing column, wrong type, empty body, malformed
///   JSON), 413 for a body over `maxBodyBytes`, 415 for another content type or none (MLflow
///   answers 500 without one), 405/404 `{"detail": …}` for other methods and paths.
public struct ScoringService: Sendable {
    /// The response header naming the model version that answered (`et-fsp-model/3`).
    public static let modelHeader = "X-PlateShell-Model"

    /// The request and response header carrying a request's id (logged with its rows).
    public static let requestIDHeader = "X-Request-Id"

    /// The largest request body read (16 MiB: about 50,000 rows of the 27 indicators as JSON).
    public static let maxBodyBytes = 16 << 20

    public let source: ModelSource
    /// Where scored rows are logged, if anywhere.
    public let log: InferenceLog?
    private let counters = Counters()
    /// Ids for requests that came without one: this server's random prefix and a count.
    private let requestIDPrefix = String(UInt64.random(in: 0...UInt64.max), radix: 16)

    public init(source: ModelSource, log: InferenceLog? = nil) {
        self.source = source
        self.log = log
    }

    /// Requests answered and how many of them were errors (status 400 or more), since start.
    public var counts: (requests: Int, errors: Int) {
        (counters.requests.load(ordering: .relaxed), counters.errors.load(ordering: .relaxed))
    }

    /// The answer to one request. `body` is nil when it was larger than `maxBodyBytes`;
    /// `requestID` is the client's `X-Request-Id`, if it sent one.
    public func respond(method: String, path: String, contentType: String?, body: Data?, requestID: String? = nil)
        -> ScoringResponse
    {
        var response = answer(
            method: method.uppercased(), path: String(path.prefix { $0 != "?" }), contentType: contentType, body: body,
            requestID: requestID)
        if response.requestID == nil { response.requestID = requestID }
        counters.requests.add(1, ordering: .relaxed)
        if response.status >= 400 { counters.errors.add(1, ordering: .relaxed) }
        return response
    }

    private func answer(method: String, path: String, contentType: String?, body: Data?, requestID: String?)
        -> ScoringResponse
    {
        let route = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        switch (route, method) {
        case ("/ping", "GET"), ("/health", "GET"):
            return ScoringResponse(status: 200, contentType: "application/json", body: "\n", model: nil)
        case ("/version", "GET"):
            return ScoringResponse(status: 200, contentType: "text/plain", body: PlateShellVersion.current, model: nil)
        case ("/model", "GET"):
            let model = source.model
            return ScoringResponse(
                status: 200, contentType: "application/json", body: description(of: model).serialized(),
                model: model.label)
        case ("/invocations", "POST"):
            return invocations(contentType: contentType, body: body, requestID: requestID)
        case ("/ping", _), ("/health", _), ("/version", _), ("/model", _), ("/invocations", _):
            return Self.detail(405, "Method Not Allowed")
        default:
            return Self.detail(404, "Not Found")
        }
    }

    /// Scores the rows of a `POST /invocations` body, and logs them when there is a log.
    private func invocations(contentType: String?, body: Data?, requestID: String?) -> ScoringResponse {
        let started = ContinuousClock.now
        let model = source.model
        do throws(ScoringError) {
            if let log, log.isFull { throw ScoringError.logBehind(log) }
            guard let body else {
                throw ScoringError(
                    status: 413,
                    "the request body is larger than \(Self.maxBodyBytes >> 20) MiB; send the rows in smaller batches")
            }
            let x = try ScoringInput.parse(body: body, contentType: contentType).matrix(for: model.inputs)
            let outputs = model.outputColumns(x)
            let answer = JSON.object([("predictions", ServedModel.predictions(outputs, rows: x.rows))]).serialized()
            var response = ScoringResponse(
                status: 200, contentType: "application/json", body: answer, model: model.label)
            if let log {
                let id = requestID ?? "\(requestIDPrefix)-\(counters.made.add(1, ordering: .relaxed).newValue)"
                let elapsed = ContinuousClock.now - started
                let scored = ScoredRequest(
                    time: Date(), requestID: id, model: model.identity,
                    inputs: x, outputs: outputs,
                    latencyMilliseconds: Double(elapsed.components.seconds) * 1000
                        + Double(elapsed.components.attoseconds) / 1e15)
                guard log.accept(scored) else { throw ScoringError.logBehind(log) }
                response.requestID = id
            }
            return response
        } catch {
            return ScoringResponse(
                status: error.status, contentType: "application/json", body: error.json.serialized(),
                model: model.label)
        }
    }

    /// What `GET /model` says about the model in service.
    private func description(of model: ServedModel) -> JSON {
        .object([
            ("name", model.name.map(JSON.string) ?? .null),
            ("version", model.version.map { .integer(Int64($0)) } ?? .null),
            ("digest", .string(model.digest)),
            ("uri", .string(source.uri)),
            ("directory", .string(model.directory)),
            ("plateshell_version", .string(PlateShellVersion.current)),
        ])
    }

    private static func detail(_ status: Int, _ text: String) -> ScoringResponse {
        ScoringResponse(
            status: status, contentType: "application/json",
            body: JSON.object([("detail", .string(text))]).serialized(), model: nil)
    }

    private final class Counters: Sendable {
        let requests = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        /// Request ids made (for requests without an `X-Request-Id`).
        let made = Atomic<Int>(0)
    }
}
