import CMicroHTTPD
import Dispatch
import Engine
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP/1.1 listener around `ScoringService` (GNU libmicrohttpd, opened on first use), with
/// a Dispatch timer that re-resolves the served URI every `followInterval`, so a promotion in
/// the registry reaches the server without a restart.
///
/// Loopback (`127.0.0.1`) unless told otherwise. Slow clients cannot hold the server: a
/// connection idle for `idleTimeout` (30 s) is closed, and so is one whose request body has not
/// all arrived `bodyTimeout` (30 s) after its head, after a 408 answer when the body is still
/// trickling in. Stopping is graceful: stop accepting, finish the requests in flight, then return.
public final class ScoringServer: Sendable {
    public let service: ScoringService
    public let host: String
    public let requestedPort: Int
    public let followInterval: Duration
    /// How long a request body may take to arrive, from the request's head to its last byte.
    public let bodyTimeout: Duration
    /// How long a connection may stay silent (between requests, or before a head is complete).
    public static let idleTimeout: Duration = .seconds(30)
    /// Called (on the follower's Dispatch queue) when the server switches to another model
    /// version, when checking the URI starts failing (once per distinct problem), and when it
    /// succeeds again.
    public let onFollow: @Sendable (FollowEvent) -> Void
    private let running = Mutex<Running?>(nil)

    public init(
        service: ScoringService, host: String = "127.0.0.1", port: Int = 5001,
        followInterval: Duration = .milliseconds(500), bodyTimeout: Duration = .seconds(30),
        onFollow: @escaping @Sendable (FollowEvent) -> Void = { _ in }
    ) {
        self.service = service
        self.bodyTimeout = bodyTimeout
        self.onFollow = onFollow
        self.host = host
        self.requestedPort = port
        self.followInterval = followInterval
    }

    /// The port it listens on, nil when stopped.
    public var port: Int? { running.withLock { $0?.port } }

    /// Starts listening in the background and returns the bound port (port 0 picks a free one).
    /// Requests are answered on libmicrohttpd's own threads, one per connection (with a pool of one
    /// per core, each thread kept the connections it accepted: under wrk -c8 one of two did two
    /// thirds of the scoring), so a caller holding a thread of Swift's cooperative pool does not
    /// hold the server.
    ///
    /// - Throws: `EngineError.io` when the address cannot be bound (in use, not local, no permission).
    @discardableResult
    public func start() throws -> Int {
        var port: Int32 = 0
        var reason = [CChar](repeating: 0, count: 256)
        let socket = plateshell_mhd_listen(host, Int32(requestedPort), &port, &reason, reason.count)
        guard socket >= 0 else {
            let why = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw EngineError(
                .io, "cannot listen on \(host):\(requestedPort): \(why)",
                hint: requestedPort == 0 ? nil : "another server may hold the port: pick another with port=N")
        }
        let listener = Listener(service: service, bodyTimeout: bodyTimeout)
        let context = Unmanaged.passRetained(listener)
        guard
            let daemon = plateshell_mhd_start(
                socket, Self.idleSeconds, accessHandler, context.toOpaque(), requestCompleted, context.toOpaque())
        else {
            close(socket)
            context.release()
            throw EngineError(.io, "cannot listen on \(host):\(requestedPort): libmicrohttpd could not start")
        }
        let follower = RegistryFollower(source: service.source, interval: followInterval, onFollow: onFollow)
        running.withLock { $0 = Running(daemon: daemon, context: context, follower: follower, port: Int(port)) }
        return Int(port)
    }

    /// Stops a background server gracefully and waits until it has: stops accepting, lets the
    /// requests in flight finish (their answers say `Connection: close`), then closes the rest.
    public func stop() {
        guard
            let state = running.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        let listener = state.context.takeUnretainedValue()
        listener.stopping.store(true, ordering: .relaxed)
        let socket = MHD_quiesce_daemon(state.daemon)
        if socket >= 0 { close(socket) }
        while listener.inFlight.load(ordering: .acquiring) > 0 { usleep(2_000) }
        MHD_stop_daemon(state.daemon)
        state.context.release()
        state.follower.stop()
    }

    /// Serves in the foreground until SIGTERM or SIGINT, then shuts down gracefully.
    /// `onRunning` receives the bound port once the server listens.
    public func runUntilSignalled(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let signals = SignalWatch([SIGTERM, SIGINT])
        defer { signals.cancel() }
        onRunning(try start())
        await signals.next()
        // `stop()` blocks until the requests in flight are answered: off Swift's cooperative pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue(label: "plateshell.serve.stop").async {
                self.stop()
                done.resume()
            }
        }
    }
}

/// A running server: libmicrohttpd's daemon, the context its callbacks get and the follower.
private struct Running: @unchecked Sendable {
    // @unchecked Sendable: `daemon` is a C handle and `follower` holds a Dispatch timer. Both are
    // used only by `stop()`, once, after taking them out of `running` (its mutex); libmicrohttpd's
    // daemon calls may come from any thread.
    let daemon: OpaquePointer
    let context: Unmanaged<Listener>
    let follower: RegistryFollower
    let port: Int
}

