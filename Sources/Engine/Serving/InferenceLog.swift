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
/// `InferenceLogStorage`), off the request path: `accept` packs a request into an in-memory
/// buffer (`LogRecords`; never waiting on the disk), a writer thread commits what is packed every
/// `flushInterval` in one append, and `stop` writes the rest. The writer and the requests trade
/// two buffers, so the writer frees nothing a request thread made, and copies each commit once.
/// When a whole interval brings no request, the writer settles what earlier appends stored
/// (`InferenceLogStorage.settle`), a slice at a time; `stop` settles the rest.
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
        /// Why the writer could not last settle stored rows into the table's rows (they stay
        /// stored, and the next read through the store settles them); nil once it can.
        public let settleFailure: String?

        /// "Logged N scored rows to TABLE."
        public var summary: String {
            "Logged \(written) scored row\(written == 1 ? "" : "s") to \(table.displayName)."
        }

        /// What of the log is not up to date (rows not yet settled, a row count not yet
        /// recorded), and what brings it up to date; nil when the writer could settle it.
        public var settleNote: String? {
            settleFailure.map { "Not all of \(table.displayName) is up to date: \($0)." }
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
    /// Where requests pack their rows between commits: the shard of the request's thread, so
    /// the connection threads seldom wait for one another's lock.
    private let shards: [Shard] = (0..<(1 << InferenceLog.shardBits)).map { _ in Shard() }
    /// log2 of the number of shards.
    private static let shardBits = 3
    /// Set once by `stop`; a shard refuses requests once it is set.
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Rows accepted and not yet committed (queued, or in the commit under way).
    private let waiting = Atomic<Int>(0)

    private struct State {
        /// Every model version a record names, by its index (a log rarely sees more than two).
        var models: [ServedModel.Identity] = []
        var written = 0
        /// Commits tried so far (each ends in `written` or `lastError`).
        var attempts = 0
        var lastError: String?
        var settleFailure: String?
    }

    /// Requests packed since the writer last took them, in one shard.
    private final class Shard: Sendable {
        struct Packed {
            var records = LogRecords()
            /// The model of the last request packed here, and its index in `State.models`.
            var model: ServedModel.Identity?
            var modelIndex = 0
        }

        let packed = Mutex(Packed())
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

    /// Packs a scored request for the log; false (nothing packed) when `capacity` rows already wait.
    public func accept(_ request: ScoredRequest) -> Bool {
        let rows = request.inputs.rows
        // Packed before a lock is taken: under it, one copy of the bytes.
        var packed = LogRecords()
        packed.append(request, model: 0)
        // The thread's id, scattered (Fibonacci hashing: its top bits pick the shard).
        let shard = shards[Int((UInt64(UInt(pthread_self())) &* 0x9E37_79B9_7F4A_7C15) >> (64 - Self.shardBits))]
        return shard.packed.withLock { shard in
            // Read under the shard's lock: `stop` sets it before the writer takes each shard last.
            guard !stopping.load(ordering: .sequentiallyConsistent) else { return false }
            let waiting = self.waiting.add(rows, ordering: .relaxed).newValue
            guard waiting <= capacity || waiting == rows else {
                self.waiting.subtract(rows, ordering: .relaxed)
                return false
            }
            if shard.model !== request.model {
                shard.model = request.model
                shard.modelIndex = state.withLock { state in
                    state.models.lastIndex { $0 === request.model }
                        ?? {
                            state.models.append(request.model)
                            return state.models.count - 1
                        }()
                }
            }
            shard.records.append(record: packed, model: shard.modelIndex)
            return true
        }
    }

    /// Whether `accept` would refuse a request now (read without a lock: a hint, which `accept` decides).
    public var isFull: Bool { waiting.load(ordering: .relaxed) >= capacity }

    public var status: Status {
        state.withLock {
            Status(
                table: table, written: $0.written, queued: waiting.load(ordering: .relaxed), lastError: $0.lastError,
                settleFailure: $0.settleFailure)
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
        if !stopping.exchange(true, ordering: .sequentiallyConsistent) {
            wake.signal()
            _ = finished.wait(timeout: .now() + .milliseconds(Int(timeout.components.seconds) * 1000))
        }
        return status
    }

    private func writeUntilStopped(into log: any InferenceLogStorage) {
        let interval = DispatchTimeInterval.milliseconds(
            Int(flushInterval.components.seconds) * 1000
                + Int(flushInterval.components.attoseconds / 1_000_000_000_000_000))
        // The buffer the requests pack into next, and the records a failed commit keeps, ahead
        // of what arrives since, for the next one.
        var spare = LogRecords()
        var failed: LogRecords?
        while true {
            _ = wake.wait(timeout: .now() + interval)
            // Once stopping is seen, the shards refuse requests: these are the last to take.
            let stopping = self.stopping.load(ordering: .sequentiallyConsistent)
            // The writer trades buffers with each shard, which goes on packing into the spare one.
            var taken = LogRecords()
            for shard in shards {
                var part = LogRecords()
                shard.packed.withLock { packed in
                    swap(&part, &packed.records)
                    swap(&spare, &packed.records)
                }
                if taken.rows == 0 {
                    swap(&taken, &part)
                } else {
                    taken.append(contentsOf: part)
                }
                part.removeAll()
                spare = part
            }
            let identities = state.withLock { $0.models }
            if var kept = failed {
                failed = nil
                kept.append(contentsOf: taken)
                taken.removeAll()
                spare = taken
                taken = kept
            }
            if taken.rows == 0 {
                spare = taken
                if !stopping { settle(log, atMost: Self.idleSettleRows) }
            } else {
                let rows = taken.rows
                do {
                    try log.append(LogBatch(records: taken, models: identities.map(LogModel.init)))
                    state.withLock { state in
                        state.written += rows
                        state.attempts += 1
                        state.lastError = nil
                    }
                    waiting.subtract(rows, ordering: .relaxed)
                    taken.removeAll()
                    spare = taken
                } catch {
                    failed = taken
                    state.withLock { state in
                        state.attempts += 1
                        state.lastError = Self.engineError(error).message
                    }
                    if stopping { Thread.sleep(forTimeInterval: 0.2) }
                    continue
                }
            }
            if stopping {
                settle(log, atMost: .max)
                finished.signal()
                return
            }
        }
    }

    /// The most rows the writer settles per idle interval: a slice whose settling (about a fifth
    /// of a second) does not hold up the commits of requests that arrive meanwhile.
    static let idleSettleRows = 50_000

    /// Settles about `rows` of the rows `log` stored, recording a failure for `status`.
    private func settle(_ log: some InferenceLogStorage, atMost rows: Int) {
        do {
            try log.settle(atMost: rows)
            state.withLock { $0.settleFailure = nil }
        } catch {
            state.withLock { $0.settleFailure = Self.engineError(error).message }
        }
    }

    private static func engineError(_ error: any Error) -> EngineError {
        error as? EngineError ?? EngineError(.io, "the inference log failed: \(error)")
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
