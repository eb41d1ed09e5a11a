import Foundation
import MLCore
import Synchronization

/// One scored request on its way to the inference log: the rows the model scored and its answer.
public struct ScoredRequest: Sendable {
    /// When the request was answered.
    public let time: Date
    public let requestID: String
    /// The model version that scored it (an alias move switches versions between requests).
    public let model: ServedModel.Identity
    /// The scored rows, in the model's input order (`ServedModel.inputs`).
    public let inputs: Matrix
    /// The answer's columns (`predicted`, `proba_<class>` …), one value per row.
    public let outputs: [Column]
    /// Time spent in PlateShell, from the complete request body to the serialized answer.
    public let latencyMilliseconds: Double
}

/// Scored requests written to an inference log table (in the workspace store, or on Spark:
/// `InferenceLogStorage`), off the request path: `accept` queues a request in memory (never waiting on the disk), a writer thread
/// commits what is queued every `flushInterval` in one transaction, and `stop` writes the rest.
///
/// Memory is bounded: at most `capacity` rows wait; beyond that `accept` refuses (the scoring
/// service answers 503, so every request answered 200 is logged). A kill -9 loses what was
/// queued since the last commit (at most about `flushInterval` plus one commit); a failing
/// commit keeps its rows queued and is tried again.
///
/// One row per scored plate: `time`, `request_id`, `row` (its index in the request), `model`,
/// `model_version`, `model_digest`, the model's input columns (real), its outputs, `latency_ms`.
public final class InferenceLog: Sendable {
    /// What a log has done so far.
    public struct Status: Sendable {
        public let table: TableName
        public let written: Int
        public let queued: Int
        /// The last commit's failure, nil once a commit succeeds again.
        public let lastError: String?

        /// "Logged N scored rows to TABLE."
        public var summary: String {
            "Logged \(written) scored row\(written == 1 ? "" : "s") to \(table.displayName)."
        }

        /// What could not be written and why, nil when nothing waits.
        public var failure: String? {
            guard queued > 0 else { return nil }
            return
                "\(queued) scored row\(queued == 1 ? "" : "s") could not be written to the inference log \(table.displayName): \(lastError ?? "the store did not answer")"
        }
    }

    public let table: TableName
    /// Where the table lives, for messages ("the workspace store at PATH", "Spark at sc://…").
    public let location: String
    public let capacity: Int
    public let flushInterval: Duration
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Rows accepted and not yet committed (queued, or in the commit under way).
    private let waiting = Atomic<Int>(0)

    private struct State {
        /// Requests accepted since the writer last took the queue.
        var queue: [ScoredRequest] = []
        var written = 0
        /// Commits tried so far (each ends in `written` or `lastError`).
        var attempts = 0
        var lastError: String?
        var stopping = false
    }

    /// The columns a log of `model` has.
    public static func schema(for model: ServedModel) -> [ColumnSchema] {
        [
            ColumnSchema(name: "time", type: .text), ColumnSchema(name: "request_id", type: .text),
            ColumnSchema(name: "row", type: .integer), ColumnSchema(name: "model", type: .text),
            ColumnSchema(name: "model_version", type: .integer), ColumnSchema(name: "model_digest", type: .text),
        ] + model.inputs.map { ColumnSchema(name: $0.name, type: .real) } + model.outputSchema
            + [ColumnSchema(name: "latency_ms", type: .real)]
    }

    /// Opens (or creates) the log `table` in the workspace store at `directory` for `model`'s
    /// rows and starts its writer thread.
    ///
    /// - Throws: `EngineError` when the store cannot be opened, or `table` is not a log of
    ///   these columns (see `TableStore.openInferenceLog`).
    public convenience init(
        directory: String, table: TableName, model: ServedModel, source: String,
        capacity: Int = 200_000, flushInterval: Duration = .milliseconds(200)
    ) throws {
        try self.init(
            table: table, location: "the workspace store at \(directory)", model: model, capacity: capacity,
            flushInterval: flushInterval
        ) { schema in
            try TableStore(directory: directory).openInferenceLog(table, schema: schema, source: source)
        }
    }

