import Foundation
import Synchronization

/// An HTTP answer of the scoring service.
public struct ScoringResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String
    public let body: String
    /// The registered model and version (or directory) that scored the request, for the
    /// `X-PlateShell-Model` header; nil when no model was involved.
    public let model: String?
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
/// - Errors: 400 with MLflow's error JSON (missing column, wrong type, empty body, malformed
///   JSON), 413 for a body over `maxBodyBytes`, 415 for another content type or none (MLflow
///   answers 500 without one), 405/404 `{"detail": …}` for other methods and paths.
public struct ScoringService: Sendable {
    /// The response header naming the model version that answered (`et-fsp-model/3`).
    public static let modelHeader = "X-PlateShell-Model"

    /// The largest request body read (16 MiB: about 50,000 rows of the 27 indicators as JSON).
    public static let maxBodyBytes = 16 << 20

    public let source: ModelSource
    private let counters = Counters()

    public init(source: ModelSource) {
        self.source = source
    }

    /// Requests answered and how many of them were errors (status 400 or more), since start.
    public var counts: (requests: Int, errors: Int) {
        (counters.requests.load(ordering: .relaxed), counters.errors.load(ordering: .relaxed))
    }

    /// The answer to one request. `body` is nil when it was larger than `maxBodyBytes`.
    public func respond(method: String, path: String, contentType: String?, body: Data?) -> ScoringResponse {
        let response = answer(
            method: method.uppercased(), path: String(path.prefix { $0 != "?" }), contentType: contentType, body: body)
        counters.requests.add(1, ordering: .relaxed)
        if response.status >= 400 { counters.errors.add(1, ordering: .relaxed) }
        return response
    }

    private func answer(method: String, path: String, contentType: String?, body: Data?) -> ScoringResponse {
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
            let model = source.model
            do throws(ScoringError) {
                guard let body else {
                    throw ScoringError(
                        status: 413,
                        "the request body is larger than \(Self.maxBodyBytes >> 20) MiB; send the rows in smaller batches"
                    )
                }
                let x = try ScoringInput.parse(body: body, contentType: contentType).matrix(for: model.inputs)
                let answer = JSON.object([("predictions", model.predictions(x))])
                return ScoringResponse(
                    status: 200, contentType: "application/json", body: answer.serialized(), model: model.label)
            } catch {
                return ScoringResponse(
                    status: error.status, contentType: "application/json", body: error.json.serialized(),
                    model: model.label)
            }
        case ("/ping", _), ("/health", _), ("/version", _), ("/model", _), ("/invocations", _):
            return Self.detail(405, "Method Not Allowed")
        default:
            return Self.detail(404, "Not Found")
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
    }
}
