import CZMQ
import Engine
import Foundation
import Interpreter

/// The Jupyter kernel: binds the five channels of the connection file, answers requests on the
/// shell channel (on the calling thread, one at a time, driving one `Session`), on the control
/// channel (its own thread, so shutdown and interrupt reach a busy kernel) and echoes heartbeats
/// (a third thread). Every incoming message's signature is checked first: a message that fails
/// is logged and dropped, never executed.
final class KernelServer: @unchecked Sendable {
    // @unchecked Sendable: the shell socket and the session belong to the thread that calls
    // `run`; the control thread touches only its own socket, the iopub channel (locked), the
    // cancellation flag (atomic) and the context (shutdown is thread-safe in libzmq).
    private let context: UnsafeMutableRawPointer
    private let shell, control, heartbeat, stdin: ZMQSocket
    private let signer: MessageSigner
    /// The signatures received, to refuse a message sent again.
    private let signatures = SignatureHistory()
    let iopub: IOPub
    let output: KernelOutput
    private var session: Session!
    private var cancellation: Cancellation!
    private var executionCount = 0
    private let log: @Sendable (String) -> Void

    /// What the control thread answers: nothing that touches the session, which belongs to the shell thread.
    static let controlRequests: Set<String> = ["kernel_info_request", "interrupt_request", "shutdown_request"]

    /// How long a shutdown waits for a running command to stop before the process exits anyway.
    static let shutdownGrace = 3.0

    /// Binds every channel of `connection`.
    ///
    /// - Throws: `KernelError` when a socket cannot be created or bound (a port in use).
    init(connection: ConnectionFile, log: @escaping @Sendable (String) -> Void) throws {
        guard let context = zmq_ctx_new() else { throw KernelError.zmq("cannot create a ZeroMQ context") }
        self.context = context
        self.log = log
        signer = MessageSigner(key: connection.key)
        shell = try ZMQSocket(context: context, type: ZMQ_ROUTER, name: "shell")
        control = try ZMQSocket(context: context, type: ZMQ_ROUTER, name: "control")
        stdin = try ZMQSocket(context: context, type: ZMQ_ROUTER, name: "stdin")
        heartbeat = try ZMQSocket(context: context, type: ZMQ_REP, name: "heartbeat")
        let publisher = try ZMQSocket(context: context, type: ZMQ_PUB, name: "iopub")
        try shell.bind(connection.endpoint(.shell))
        try control.bind(connection.endpoint(.control))
        try stdin.bind(connection.endpoint(.stdin))
        try heartbeat.bind(connection.endpoint(.hb))
        try publisher.bind(connection.endpoint(.iopub))
        iopub = IOPub(socket: publisher, signer: signer, session: UUID().uuidString.lowercased())
        output = KernelOutput(iopub: iopub)
    }

    /// Serves until a shutdown request; returns the process's exit status.
    func run(session: Session) -> Int32 {
        self.session = session
        cancellation = session.cancellation
        iopub.status("starting", parent: nil)
        Thread.detachNewThread { [heartbeat] in
            while let frames = heartbeat.receive() { heartbeat.send(frames) }
            heartbeat.close()
        }
        Thread.detachNewThread { [self] in
            while let frames = control.receive() { handle(frames, on: control) }
            control.close()
        }
        while let frames = shell.receive() { handle(frames, on: shell) }
        shell.close()
        stdin.close()
        iopub.close()
        zmq_ctx_term(context)
        return 0
    }

    // MARK: - Requests

    private func handle(_ frames: [[UInt8]], on socket: ZMQSocket) {
        if let request = decode(frames, on: socket) { handle(request, on: socket) }
    }

    /// The message in `frames`, or nil (logged) when it is malformed, forged or replayed.
    private func decode(_ frames: [[UInt8]], on socket: ZMQSocket) -> WireMessage? {
        do {
            return try WireMessage.decode(frames, signer: signer, history: signatures)
        } catch {
            log("ignored a message on the \(socket.name) channel: \(error)")
            return nil
        }
    }

    private func handle(_ request: WireMessage, on socket: ZMQSocket) {
        iopub.status("busy", parent: request)
        var stops = false
        defer {
            iopub.status("idle", parent: request)
            if stops { stop() }
        }
        if socket === control && !Self.controlRequests.contains(request.type) {
            log(
                "'\(request.type)' on the control channel, which answers only \(Self.controlRequests.sorted().joined(separator: ", ")); ignored"
            )
            replyError(
                request, name: "WrongChannel", value: "send '\(request.type)' on the shell channel", on: socket)
            return
        }
        switch request.type {
        case "kernel_info_request": reply(request, KernelReplies.kernelInfo(), on: socket)
        case "execute_request": stops = execute(request) == .quit
        case "complete_request":
            reply(
                request,
                KernelReplies.complete(
                    code: request.content["code"]?.stringValue ?? "",
                    cursor: request.content["cursor_pos"]?.intValue ?? 0, completer: session.completer()), on: socket)
        case "inspect_request":
            reply(
                request,
                KernelReplies.inspect(
                    code: request.content["code"]?.stringValue ?? "",
                    cursor: request.content["cursor_pos"]?.intValue ?? 0), on: socket)
        case "is_complete_request":
            reply(request, KernelReplies.isComplete(code: request.content["code"]?.stringValue ?? ""), on: socket)
        case "history_request":
            reply(request, KernelReplies.history(request.content, entries: session.history.entries), on: socket)
        case "comm_info_request":
            reply(request, .object([("status", .string("ok")), ("comms", .object([]))]), on: socket)
        case "interrupt_request":
            cancellation.request()
            reply(request, .object([("status", .string("ok"))]), on: socket)
        case "shutdown_request":
            shutdown(request, on: socket)
            stops = true
        default:
            log("message type '\(request.type)' is not handled on the \(socket.name) channel; ignored")
            if request.type.hasSuffix("_request") {
                replyError(
                    request, name: "UnknownMessageType", value: "PlateShell does not handle '\(request.type)'",
                    on: socket)
            }
        }
    }