    /// Starts a writer thread that opens the log with `open` (given the log's columns for
    /// `model`) and then appends to it. The storage is opened and used on that thread only.
    ///
    /// - Throws: what `open` throws (as `EngineError`).
    public init(
        table: TableName, location: String, model: ServedModel, capacity: Int = 200_000,
        flushInterval: Duration = .milliseconds(200),
        open: @escaping @Sendable ([ColumnSchema]) throws -> any InferenceLogStorage
    ) throws {
        self.table = table
        self.location = location
        self.capacity = capacity
        self.flushInterval = flushInterval
        let schema = Self.schema(for: model)
        let opened = OpenOutcome()
        let thread = Thread { [self] in
            let log: any InferenceLogStorage
            do {
                log = try open(schema)
                opened.finish(nil)
            } catch {
                opened.finish(Self.engineError(error))
                return
            }
            writeUntilStopped(into: log)
        }
        thread.name = "plateshell.inference-log"
        thread.start()
        if let error = opened.wait() { throw error }
    }

    /// Queues a scored request; false (nothing queued) when `capacity` rows already wait.
    public func accept(_ request: ScoredRequest) -> Bool {
        let rows = request.inputs.rows
        return state.withLock { state in
            let waiting = self.waiting.load(ordering: .relaxed)
            guard !state.stopping, waiting + rows <= capacity || waiting == 0 else { return false }
            state.queue.append(request)
            self.waiting.add(rows, ordering: .relaxed)
            return true
        }
    }

    /// Whether `accept` would refuse a request now (read without a lock: a hint, which `accept` decides).
    public var isFull: Bool { waiting.load(ordering: .relaxed) >= capacity }

    public var status: Status {
        state.withLock {
            Status(table: table, written: $0.written, queued: waiting.load(ordering: .relaxed), lastError: $0.lastError)
        }
    }

    /// Writes what is queued now, waiting at most `timeout`, and goes on logging (a reader that
    /// starts after this finds every row accepted before it).
    ///
    /// - Returns: the status then (`queued` rows, with `lastError`, when they could not be written).
    @discardableResult
    public func flush(timeout: Duration = .seconds(30)) -> Status {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // Only the rows waiting now are waited for, not the ones accepted meanwhile.
        let (target, attemptsBefore) = state.withLock { ($0.written + waiting.load(ordering: .relaxed), $0.attempts) }
        while clock.now < deadline {
            let (written, attempts, failed) = state.withLock { ($0.written, $0.attempts, $0.lastError != nil) }
            // Done, or a commit tried since this call began failed (its rows stay queued).
            if written >= target || (attempts > attemptsBefore && failed) { break }
            wake.signal()
            Thread.sleep(forTimeInterval: 0.005)
        }
        return status
    }

