import Engine
import Foundation
import SparkConnectProtocol
import SwiftProtobuf

/// One Spark Connect session: the plans PlateShell sends (queries, SQL commands, writes) and the
/// Arrow batches that come back.
///
/// The session id is the one the connection string asks for, or a new UUID. Each call carries
/// the user context and PlateShell as client type; a plan runs as one operation with an id of
/// its own, so Ctrl-C (the `cancellation`) both stops reading and interrupts the operation on the
/// server. A session that the server no longer knows (expired, or the server restarted) is
/// replaced by a new one on the next call, with a note.
public final class SparkSession {
    public let remote: SparkRemote
    public private(set) var sessionID: String
    /// The server's own id of the session, once a response named it.
    public private(set) var serverSessionID: String?
    let cancellation: Cancellation
    /// Set while calls must run to their end whatever Ctrl-C asks (undoing a failed write).
    private var ignoresCancellation = false
    private let channel: GRPCChannel
    private static let service = "/spark.connect.SparkConnectService/"
    static let clientType = "plateshell/\(PlateShellVersion.current)"

    /// A session with the server `remote` names. Nothing is sent until the first call.
    public init(remote: SparkRemote, cancellation: Cancellation) {
        self.remote = remote
        self.cancellation = cancellation
        sessionID = remote.sessionID ?? UUID().uuidString.lowercased()
        channel = GRPCChannel(baseURL: remote.baseURL, headers: remote.headerLines)
    }

    /// `request` addressed to this session: its id, the server's id of it once known, the user
    /// and PlateShell as client type.
    func addressed<Request: SparkSessionRequest>(_ request: Request) -> Request {
        var request = request
        request.sessionID = sessionID
        if let serverSessionID { request.clientObservedServerSideSessionID = serverSessionID }
        request.userContext = userContext
        request.clientType = Self.clientType
        return request
    }

    var userContext: Spark_Connect_UserContext {
        var context = Spark_Connect_UserContext()
        context.userID = remote.userID
        context.userName = remote.userID
        return context
    }

    // MARK: - Executing plans

    /// Runs `plan` and hands each response to `receive` as it arrives.
    ///
    /// With `reattachable` (results, which may be long), the server keeps the operation's
    /// responses until it is released: when the stream ends before the result is complete (the
    /// server ends a stream after `spark.connect.execute.reattachable.senderMaxStreamDuration` or
    /// `…senderMaxStreamSize`) or the connection breaks, ReattachExecute resumes it after the
    /// last response received, and ReleaseExecute frees it at the end. Commands run unreattached
    /// (one call less each).
    func execute(
        _ plan: Spark_Connect_Plan, reattachable: Bool = false,
        receive: (Spark_Connect_ExecutePlanResponse) throws -> Void
    ) throws {
        var request = addressed(Spark_Connect_ExecutePlanRequest())
        let operationID = UUID().uuidString.lowercased()
        request.operationID = operationID
        request.plan = plan
        var options = Spark_Connect_ExecutePlanRequest.RequestOption()
        options.reattachOptions.reattachable = reattachable
        request.requestOptions = [options]
        var lastResponseID: String?
        var isComplete = false
        var responses = 0
        let handle = { (message: Data) throws -> Bool in
            let response = try Spark_Connect_ExecutePlanResponse(serializedBytes: message)
            if !response.serverSideSessionID.isEmpty { self.serverSessionID = response.serverSideSessionID }
            if !response.responseID.isEmpty { lastResponseID = response.responseID }
            if case .resultComplete? = response.responseType { isComplete = true }
            responses += 1
            try receive(response)
            return true
        }
        do {
            var attached = false
            var fruitless = 0
            while true {
                let before = responses
                do {
                    if attached {
                        try call("ReattachExecute", reattachRequest(operationID, after: lastResponseID), handle: handle)
                        reattachments += 1
                    } else {
                        try call("ExecutePlan", request, handle: handle)
                    }
                } catch let error as GRPCError
                    where reattachable && error.transportCode != nil && responses > 0
                    && fruitless < Self.reattachAttempts
                {
                    // The connection broke after the operation started: it goes on on the server.
                    fruitless += 1
                    Thread.sleep(forTimeInterval: Double(fruitless))
                    attached = true
                    continue
                }
                attached = true
                if !reattachable || isComplete { break }
                if responses == before {
                    fruitless += 1
                    guard fruitless <= Self.reattachAttempts else {
                        throw GRPCError(
                            .unavailable, "the server ended the result stream \(fruitless) times without sending more")
                    }
                }
            }
            if reattachable { release(operationID) }
        } catch let error as EngineError where error.kind == .cancelled {
            interrupt(operationID)
            throw error
        } catch let error as GRPCError {
            throw translate(error)
        }
    }

    /// How often a result stream whose connection broke is reattached before the error is
    /// given (waiting 1, 2, 3 s between tries).
    static let reattachAttempts = 3
    /// How many times a result stream was reattached in this session (shown by `tables status`).
    public private(set) var reattachments = 0