/// What libmicrohttpd's callbacks share (passed to them as `cls`): the service, the body's
/// deadline, and the count of requests in flight that a graceful stop waits for.
private final class Listener: Sendable {
    let service: ScoringService
    let bodyTimeout: Duration
    let serverName = "PlateShell/\(PlateShellVersion.current)"
    /// The 408 answer's body (MLflow's error JSON) for a body that missed its deadline.
    let timeoutBody: String
    let inFlight = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)

    init(service: ScoringService, bodyTimeout: Duration) {
        self.service = service
        self.bodyTimeout = bodyTimeout
        timeoutBody = ScoringError.bodyTimeout(seconds: Int(bodyTimeout.components.seconds)).json.serialized()
    }

    /// One call of the access handler. The first call of a request (its head complete) sets up
    /// its state; each later one brings a piece of the body (`size` > 0), the last none.
    func handle(
        _ connection: OpaquePointer, url: String, method: String, data: UnsafePointer<CChar>?,
        size: UnsafeMutablePointer<Int>, state: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let existing = state.pointee else {
            let request = PendingRequest(deadline: .now + bodyTimeout)
            if let length = header(connection, "Content-Length").flatMap({ Int($0) }) {
                request.body.reserveCapacity(min(max(length, 0), ScoringService.maxBodyBytes))
            }
            state.pointee = Unmanaged.passRetained(request).toOpaque()
            inFlight.add(1, ordering: .relaxed)
            limitSilence(connection, request)
            return .YES
        }
        let request = Unmanaged<PendingRequest>.fromOpaque(existing).takeUnretainedValue()
        let expired = ContinuousClock.now > request.deadline
        if size.pointee > 0 {
            let count = size.pointee
            size.pointee = 0
            if expired {
                // libmicrohttpd queues no answer while a body is arriving: the 408 goes straight
                // to the socket, and MHD_NO closes the connection.
                var answer = timeoutAnswer()
                _ = answer.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        plateshell_mhd_send_raw(connection, $0.baseAddress, $0.count, 1000)
                    }
                }
                return .NO
            }
            if !request.tooLarge, let data {
                if request.body.count + count > ScoringService.maxBodyBytes {
                    request.tooLarge = true
                    request.body = Data()
                } else {
                    request.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: count)
                }
            }
            limitSilence(connection, request)
            return .YES
        }
        if request.timeout != ScoringServer.idleSeconds {
            request.timeout = ScoringServer.idleSeconds
            _ = plateshell_mhd_set_timeout(connection, request.timeout)
        }
        if expired {
            return queue(connection, status: 408, contentType: "application/json", body: timeoutBody, close: true)
        }
        let answer = service.respond(
            method: method, path: url, contentType: header(connection, "Content-Type"),
            body: request.tooLarge ? nil : request.body,
            requestID: header(connection, ScoringService.requestIDHeader))
        return queue(
            connection, status: answer.status, contentType: answer.contentType, body: answer.body,
            model: answer.model, requestID: answer.requestID, close: stopping.load(ordering: .relaxed))
    }

    /// A request has ended (answered, or its connection closed): frees its state.
    func completed(_ state: UnsafeMutableRawPointer?) {
        guard let state else { return }
        Unmanaged<PendingRequest>.fromOpaque(state).release()
        inFlight.subtract(1, ordering: .releasing)
    }

    /// Makes the connection's idle timeout end at most a second after the body's deadline (whole
    /// seconds, at most `idleTimeout`), so that a client that stops sending mid-body is closed by then.
    private func limitSilence(_ connection: OpaquePointer, _ request: PendingRequest) {
        let left = request.deadline - .now
        // A second of grace past the deadline: a client still trickling whose next byte is a
        // little late (a loaded machine) gets its 408 rather than a silent close.
        let seconds = min(
            ScoringServer.idleSeconds,
            UInt32(max(0, left.components.seconds + (left.components.attoseconds > 0 ? 1 : 0)) + 1))
        if seconds != request.timeout {
            request.timeout = seconds
            _ = plateshell_mhd_set_timeout(connection, seconds)
        }
    }

    private func header(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private func queue(
        _ connection: OpaquePointer, status: Int, contentType: String, body: String, model: String? = nil,
        requestID: String? = nil, close: Bool
    ) -> MHD_Result {
        var body = body
        guard
            let response = body.withUTF8({
                MHD_create_response_from_buffer(
                    $0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress), .RESPMEM_MUST_COPY)
            })
        else { return .NO }
        defer { MHD_destroy_response(response) }
        _ = MHD_add_response_header(response, "Content-Type", contentType)
        _ = MHD_add_response_header(response, "Server", serverName)
        if let model { _ = MHD_add_response_header(response, ScoringService.modelHeader, model) }
        if let requestID { _ = MHD_add_response_header(response, ScoringService.requestIDHeader, requestID) }
        if close { _ = MHD_add_response_header(response, "Connection", "close") }
        return MHD_queue_response(connection, UInt32(status), response)
    }

    /// The whole 408 answer for a body that missed its deadline, as bytes for the socket.
    private func timeoutAnswer() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let date =
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return
            "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: \(timeoutBody.utf8.count)\r\n"
            + "Content-Type: application/json\r\nServer: \(serverName)\r\nDate: \(date)\r\n\r\n\(timeoutBody)"
    }

    private func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension ScoringServer {
    /// `idleTimeout` in whole seconds, as libmicrohttpd takes it.
    fileprivate static let idleSeconds = UInt32(idleTimeout.components.seconds)
}