    /// Writes what is queued and stops the writer; waits at most `timeout` for failing commits.
    ///
    /// - Returns: the final status (`queued` rows could not be written by then).
    @discardableResult
    public func stop(timeout: Duration = .seconds(30)) -> Status {
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first {
            wake.signal()
            _ = finished.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds) * 1000))
        }
        return status
    }

    private func writeUntilStopped(into log: any InferenceLogStorage) {
        let interval = DispatchTimeInterval.milliseconds(
            Int(flushInterval.components.seconds) * 1000
                + Int(flushInterval.components.attoseconds / 1_000_000_000_000_000))
        while true {
            _ = wake.wait(timeout: .now() + interval)
            // The writer takes the whole queue, so requests keep appending to a fresh one meanwhile.
            let (batch, stopping) = state.withLock { state in
                defer { state.queue = [] }
                return (state.queue, state.stopping)
            }
            if !batch.isEmpty {
                do {
                    try Self.append(batch, to: log)
                    let rows = batch.reduce(0) { $0 + $1.inputs.rows }
                    state.withLock { state in
                        state.written += rows
                        state.attempts += 1
                        state.lastError = nil
                    }
                    waiting.subtract(rows, ordering: .relaxed)
                } catch {
                    // Kept, ahead of what arrived since, for the next commit.
                    state.withLock { state in
                        state.queue = batch + state.queue
                        state.attempts += 1
                        state.lastError = Self.engineError(error).message
                    }
                    if stopping { Thread.sleep(forTimeInterval: 0.2) }
                    continue
                }
            }
            if stopping && state.withLock({ $0.queue.isEmpty }) {
                finished.signal()
                return
            }
        }
    }

    /// Appends the rows of `batch` to `log` in one append.
    private static func append<Storage: InferenceLogStorage>(_ batch: [ScoredRequest], to log: Storage) throws {
        try log.append { writer in try write(batch, schema: log.schema, into: &writer) }
    }

    /// Writes the rows of `batch` in `schema`'s columns: inputs and outputs by name (a column
    /// the scoring model lacks, after it moved to a version with other columns, is missing).
    static func write<Sink: RowSink>(_ batch: [ScoredRequest], schema: [ColumnSchema], into writer: inout Sink) throws {
        var times = TimeText()
        var model: ServedModel.Identity?
        var sources: [CellSource] = []
        for request in batch {
            if request.model !== model {
                model = request.model
                sources = schema.map { CellSource(column: $0.name, model: request.model) }
            }
            let time = times.text(request.time)
            for row in 0..<request.inputs.rows {
                for (index, source) in sources.enumerated() {
                    switch source {
                    case .time: writer.set(.text(time), column: index)
                    case .requestID: writer.set(.text(request.requestID), column: index)
                    case .row: writer.setInteger(Int64(row), column: index)
                    case .model: writer.set(.text(request.model.model), column: index)
                    case .version:
                        writer.set(request.model.version.map { .integer(Int64($0)) } ?? .missing, column: index)
                    case .digest: writer.set(.text(request.model.digest), column: index)
                    case .input(let column): writer.set(.real(request.inputs[row, column]), column: index)
                    case .output(let column): writer.set(request.outputs[column].value(at: row), column: index)
                    case .latency: writer.setReal(request.latencyMilliseconds, column: index)
                    case .absent: writer.setMissing(column: index)
                    }
                }
                try writer.endRow()
            }
        }
    }

    private static func engineError(_ error: any Error) -> EngineError {
        error as? EngineError ?? EngineError(.io, "the inference log failed: \(error)")
    }

    /// Where a log column's cell comes from in a scored request.
    private enum CellSource {
        case time, requestID, row, model, version, digest, latency, absent
        case input(Int)
        case output(Int)

        init(column: String, model: ServedModel.Identity) {
            switch column {
            case "time": self = .time
            case "request_id": self = .requestID
            case "row": self = .row
            case "model": self = .model
            case "model_version": self = .version
            case "model_digest": self = .digest
            case "latency_ms": self = .latency
            default:
                if let input = model.inputs.firstIndex(of: column) {
                    self = .input(input)
                } else if let output = model.outputs.firstIndex(of: column) {
                    self = .output(output)
                } else {
                    self = .absent
                }
            }
        }
    }
}

/// Times as log text (ISO 8601 in UTC with milliseconds), the date and time formatted once per second.
private struct TimeText {
    private let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    private var second: Double = .nan
    private var prefix = ""

    mutating func text(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        if whole != second {
            second = whole
            prefix = String(formatter.string(from: Date(timeIntervalSince1970: whole)).dropLast())
        }
        let milliseconds = min(999, Int(((seconds - whole) * 1000).rounded(.down)))
        return prefix + "." + String(milliseconds).leftPadded(to: 3) + "Z"
    }
}

/// Hands the outcome of opening the log from the writer thread to `init`.
private final class OpenOutcome: Sendable {
    private let outcome = Mutex<EngineError?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ error: EngineError?) {
        outcome.withLock { $0 = error }
        done.signal()
    }

    func wait() -> EngineError? {
        done.wait()
        return outcome.withLock { $0 }
    }
}
