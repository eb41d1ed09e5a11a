import Engine
import Foundation
import StandardConnectors
import Synchronization
import TestSupport
import Testing

@testable import Interpreter

@Suite("Session: deployment (predict with=, serve, invoke)")
struct DeploymentSessionTests {
    static let prepare =
        "use fsp.faults; label onehot=Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults; keep top=3 by=Label exclude=Other_Faults; scale"

    /// A workspace with fsp.faults and version 1 of `m` (naive Bayes) in Production.
    func registered() -> Harness {
        let shell = Harness()
        shell.run(
            "load \(realDataPath) as fsp.faults; \(Self.prepare); fit nb on=all; register nb as m; stage m 1 Production"
        )
        return shell
    }

    @Test(
        "predict with= a registered model: stored predictions name model and version; the scoring run leads back to both"
    )
    func predictWithRegistered() throws {
        let shell = registered()
        let outputs = shell.run("predict with=models:/m/Production on=fsp.faults into=fsp.scored")
        #expect(
            outputs.first?.messages.hasPrefix("Scored 1941 rows of fsp.faults v1 with m/1 (models:/m/Production).")
                == true)
        let store = try shell.session.store()
        let scored = try store.read(try store.version(try TableName(parsing: "fsp.scored")))
        #expect(scored.rowCount == 1941)
        func distinct(_ name: String) throws -> Set<String> {
            let column = try scored.column(named: name)
            return Set((0..<scored.rowCount).map { column.value(at: $0).displayText })
        }
        #expect(try distinct("model") == ["m"] && distinct("model_version") == ["1"])
        let session = shell.run("predict nb on=fsp.faults limit=1941").first?.tables(named: "predictions").first
        #expect(
            session?.rows.map { $0[1] } == (0..<1941).map { try! scored.column(named: "predicted").value(at: $0) },
            "the registered pipeline predicts what the session's model predicts")

        let catalog = try shell.session.tracking.tracker().catalog
        let run = try catalog.run("latest")
        let params = try catalog.params(of: run.id)
        #expect(
            run.name == "predict with m/1" && params["model_uri"] == "models:/m/Production"
                && params["model_version"] == "1")
        #expect(
            params["model_run_id"] == (try catalog.version("m", 1).runId) && params["output_table"] == "fsp.scored@v1")
        #expect(try catalog.inputs(of: run.id).map { "\($0.name) \($0.context)" } == ["fsp.faults@v1 scoring"])
        #expect((try catalog.latestMetrics(of: run.id)).keys.contains("predicted_share_Bumps"))

        #expect(
            shell.failure("predict nb with=models:/m/Production")?.message
                == "give a session model or with=URI, not both")
        #expect(
            shell.failure("predict with=models:/m/Staging")?.message
                == "no versions of model 'm' are in stage 'Staging'")
        #expect(shell.failure("predict with=models:/m/Production on=fsp.nope")?.message.contains("fsp.nope") == true)
        #expect(shell.failure("predict with=runs:/zzzz/model")?.message.contains("zzzz") == true)
    }

    @Test(
        "serve follows promotions (this shell's and another process's) without failing a request; status, invoke, stop")
    func serveFollowsTheRegistry() async throws {
        let shell = registered()
        let started = try #require(shell.run("serve models:/m/Production port=0").first)
        guard case .fields(_, let fields)? = started.blocks.last,
            case .text(let url)? = fields.first(where: { $0.key == "url" })?.value
        else {
            Issue.record("serve shows no url: \(started)")
            return
        }
        #expect(started.messages.hasPrefix("Serving m/1 (models:/m/Production) at \(url)/invocations"))
        #expect(
            shell.failure("serve models:/m/Production port=0")?.message.hasPrefix(
                "a server is already running on 127.0.0.1:") == true)

        // Load: three clients post rows continuously while versions 2 and 3 are promoted.
        let client = try ScoringClient(endpoint: url)
        let row = DeploymentSessionTests.firstRow(shell)
        let stop = Atomic<Bool>(false)
        // Answers in the order they arrived, and each client's own (sequential) answers.
        let seen = Mutex<[String]>([])
        let seenByClient = Mutex<[[String]]>([[], [], []])
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for clientIndex in 0..<3 {
            group.enter()
            Thread { // own threads: busy loops on Dispatch's global queues would starve the rest of the process
                defer { group.leave() }
                while !stop.load(ordering: .relaxed) {
                    do {
                        let answer = try client.invoke(columns: row.columns, rows: [row.cells])
                        seen.withLock { $0.append(answer.model ?? "?") }
                        seenByClient.withLock { $0[clientIndex].append(answer.model ?? "?") }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }
        func waitFor(_ label: String) -> Bool { // generous: CI runs other tests beside this one
            for _ in 0..<600 {
                if seen.withLock({ $0.suffix(3).allSatisfy { $0 == label } && $0.count >= 3 }) { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        #expect(waitFor("m/1"))
        let promoted = shell.run("fit lr on=all; register lr as m; stage m 2 Production archive=true")
        #expect(
            promoted.last?.messages.contains("now serves m/2 (models:/m/Production)") == true,
            "\(promoted.last?.messages ?? "")")
        #expect(waitFor("m/2"))

        // Another shell on the same workspace promotes version 3: the server's follower picks it up.
        let other = Session(
            workspace: Workspace(root: shell.directory.path + "/ws"), connectors: .standard, output: CollectingOutput())
        other.execute(
            "\(Self.prepare); fit knn on=all; register knn as m; stage m 3 Production archive=true",
            origin: .commandLine)
        #expect((other.output as! CollectingOutput).failures.isEmpty)
        #expect(
            waitFor("m/3"),
            """
            the server follows a promotion made by another process within its poll interval; \
            last answers \(seen.withLock { $0.suffix(5) }), \(failures.withLock { $0.count }) failures, \
            last check: \(shell.session.deployment.server?.service.source.lastProblem ?? "fine")
            """)
        stop.store(true, ordering: .relaxed)
        group.wait()

        #expect(failures.withLock { $0 } == [], "no request failed while versions moved")
        let order = seen.withLock { $0 }
        #expect(order.count >= 9)
        let firstOf = { (label: String) in order.firstIndex(of: label) ?? -1 }
        #expect(firstOf("m/1") == 0 && firstOf("m/1") < firstOf("m/2") && firstOf("m/2") < firstOf("m/3"))
        // Across clients, an answer begun on m/2 may arrive after another client's first m/3; one
        // client's next request begins after its last answer, so it never goes back.
        for answers in seenByClient.withLock({ $0 }) {
            #expect(answers == answers.sorted(), "a client that got a version never gets an older one: \(answers)")
        }

        let status = try #require(shell.run("serve status").first)
        guard case .fields(_, let statusFields)? = status.blocks.first else {
            Issue.record("no status fields")
            return
        }
        #expect(statusFields.first { $0.key == "serving" }?.value == .text("m/3"))
        #expect(statusFields.first { $0.key == "errors" }?.value == .integer(0))
        #expect(statusFields.first { $0.key == "requests" }?.value == .integer(Int64(order.count)))

        shell.run(Self.prepare)
        #expect(
            shell.run("invoke plate 5").first?.messages.contains("\(url)/invocations answered") == true,
            "without URL: this shell's server")
        let invoked = try #require(shell.run("invoke \(url) plate 5").first)
        #expect(
            invoked.messages.contains("answered for 1 row of plate 5") && invoked.messages.contains("scored by m/3"))
        #expect(invoked.tables(named: "predictions").first?.rows.count == 1)

        let session = Unchecked(shell.session)
        shell.output.removeAll()
        await onOwnThread { _ = session.value.execute("serve stop", origin: .commandLine) }
        #expect(
            shell.output.outputs.first?.messages.hasPrefix("Stopped the server on 127.0.0.1:") == true,
            "\(shell.output.failures)")
        #expect(
            shell.run("serve status").first?.messages
                == "No server is running; 'serve models:/NAME/Production' starts one.")
        #expect(
            shell.failure("invoke \(url) plate 5")?.message.hasPrefix(
                "cannot reach the scoring server at \(url)/invocations") == true)
        #expect(shell.failure("serve models:/m/Nope")?.message.contains("'Nope'") == true)
        #expect(shell.failure("invoke ftp://x plate 1")?.message == "'ftp://x' is not an http URL of a scoring server")
        #expect(shell.failure("invoke plate 1")?.message == "no server is running in this shell")
    }

    @Test("stage says the server switched even when the server's follower saw the promotion first")
    func promotionSeenByTheFollowerFirst() throws {
        let shell = registered()
        shell.run("serve models:/m/Production port=0; fit lr on=all; register lr as m")
        let deployment = shell.session.deployment
        defer { deployment.stop() }
        let before = try #require(deployment.servedModel)
        #expect(before.label == "m/1")
        // The promotion is written, and the follower's check switches the server before the
        // promoting command checks it itself.
        _ = try shell.session.tracking.tracker().transition("m", version: 2, to: .production, archiveExisting: true)
        try deployment.running?.server.service.source.refresh()
        #expect(deployment.servedModel?.label == "m/2")

        var output = CommandOutput(command: "stage")
        deployment.refresh(on: &output, servedBefore: before)
        #expect(output.messages.contains("now serves m/2 (models:/m/Production)"), "\(output.messages)")
        var unchanged = CommandOutput(command: "stage")
        deployment.refresh(on: &unchanged, servedBefore: deployment.servedModel)
        #expect(unchanged.messages == "", "no switch, nothing said")
    }

    /// The first TOP3 row's cells, named (what a client sends).
    static func firstRow(_ shell: Harness) -> (columns: [String], cells: [JSON]) {
        let table = try! shell.session.frames.currentTable()
        return (table.columnNames, table.columns.map { JSON($0.value(at: 0)) })
    }
}