/// One request's state, kept in libmicrohttpd's per-request pointer and touched only by its
/// connection's thread: the body so far and its deadline.
private final class PendingRequest {
    let deadline: ContinuousClock.Instant
    var body = Data()
    /// The body went over `ScoringService.maxBodyBytes`: the rest is dropped, the service gets nil.
    var tooLarge = false
    /// The connection's idle timeout as last set, in seconds.
    var timeout = ScoringServer.idleSeconds

    init(deadline: ContinuousClock.Instant) { self.deadline = deadline }
}

private let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, data, size, state in
    guard let cls, let connection, let url, let method, let size, let state else { return .NO }
    return Unmanaged<Listener>.fromOpaque(cls).takeUnretainedValue().handle(
        connection, url: String(cString: url), method: String(cString: method), data: data, size: size, state: state)
}

private let requestCompleted: MHD_RequestCompletedCallback = { cls, _, state, _ in
    guard let cls else { return }
    Unmanaged<Listener>.fromOpaque(cls).takeUnretainedValue().completed(state?.pointee)
    state?.pointee = nil
}

/// What following the served URI found.
public enum FollowEvent: Sendable {
    /// The URI names another version now, and the server switched to it.
    case switched(ServedModel)
    /// The URI could not be checked, or its new version not loaded: the current model stays in
    /// service. Reported once per distinct problem.
    case failing(String)
    /// A check succeeded after failing.
    case recovered
}

/// Re-resolves the served URI at an interval (a failure keeps the current model in service).
///
/// The checks run on a Dispatch timer with a queue of its own, not in a sleeping task: a sleeping
/// task is woken on Dispatch's global queue (one thread per core), and while busy work holds
/// those threads (two on a two-core machine) a promotion would not be seen at all.
private final class RegistryFollower {
    private let timer: DispatchSourceTimer

    init(source: ModelSource, interval: Duration, onFollow: @escaping @Sendable (FollowEvent) -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "plateshell.serve.follower"))
        let nanoseconds =
            Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        let reported = ReportedProblem()
        timer.setEventHandler {
            do {
                let switched = try source.refresh()
                if reported.last.withLock({ $0.take() }) != nil { onFollow(.recovered) }
                if let switched { onFollow(.switched(switched)) }
            } catch {
                let problem = EngineError.message(of: error)
                let isNew = reported.last.withLock { last in
                    guard last != problem else { return false }
                    last = problem
                    return true
                }
                if isNew { onFollow(.failing(problem)) }
            }
        }
        timer.activate()
    }

    /// The problem last reported, so that a failing check is told once, not every interval.
    private final class ReportedProblem: Sendable {
        let last = Mutex<String?>(nil)
    }

    /// Stops the checks, waiting for one in progress to finish (the cancel handler runs after it).
    func stop() {
        let done = DispatchSemaphore(value: 0)
        timer.setCancelHandler { done.signal() }
        timer.cancel()
        done.wait()
    }
}

/// Dispatch sources for the signals that stop a foreground server, registered before it starts
/// listening so that no early signal is missed; the first signal wakes `next()`.
private final class SignalWatch {
    private let sources: [DispatchSourceSignal]
    private let arrival = Arrival()

    init(_ signals: [Int32]) {
        let queue = DispatchQueue(label: "plateshell.serve.signals")
        sources = signals.map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        let registered = DispatchSemaphore(value: 0)
        for source in sources {
            source.setEventHandler { [arrival] in arrival.arrive() }
            source.setRegistrationHandler { registered.signal() }
            source.activate()
        }
        for _ in sources { registered.wait() }
    }

    /// Returns once one of the signals has arrived.
    func next() async { await arrival.wait() }

    func cancel() {
        for source in sources { source.cancel() }
    }

    /// Whether a signal has arrived, and who waits for one.
    private final class Arrival: Sendable {
        private let state = Mutex<(arrived: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        func arrive() {
            let waiter = state.withLock { value in
                defer { value = (true, nil) }
                return value.waiter
            }
            waiter?.resume()
        }

        func wait() async {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let arrived = state.withLock { value in
                    if !value.arrived { value.waiter = waiter }
                    return value.arrived
                }
                if arrived { waiter.resume() }
            }
        }
    }
}

extension ScoringServer: ScoringListener {}
