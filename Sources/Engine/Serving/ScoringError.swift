import MLCore

/// A scoring request the server refuses: the HTTP status and MLflow's error JSON
/// (`{"error_code": …, "message": …, "sqlstate": …, "error_class": …}`).
public struct ScoringError: Error, Equatable, Sendable {
    public let status: Int
    public let errorCode: String
    public let errorClass: String
    public let message: String

    init(
        status: Int = 400, errorCode: String = "BAD_REQUEST", errorClass: String = "INVALID_PARAMETER_VALUE",
        _ message: String
    ) {
        self.status = status
        self.errorCode = errorCode
        self.errorClass = errorClass
        self.message = message
    }

    /// A request the model's signature rejects (a column missing): MLflow's schema enforcement error.
    static func schema(_ message: String) -> ScoringError {
        ScoringError(errorCode: "INVALID_PARAMETER_VALUE", errorClass: "SCHEMA_ENFORCEMENT_FAILED", message)
    }

    /// A content type the server does not read (415).
    static func unsupportedMediaType(_ message: String) -> ScoringError {
        ScoringError(status: 415, errorCode: "BAD_REQUEST", errorClass: "UNSUPPORTED_MEDIA_TYPE", message)
    }

    /// A request whose body did not arrive within the server's body timeout (408; the server
    /// then closes the connection).
    public static func bodyTimeout(seconds: Int) -> ScoringError {
        ScoringError(
            status: 408, errorCode: "BAD_REQUEST", errorClass: "REQUEST_TIMEOUT",
            "the request body did not arrive within \(seconds) s of the request's head; the connection is closed. Send the whole body at once (Content-Length and all its bytes), and keep bodies under 16 MiB"
        )
    }

    /// A request refused because the inference log cannot take more rows yet (503; nothing was
    /// scored, so the client may retry).
    static func logBehind(_ log: InferenceLog) -> ScoringError {
        ScoringError(
            status: 503, errorCode: "TEMPORARILY_UNAVAILABLE", errorClass: "INFERENCE_LOG_BEHIND",
            "the inference log \(log.table.displayName) is behind (\(log.capacity) rows wait to be written); retry shortly"
        )
    }

    /// The error as MLflow's JSON body.
    public var json: JSON {
        .object([
            ("error_code", .string(errorCode)), ("message", .string(message)),
            ("sqlstate", .string(errorClass == "SCHEMA_ENFORCEMENT_FAILED" ? "KAM01" : "KAM00")),
            ("error_class", .string(errorClass)),
        ])
    }
}