    /// One streaming call; a break of its connection is a `GRPCError` with a transport code.
    private func call(_ method: String, _ request: some SwiftProtobuf.Message, handle: (Data) throws -> Bool)
        throws
    {
        try channel.call(
            Self.service + method, request: try request.serializedData(),
            cancellation: ignoresCancellation ? nil : cancellation, receive: handle)
    }

    private func reattachRequest(_ operationID: String, after responseID: String?)
        -> Spark_Connect_ReattachExecuteRequest
    {
        var request = addressed(Spark_Connect_ReattachExecuteRequest())
        request.operationID = operationID
        if let responseID { request.lastResponseID = responseID }
        return request
    }

    /// Frees a finished reattachable operation's responses on the server; a failure is
    /// ignorable (the server drops them after its detached timeout anyway).
    private func release(_ operationID: String) {
        var request = addressed(Spark_Connect_ReleaseExecuteRequest())
        request.operationID = operationID
        request.releaseAll = Spark_Connect_ReleaseExecuteRequest.ReleaseAll()
        _ = try? channel.unary(Self.service + "ReleaseExecute", request: try request.serializedData())
    }

    /// Runs `relation` and collects its rows.
    func collect(_ relation: Spark_Connect_Relation) throws -> Table {
        try collectNoting(relation).table
    }

    /// Runs `relation` and collects its rows, with what their conversion noted ("column 'price'
    /// is decimal(10,2) in Spark; read as double").
    func collectNoting(_ relation: Spark_Connect_Relation) throws -> (table: Table, notes: [String]) {
        var plan = Spark_Connect_Plan()
        plan.root = relation
        var builder = ArrowTableBuilder()
        try execute(plan, reattachable: true) { response in
            if case .arrowBatch(let batch)? = response.responseType, !batch.data.isEmpty {
                try builder.append(stream: batch.data)
                if !ignoresCancellation { try cancellation.check() }
            }
        }
        return (try builder.build(), builder.notes)
    }

    /// Runs `relation` and hands its rows to `receive` one Arrow batch at a time (as a table of
    /// that batch's rows), never holding more than one batch.
    func stream(_ relation: Spark_Connect_Relation, receive: (Table) throws -> Void) throws {
        var plan = Spark_Connect_Plan()
        plan.root = relation
        try execute(plan, reattachable: true) { response in
            guard case .arrowBatch(let batch)? = response.responseType, !batch.data.isEmpty else { return }
            var builder = ArrowTableBuilder()
            try builder.append(stream: batch.data)
            try receive(try builder.build())
            if !ignoresCancellation { try cancellation.check() }
        }
    }

    /// Runs a SQL query and collects its rows.
    func collect(sql text: String) throws -> Table {
        var relation = Spark_Connect_Relation()
        relation.sql.query = text
        return try collect(relation)
    }

    /// Runs a command (a write, a SQL command) to its end.
    func run(_ command: Spark_Connect_Command) throws {
        var plan = Spark_Connect_Plan()
        plan.command = command
        try execute(plan) { _ in }
    }

    /// Runs a SQL statement that changes the catalog (CREATE DATABASE, ALTER TABLE …).
    func run(sql text: String) throws {
        var command = Spark_Connect_Command()
        var sql = Spark_Connect_Relation()
        sql.sql.query = text
        command.sqlCommand.input = sql
        try run(command)
    }

    /// Runs `body` with every call going to its end even after Ctrl-C (for undoing what a failed
    /// or cancelled write left).
    func uninterruptibly<T>(_ body: () throws -> T) rethrows -> T {
        ignoresCancellation = true
        defer { ignoresCancellation = false }
        return try body()
    }

    // MARK: - Other calls

    /// The server's Spark version.
    public func sparkVersion() throws -> String {
        var request = addressed(Spark_Connect_AnalyzePlanRequest())
        request.sparkVersion = Spark_Connect_AnalyzePlanRequest.SparkVersion()
        let answer = try unary("AnalyzePlan", request, as: Spark_Connect_AnalyzePlanResponse.self)
        if !answer.serverSideSessionID.isEmpty { serverSessionID = answer.serverSideSessionID }
        return answer.sparkVersion.version
    }

    /// The values of Spark configuration keys (nil where unset).
    public func configuration(_ keys: [String]) throws -> [String: String?] {
        var request = addressed(Spark_Connect_ConfigRequest())
        var get = Spark_Connect_ConfigRequest.GetOption()
        get.keys = keys
        request.operation.getOption = get
        let answer = try unary("Config", request, as: Spark_Connect_ConfigResponse.self)
        if !answer.serverSideSessionID.isEmpty { serverSessionID = answer.serverSideSessionID }
        var values: [String: String?] = [:]
        for pair in answer.pairs { values[pair.key] = pair.hasValue ? pair.value : nil }
        return values
    }

