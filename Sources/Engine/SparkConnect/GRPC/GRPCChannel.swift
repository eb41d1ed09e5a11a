import CCurl
import Engine
import Foundation

/// gRPC calls over HTTP/2, sent with the libcurl that PlateShell already opens on first use
/// (cleartext HTTP/2 with prior knowledge for `sc://…` servers, TLS with ALPN for `use_ssl=true`).
///
/// A call sends one request message and reads the response messages as they arrive, so a
/// server-streaming call (Spark Connect's ExecutePlan) holds only the message being decoded, not
/// the whole answer. The call's status comes from the `grpc-status` and `grpc-message` fields of the
/// trailers (or of the headers, for a trailers-only answer). One thread uses a channel at a time;
/// a call made from another thread (an Interrupt while ExecutePlan streams) uses a channel of its own.
final class GRPCChannel {
    /// `http://HOST:PORT` or `https://HOST:PORT`.
    let baseURL: String
    /// Header lines sent with every call ("authorization: Bearer …", "x-databricks-cluster-id: …").
    let headers: [String]
    /// How long connecting may take before the server counts as unreachable.
    let connectTimeout: TimeInterval
    /// How long a whole call may take (nil: no limit).
    let timeout: TimeInterval?
    private var handle: UnsafeMutableRawPointer?

    init(baseURL: String, headers: [String], connectTimeout: TimeInterval = 10, timeout: TimeInterval? = nil) {
        self.baseURL = baseURL
        self.headers = headers
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    deinit {
        plateshell_http_handle_free(handle)
    }

    /// libcurl's CURLE_ABORTED_BY_CALLBACK: a callback (Ctrl-C) stopped the call.
    private static let abortedByCallback: Int32 = 42

    /// Calls `method` (`/package.Service/Method`) with one request message and hands each response
    /// message to `receive` as it arrives; `receive` returns false to end the call early.
    ///
    /// - Throws: `GRPCError` with the call's status when it is not OK (or the transport failed),
    ///   `EngineError.cancelled` when `cancellation` was requested, and whatever `receive` throws.
    func call(
        _ method: String, request: Data, cancellation: Cancellation? = nil,
        receive: (Data) throws -> Bool
    ) throws {
        if handle == nil { handle = plateshell_http_handle_new() }
        guard let handle else { throw GRPCError(.unavailable, "libcurl could not make a connection handle") }
        guard request.count <= ResponseStream.maximumMessage else {
            throw GRPCError(.resourceExhausted, "a request of \(request.count) bytes is more than gRPC carries")
        }
        var frame = Data(capacity: request.count + 5)
        frame.append(0)
        withUnsafeBytes(of: UInt32(request.count).bigEndian) { frame.append(contentsOf: $0) }
        frame.append(request)
        var result = plateshell_grpc_result()
        defer { plateshell_grpc_result_free(&result) }
        // The stream holds `receive` only for the call: its outcome is what comes out.
        let (code, stream) = withoutActuallyEscaping(receive) { receive in
            let stream = ResponseStream(receive: receive, cancellation: cancellation)
            let code = withStreamCallbacks(stream) { callbacks in
                withCStrings(headers) { lines in
                    frame.withUnsafeBytes { body in
                        plateshell_grpc_call(
                            handle, baseURL + method, lines, Int32(headers.count),
                            body.bindMemory(to: UInt8.self).baseAddress, body.count, Int(connectTimeout * 1000),
                            Int((timeout ?? 0) * 1000), callbacks, &result)
                    }
                }
            }
            return (code, stream.outcome)
        }
        if let failure = stream.failure { throw failure }
        if stream.endedEarly { return }
        if code == Self.abortedByCallback, cancellation?.isRequested == true { throw EngineError.cancelled }
        guard code == 0 else {
            let message = withUnsafeBytes(of: result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw GRPCError(transportCode: code, message: message)
        }
        let lines =
            result.headers.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: result.headers_length), as: UTF8.self)
            } ?? ""
        let fields = GRPCFields(lines)
        if let status = fields.status, status != .ok {
            throw GRPCError(status, fields.message, details: fields.details)
        }
        if fields.status == nil {
            throw GRPCError(
                .unknown,
                "the server's answer (HTTP \(result.http_status)) carried no gRPC status: is this a Spark Connect port?"
            )
        }
        if stream.pendingBytes > 0 {
            throw GRPCError(.internalError, "the server's answer ended inside a message (\(stream.pendingBytes) bytes)")
        }
    }

    /// Calls a unary `method` and returns its one response message.
    func unary(_ method: String, request: Data, cancellation: Cancellation? = nil) throws -> Data {
        var answer: Data?
        try call(method, request: request, cancellation: cancellation) { message in
            answer = message
            return true
        }
        guard let answer else { throw GRPCError(.internalError, "\(method) answered no message") }
        return answer
    }
}

/// How a call's response body ended: what stopped it, and bytes left that were not a whole message.
private struct StreamOutcome {
    let failure: (any Error)?
    let endedEarly: Bool
    let pendingBytes: Int
}

/// The state of one call's response body: bytes not yet a whole message, and what stopped it.
private final class ResponseStream {
    let receive: (Data) throws -> Bool
    let cancellation: Cancellation?
    var pending = Data()
    var failure: (any Error)?
    var endedEarly = false
    /// The largest message accepted (Spark's default maximum is 128 MiB).
    static let maximumMessage = 1 << 30

    init(receive: @escaping (Data) throws -> Bool, cancellation: Cancellation?) {
        self.receive = receive
        self.cancellation = cancellation
    }

    var outcome: StreamOutcome { StreamOutcome(failure: failure, endedEarly: endedEarly, pendingBytes: pending.count) }

    /// Takes the bytes that arrived; false stops the call.
    func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
        pending.append(contentsOf: bytes)
        do {
            while pending.count >= 5 {
                let start = pending.startIndex
                if pending[start] != 0 {
                    throw GRPCError(.unimplemented, "the server sent a compressed message; PlateShell asks for none")
                }
                let length = pending[(start + 1)..<(start + 5)].reduce(0) { $0 << 8 | Int($1) }
                guard length <= Self.maximumMessage else {
                    throw GRPCError(.resourceExhausted, "the server sent a message of \(length) bytes")
                }
                guard pending.count >= 5 + length else { break }
                let message = pending.subdata(in: (start + 5)..<(start + 5 + length))
                pending.removeSubrange(start..<(start + 5 + length))
                if try !receive(message) {
                    endedEarly = true
                    return false
                }
            }
            return true
        } catch {
            failure = error
            return false
        }
    }
}

/// Calls `body` with C callbacks that feed `stream` (their context lives for the call).
private func withStreamCallbacks<Result>(
    _ stream: ResponseStream, _ body: (plateshell_grpc_callbacks) -> Result
) -> Result {
    let context = Unmanaged.passUnretained(stream).toOpaque()
    let callbacks = plateshell_grpc_callbacks(
        receive: { bytes, count, context in
            let stream = Unmanaged<ResponseStream>.fromOpaque(context!).takeUnretainedValue()
            return stream.take(UnsafeRawBufferPointer(start: bytes, count: count)) ? 1 : 0
        },
        should_stop: { context in
            let stream = Unmanaged<ResponseStream>.fromOpaque(context!).takeUnretainedValue()
            return stream.cancellation?.isRequested == true ? 1 : 0
        },
        context: context)
    return withExtendedLifetime(stream) { body(callbacks) }
}