    /// Runs a cell: `execute_input`, the outputs, `execute_reply`; after an error with
    /// `stop_on_error`, the execute requests queued behind it are answered `aborted`.
    ///
    /// - Returns: how the cell ended; `.quit` (it ran `quit`) stops the kernel once the request is done.
    private func execute(_ request: WireMessage) -> Session.Status {
        guard let code = request.content["code"]?.stringValue else {
            replyError(
                request, name: "BadRequest", value: "execute_request without 'code'", executionCount: executionCount,
                on: shell)
            return .failed(.usage)
        }
        let silent = request.content["silent"]?.boolValue ?? false
        let storeHistory = request.content["store_history"]?.boolValue ?? !silent
        if !silent && storeHistory { executionCount += 1 }
        let count = executionCount
        if !silent {
            iopub.publish(
                "execute_input", .object([("code", .string(code)), ("execution_count", .integer(Int64(count)))]),
                parent: request)
        }
        if storeHistory { session.history.add(code) }
        output.beginCell(request, code: code, number: count, silent: silent)
        let status = session.runCell(code, number: count)
        output.finishCell(executionCount: count)
        if let error = output.error {
            let queued = request.content["stop_on_error"]?.boolValue ?? true ? receiveQueued() : []
            replyError(
                request, name: error.name, value: error.value, traceback: error.traceback, executionCount: count,
                on: shell)
            abort(queued)
            return status
        }
        let payload: [JSON] =
            status == .quit ? [.object([("source", .string("ask_exit")), ("keepkernel", .bool(false))])] : []
        reply(
            request,
            .object([
                ("status", .string("ok")), ("execution_count", .integer(Int64(count))),
                ("payload", .array(payload)), ("user_expressions", .object([])),
            ]), on: shell)
        return status
    }

    /// The requests waiting on the shell channel, and those arriving within `abortWindow`
    /// seconds: read before the failed cell's reply goes back, so that cells queued behind it
    /// and still on their way are caught (at 0 s, "Run all" on a busy machine aborted some queued
    /// cells and ran others), while a request sent after the reply never is.
    private func receiveQueued() -> [[[UInt8]]] {
        var queued: [[[UInt8]]] = []
        let deadline = Date().addingTimeInterval(Self.abortWindow)
        while shell.poll(timeout: max(0, Int(deadline.timeIntervalSinceNow * 1000))) == true,
            let frames = shell.receive()
        {
            queued.append(frames)
        }
        return queued
    }

    /// Answers the execute requests among `queued` `aborted` and handles the others as usual.
    private func abort(_ queued: [[[UInt8]]]) {
        for frames in queued {
            guard let request = decode(frames, on: shell) else { continue }
            guard request.type == "execute_request" else {
                handle(request, on: shell)
                continue
            }
            iopub.status("busy", parent: request)
            reply(
                request,
                .object([("status", .string("aborted")), ("execution_count", .integer(Int64(executionCount)))]),
                on: shell)
            iopub.status("idle", parent: request)
        }
    }

    /// How long after a cell fails requests on their way are still counted as queued behind it.
    static let abortWindow: TimeInterval = 0.1

    /// Replies to a shutdown request (the kernel stops once the request is done).
    private func shutdown(_ request: WireMessage, on socket: ZMQSocket) {
        let restart = request.content["restart"]?.boolValue ?? false
        reply(request, .object([("status", .string("ok")), ("restart", .bool(restart))]), on: socket)
        iopub.publish(
            "shutdown_reply", .object([("status", .string("ok")), ("restart", .bool(restart))]), parent: request)
    }

    /// Stops the running command and shuts the context down (after a shutdown request, or `quit`
    /// in a cell): every channel's wait ends and `run` returns. A command that does not stop
    /// within `shutdownGrace` seconds is abandoned with the process.
    private func stop() {
        cancellation.request()
        zmq_ctx_shutdown(context)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.shutdownGrace) { exit(0) }
    }

    /// Answers `request` with an error reply (and the cell's count, for an execute request).
    private func replyError(
        _ request: WireMessage, name: String, value: String, traceback: [String] = [], executionCount: Int? = nil,
        on socket: ZMQSocket
    ) {
        var fields: [(String, JSON)] = [
            ("status", .string("error")), ("ename", .string(name)), ("evalue", .string(value)),
            ("traceback", .array(traceback.map(JSON.string))),
        ]
        if let executionCount { fields.append(("execution_count", .integer(Int64(executionCount)))) }
        reply(request, .object(fields), on: socket)
    }

    private func reply(_ request: WireMessage, _ content: JSON, on socket: ZMQSocket) {
        let type =
            request.type.hasSuffix("_request")
            ? String(request.type.dropLast("_request".count)) + "_reply" : request.type + "_reply"
        let message = WireMessage(
            type: type, content: content, parent: request, session: iopub.session, identities: request.identities)
        socket.send(message.encode(signer: signer))
    }
}