    /// Asks the server to stop the operation `operationID` (after Ctrl-C); a failure to reach it
    /// is ignorable, as the operation then ends with the session anyway.
    func interrupt(_ operationID: String) {
        var request = addressed(Spark_Connect_InterruptRequest())
        request.interruptType = .operationID
        request.operationID = operationID
        let side = GRPCChannel(baseURL: remote.baseURL, headers: remote.headerLines, connectTimeout: 5, timeout: 10)
        _ = try? side.unary(Self.service + "Interrupt", request: try request.serializedData())
    }

    private func unary<Answer: SwiftProtobuf.Message>(
        _ method: String, _ request: some SwiftProtobuf.Message, as: Answer.Type
    ) throws -> Answer {
        do {
            let bytes = try channel.unary(
                Self.service + method, request: try request.serializedData(),
                cancellation: ignoresCancellation ? nil : cancellation)
            let answer = try Answer(serializedBytes: bytes)
            return answer
        } catch let error as GRPCError {
            throw translate(error)
        }
    }

    // MARK: - Errors

    /// A gRPC failure as a PlateShell error: what happened, where, and how to fix it.
    func translate(_ error: GRPCError) -> EngineError {
        let server = "the Spark Connect server at \(remote.host):\(remote.port)"
        let back = "'tables uri=local' goes back to the workspace store"
        if error.isTLSFailure {
            return EngineError(
                .io, "the TLS handshake with \(server) failed: \(error.message)",
                hint: remote.usesTLS
                    ? "a local server speaks plain gRPC: add ;use_ssl=false to the address (a token turns TLS on)"
                    : "check the server's certificate")
        }
        if let code = error.transportCode {
            return EngineError(
                .io, "cannot reach \(server): \(error.message) (libcurl error \(code))",
                hint:
                    "start the server (SPARK_HOME/sbin/start-connect-server.sh) or fix the address in SPARK_REMOTE or "
                    + "'tables uri=sc://HOST:PORT'; \(back)")
        }
        switch error.status {
        case .unauthenticated, .permissionDenied:
            return EngineError(
                .io, "\(server) refused the connection (\(error.status)): \(error.message)",
                hint: remote.token == nil
                    ? "the server wants a token: add ;token=… to the address"
                    : "the token was refused: check token=… in the address (it is never shown)")
        case .cancelled:
            return EngineError.cancelled
        default:
            break
        }
        let message = Self.withoutStackTrace(error.message)
        if ["stopped SparkContext", "SparkContext was shut down", "SparkContext has been shutdown"].contains(where: {
            message.contains($0)
        }) {
            return EngineError(
                .io, "\(server) stopped during the command (\(message))",
                hint:
                    "start it again, then run the command again; a load or save that was cut short left the earlier table as it was"
            )
        }
        let errorClass = Self.errorClass(of: message)
        if let errorClass, errorClass.hasPrefix("INVALID_HANDLE.SESSION") || errorClass == "SESSION_CLOSED" {
            sessionID = UUID().uuidString.lowercased()
            serverSessionID = nil
            return EngineError(
                .io, "the Spark session expired on the server (\(errorClass))",
                hint: "run the command again: PlateShell has started a new session; temporary views are gone")
        }
        if errorClass == "OPERATION_CANCELED" { return EngineError.cancelled }
        return EngineError(
            .sql, "Spark: \(message)",
            hint: errorClass.map { "Spark's error class \($0); 'tables' lists the tables, 'columns' a frame's columns" }
        )
    }

    /// A server message without the Java stack trace Spark may append to it (its lines start with
    /// `at`, or with `java.`/`org.` after a `?` where the server replaced a line break).
    static func withoutStackTrace(_ message: String) -> String {
        var end = message.endIndex
        for marker in ["\n\tat ", "\n\t", "?java.", "?org.", "?scala.", "\njava.", "\norg."] {
            if let found = message.range(of: marker), found.lowerBound < end { end = found.lowerBound }
        }
        return message[..<end].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The error class Spark puts first in its messages: `[TABLE_OR_VIEW_NOT_FOUND] The table …`.
    static func errorClass(of message: String) -> String? {
        guard message.hasPrefix("["), let close = message.firstIndex(of: "]") else { return nil }
        let name = message[message.index(after: message.startIndex)..<close]
        return name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" || $0 == "." }) ? String(name) : nil
    }
}

/// The fields every Spark Connect request that names a session carries.
protocol SparkSessionRequest {
    var sessionID: String { get set }
    var clientObservedServerSideSessionID: String { get set }
    var userContext: Spark_Connect_UserContext { get set }
    var clientType: String { get set }
}

extension Spark_Connect_ExecutePlanRequest: SparkSessionRequest {}
extension Spark_Connect_ReattachExecuteRequest: SparkSessionRequest {}
extension Spark_Connect_ReleaseExecuteRequest: SparkSessionRequest {}
extension Spark_Connect_AnalyzePlanRequest: SparkSessionRequest {}
extension Spark_Connect_ConfigRequest: SparkSessionRequest {}
extension Spark_Connect_InterruptRequest: SparkSessionRequest {}
