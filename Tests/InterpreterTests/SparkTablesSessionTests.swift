import Engine
import Foundation
import Interpreter
import TestSupport
import Testing

/// `tables uri=…` and `$SPARK_REMOTE` in a session, without a server: where tables go, the errors,
/// and that a token never reaches the output or the history. (The Spark Connect server's own
/// round trips are in Tests/CrossCheck/spark_roundtrip.py, run by scripts/test.)
@Suite("Spark tables in a session")
struct SparkTablesSessionTests {
    @Test("an unreachable server is a clear error, the tables stay in the workspace, the token never shows")
    func unreachable() throws {
        let shell = Harness()
        shell.session.execute("tables uri=\"sc://127.0.0.1:9/;token=s3cr3t;use_ssl=false\"", origin: .console)
        let failure = try #require(shell.output.failures.first)
        #expect(failure.message.contains("cannot reach the Spark Connect server at 127.0.0.1:9"))
        #expect(failure.hint?.contains("start-connect-server.sh") == true)
        let history = try String(contentsOfFile: shell.session.workspace.layout.historyFile, encoding: .utf8)
        #expect(history.contains("token=******;"))
        #expect(!history.contains("s3cr3t"))
        #expect(!"\(shell.output.outputs)\(shell.output.failures)".contains("s3cr3t"))
        let status = shell.execute("tables status")
        #expect(status.failures.isEmpty)
        #expect("\(status.outputs)".contains("workspace (SQLite)"), "a failed move keeps the workspace store")
    }

    @Test("a bad address is refused with the expected form")
    func badAddress() throws {
        let shell = Harness()
        let failure = try #require(shell.failure("tables uri=http://127.0.0.1:15002"))
        #expect(failure.message.contains("starts with sc://"))
        #expect(shell.execute("tables uri=local").failures.isEmpty)
    }
}
