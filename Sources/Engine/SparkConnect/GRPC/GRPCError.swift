import Foundation

/// A gRPC call that did not end with status OK: its status code and the server's message.
struct GRPCError: Error, CustomStringConvertible {
    /// gRPC's status codes (grpc/doc/statuscodes.md).
    enum Status: Int, Sendable {
        case ok = 0
        case cancelled, unknown, invalidArgument, deadlineExceeded, notFound, alreadyExists
        case permissionDenied, resourceExhausted, failedPrecondition, aborted, outOfRange, unimplemented
        case internalError, unavailable, dataLoss, unauthenticated
    }

    let status: Status
    let message: String
    /// The `grpc-status-details-bin` field, base64 (a google.rpc.Status), when the server sent one.
    let details: String?
    /// libcurl's error code when no answer came back (the server unreachable, TLS refused).
    let transportCode: Int32?

    init(_ status: Status, _ message: String, details: String? = nil) {
        self.status = status
        self.message = message
        self.details = details
        self.transportCode = nil
    }

    /// A call that got no answer: libcurl's `code` and message.
    init(transportCode: Int32, message: String) {
        self.status = .unavailable
        self.message = message
        self.details = nil
        self.transportCode = transportCode
    }

    var description: String { "\(status) (\(status.rawValue)): \(message)" }

    /// Whether the TLS handshake failed (libcurl's SSL errors): a server without TLS, or a
    /// certificate this machine does not trust.
    var isTLSFailure: Bool {
        guard let transportCode else { return false }
        // CURLE_SSL_CONNECT_ERROR, PEER_FAILED_VERIFICATION, SSL_CERTPROBLEM, SSL_CIPHER, SSL_CACERT_BADFILE.
        return [35, 51, 58, 59, 60, 77, 83, 90, 91].contains(transportCode)
    }
}

/// The gRPC fields of an answer's header and trailer lines.
struct GRPCFields {
    var status: GRPCError.Status?
    var message = ""
    var details: String?

    init(_ lines: String) {
        for line in lines.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "grpc-status": status = Int(value).map { GRPCError.Status(rawValue: $0) ?? .unknown }
            case "grpc-message": message = value.removingPercentEncoding ?? value
            case "grpc-status-details-bin": details = value
            default: break
            }
        }
    }
}
