import Foundation
import MLCore

/// A client of a scoring endpoint (PlateShell's or `mlflow models serve`): sends rows as
/// `dataframe_split` JSON to `/invocations` and reads `{"predictions": …}` back.
public struct ScoringClient: Sendable {
    /// The `/invocations` URL.
    public let url: URL
    public let timeout: TimeInterval
    /// Shared by copies of the client, so their requests reuse its open connections.
    private let http: HTTPClient

    /// - Parameter endpoint: the server (`http://127.0.0.1:5001`) or its `/invocations` URL.
    /// - Throws: `EngineError.invalidArgument` when it is not an http URL.
    public init(endpoint: String, timeout: TimeInterval = 10) throws {
        guard var components = URLComponents(string: endpoint),
            components.scheme == "http" || components.scheme == "https",
            components.host?.isEmpty == false
        else {
            throw EngineError(
                .invalidArgument, "'\(endpoint)' is not an http URL of a scoring server",
                hint: "for example: invoke http://127.0.0.1:5001 plate 42")
        }
        if components.path.isEmpty || components.path == "/" { components.path = "/invocations" }
        url = components.url!
        self.timeout = timeout
        http = HTTPClient(timeout: timeout)
    }

    /// What the server answered.
    public struct Answer: Sendable {
        /// One row per input row: the output columns' names and values, in the order given.
        public let columns: [String]
        public let rows: [[Value]]
        /// The model version that answered (PlateShell's `X-PlateShell-Model` header), if named.
        public let model: String?
        /// Round-trip time in seconds.
        public let seconds: Double
    }

    /// Scores `rows` (cells as JSON, aligned with `columns`).
    ///
    /// - Throws: `EngineError.io` when the server cannot be reached; `.invalidArgument` quoting
    ///   the server's error message when it refuses the rows.
    public func invoke(columns: [String], rows: [[JSON]]) throws -> Answer {
        let split = JSON.object([("columns", .array(columns.map(JSON.string))), ("data", .array(rows.map(JSON.array)))])
        let body = Data(JSON.object([("dataframe_split", split)]).serialized().utf8)
        let started = DispatchTime.now().uptimeNanoseconds
        let response: HTTPAnswer
        do {
            response = try http.send(
                "POST", url: url.absoluteString, headers: ["Content-Type: application/json"], body: body)
        } catch {
            throw EngineError(
                .io, "cannot reach the scoring server at \(url.absoluteString): \(error.message)",
                hint: "is it running? ('serve status' in the shell that started it)")
        }
        let data = response.body
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let document = try? JSON.parse(utf8: [UInt8](data))
        guard response.status == 200 else {
            var message = String(decoding: data.prefix(300), as: UTF8.self)
            if case .string(let text)? = document?["message"] ?? document?["detail"] {
                message = text
            }
            throw EngineError(.invalidArgument, "the scoring server answered HTTP \(response.status): \(message)")
        }
        guard case .array(let predictions)? = document?["predictions"] else {
            throw EngineError(.invalidData, "the scoring server's answer has no \"predictions\" list")
        }
        let model = response.header(ScoringService.modelHeader)
        return Self.answer(predictions, model: model, seconds: seconds)
    }

    /// Records (`[{"predicted": …, …}]`) become columns; plain values become one `prediction` column.
    private static func answer(_ predictions: [JSON], model: String?, seconds: Double) -> Answer {
        func value(_ json: JSON?) -> Value {
            switch json {
            case .number(let number)?: .real(number)
            case .integer(let number)?: .real(Double(number))
            case .string(let text)?: .text(text)
            case .bool(let flag)?: .text(String(flag))
            case nil, .null?: .missing
            case let other?: .text(other.kindName)
            }
        }
        guard case .object(let first)? = predictions.first else {
            return Answer(
                columns: ["prediction"], rows: predictions.map { [value($0)] }, model: model, seconds: seconds)
        }
        let columns = Set(first.map(\.0)).sorted {
            ($0 == "predicted" ? 0 : 1, $0) < ($1 == "predicted" ? 0 : 1, $1)
        }
        let rows = predictions.map { record -> [Value] in
            guard record.objectPairs != nil else { return columns.map { _ in Value.missing } }
            return columns.map { value(record[$0]) }
        }
        return Answer(columns: columns, rows: rows, model: model, seconds: seconds)
    }
}
