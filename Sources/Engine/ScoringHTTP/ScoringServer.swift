import Engine
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The HTTP/1.1 listener around `ScoringService` (Hummingbird), with a companion task that
/// re-resolves the served URI every `followInterval`, so a promotion in the registry reaches the
/// server without a restart.
///
/// Loopback (`127.0.0.1`) unless told otherwise. Slow clients cannot hold the server: a
/// connection idle for `idleTimeout` (30 s) is closed, and so is one whose request body has not
/// all arrived `bodyTimeout` (30 s) after its head, after a 408 answer. Stopping is graceful:
/// stop accepting, finish the requests in flight, then return.
public final class ScoringServer: Sendable {
    public let service: ScoringService
    public let host: String
    public let requestedPort: Int
    public let followInterval: Duration
    /// How long a request body may take to arrive, from the request's head to its last byte.
    public let bodyTimeout: Duration
    /// How long a connection may stay silent (between requests, or before a head is complete).
    public static let idleTimeout: Duration = .seconds(30)
    /// Called (on a background task) when the server switches to another model version.
    public let onSwitch: @Sendable (ServedModel) -> Void
    private let executor = DispatchTaskExecutor()
    private let running = Mutex<(group: ServiceGroup, task: Task<Void, Never>, port: Int)?>(nil)

    public init(
        service: ScoringService, host: String = "127.0.0.1", port: Int = 5001,
        followInterval: Duration = .milliseconds(500), bodyTimeout: Duration = .seconds(30),
        onSwitch: @escaping @Sendable (ServedModel) -> Void = { _ in }
    ) {
        self.service = service
        self.bodyTimeout = bodyTimeout
        self.onSwitch = onSwitch
        self.host = host
        self.requestedPort = port
        self.followInterval = followInterval
    }

    /// The port it listens on, nil when stopped.
    public var port: Int? { running.withLock { $0?.port } }

    /// Starts listening in the background and returns the bound port (port 0 picks a free one).
    /// Its tasks run on Dispatch threads (`DispatchTaskExecutor`): this call and `stop()` block
    /// their caller, which may itself hold a thread of the cooperative pool.
    ///
    /// - Throws: `EngineError.io` when the address cannot be bound (in use, not local, no permission).
    @discardableResult
    public func start() throws -> Int {
        let bound = BoundSignal()
        let group = makeGroup(signals: [], onRunning: { bound.finish(.success($0)) })
        let task = Task(executorPreference: executor) {
            do { try await group.run() } catch { bound.finish(.failure(error)) }
            bound.finish(.failure(EngineError(.io, "the server stopped before it listened")))
        }
        switch bound.wait() {
        case .success(let port):
            running.withLock { $0 = (group, task, port) }
            return port
        case .failure(let error):
            task.cancel()
            throw EngineError(
                .io, "cannot listen on \(host):\(requestedPort): \(Self.describe(error))",
                hint: requestedPort == 0 ? nil : "another server may hold the port: pick another with port=N")
        }
    }

    /// Stops a background server gracefully and waits until it has.
    public func stop() {
        guard
            let (group, task, _) = running.withLock({ state in
                defer { state = nil }
                return state
            })
        else { return }
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            await group.triggerGracefulShutdown()
            await task.value
            done.signal()
        }
        done.wait()
    }

    /// Serves in the foreground until SIGTERM or SIGINT, then shuts down gracefully.
    /// `onRunning` receives the bound port once the server listens.
    ///
    /// Its caller awaits rather than blocks, so the tasks stay on Swift's cooperative pool: one
    /// thread hop less per request than `start()` (measured with wrk, 8 connections: p99 17 ms
    /// instead of 69 ms, 2730 instead of 2400 requests/s).
    public func runUntilSignalled(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        try await makeGroup(signals: [.sigterm, .sigint], onRunning: onRunning).run()
    }

    private func makeGroup(signals: [UnixSignal], onRunning: @escaping @Sendable (Int) -> Void) -> ServiceGroup {
        var logger = Logger(label: "plateshell.serve")
        logger.logLevel = .critical
        let service = self.service
        let bodyTimeout = self.bodyTimeout
        let modelHeader = HTTPField.Name(ScoringService.modelHeader)!
        let requestIDHeader = HTTPField.Name(ScoringService.requestIDHeader)!
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body: Data?
            do {
                let buffer = try await request.body.collect(upTo: ScoringService.maxBodyBytes)
                body = Data(buffer.readableBytesView)
            } catch is NIOTooManyBytesError {
                body = nil
            } catch is BodyDeadline.Expired {
                let error = ScoringError.bodyTimeout(seconds: Int(bodyTimeout.components.seconds))
                return Response(
                    status: .requestTimeout, headers: [.contentType: "application/json", .connection: "close"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: error.json.serialized())))
            }
            let answer = service.respond(
                method: request.method.rawValue, path: request.uri.path,
                contentType: request.headers[.contentType], body: body, requestID: request.headers[requestIDHeader])
            var headers: HTTPFields = [.contentType: answer.contentType]
            if let model = answer.model { headers[modelHeader] = model }
            if let id = answer.requestID { headers[requestIDHeader] = id }
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let port = requestedPort
        let bodyLimit = TimeAmount(bodyTimeout)
        let application = Application(
            responder: responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [BodyDeadline(limit: bodyLimit)],
                    idleTimeout: TimeAmount(Self.idleTimeout))
            ),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "PlateShell/\(PlateShellVersion.current)"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
        let follower = RegistryFollower(source: service.source, interval: followInterval, onSwitch: onSwitch)
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application, follower], gracefulShutdownSignals: signals, logger: logger))
    }

    private static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return io.description }
        return "\(error)"
    }
}

/// Re-resolves the served URI at an interval (a failure keeps the current model in service).
///
/// The checks run on a Dispatch timer with a queue of its own, not in a sleeping task: a sleeping
/// task is woken on Dispatch's global queue (one thread per core), and while busy work holds
/// those threads (two on a two-core machine) a promotion would not be seen at all.
private struct RegistryFollower: Service {
    let source: ModelSource
    let interval: Duration
    let onSwitch: @Sendable (ServedModel) -> Void

    func run() async throws {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "plateshell.serve.follower"))
        let nanoseconds =
            Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [source, onSwitch] in
            if let model = try? source.refresh() { onSwitch(model) }
        }
        timer.activate()
        try? await gracefulShutdown()
        // The cancel handler runs once a check in progress has finished.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            timer.setCancelHandler { done.resume() }
            timer.cancel()
        }
    }
}

/// Hands the first outcome of a background start to the thread waiting for it.
private final class BoundSignal: Sendable {
    private let outcome = Mutex<Result<Int, Error>?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    func finish(_ result: Result<Int, Error>) {
        let first = outcome.withLock { value in
            guard value == nil else { return false }
            value = result
            return true
        }
        if first { semaphore.signal() }
    }

    func wait() -> Result<Int, Error> {
        semaphore.wait()
        return outcome.withLock { $0! }
    }
}
