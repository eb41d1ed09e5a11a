import Engine
import Foundation
import TestSupport
import Testing

@testable import Interpreter

/// What the registry tells about where versions are: a stage change that leaves an alias on an
/// archived version, and a workspace opened without the server it registered on.
@Suite("Session: registry warnings and where the registry is")
struct RegistrySessionTests {
    /// The top-3 frame with two fitted models, first and second.
    func top3() -> Harness {
        let shell = ModelingSessionTests().top3()
        shell.run("fit nb as first; fit nb as second")
        return shell
    }

    /// Registers two versions of m, version 1 in Production with alias champion, then promotes version 2.
    func promoteOverChampion(_ shell: Harness) throws -> CommandOutput {
        shell.run("register first as m; register second as m; stage m 1 Production; alias m 1 champion")
        return try #require(shell.run("stage m 2 Production archive=true").first)
    }

    @Test("archiving a version an alias points at warns, naming the alias, the version and the fix (workspace catalog)")
    func archivedAliasInTheCatalog() throws {
        let shell = top3()
        let promoted = try promoteOverChampion(shell)
        #expect(
            promoted.messages.contains(
                "Warning: alias 'champion' still points at m version 1, which is now Archived, so models:/m@champion resolves to an archived model; 'alias m 2 champion' moves it to the version now in Production."
            ), "\(promoted.messages)")
        shell.run("alias m 2 champion; stage m 1 Staging; alias m 1 challenger")
        let archived = try #require(shell.run("stage m 1 Archived").first)
        #expect(
            archived.messages.contains(
                "Warning: alias 'challenger' still points at m version 1, which is now Archived, so models:/m@challenger resolves to an archived model; 'alias m VERSION challenger' moves it, 'unalias m challenger' removes it."
            ), "archiving the aliased version itself: \(archived.messages)")
        let quiet = try #require(shell.run("alias m 2 challenger; stage m 2 Staging; stage m 2 Production").first)
        #expect(!quiet.messages.contains("Warning"), "no alias is left on an archived version: \(quiet.messages)")
    }

    @Test("archiving a version an alias points at warns on a tracking server's registry too")
    func archivedAliasOnTheServer() throws {
        let server = try FakeMLflowServer()
        let shell = top3()
        shell.run("tracking uri=\(server.url)")
        let promoted = try promoteOverChampion(shell)
        #expect(
            promoted.messages.contains(
                "Warning: alias 'champion' still points at m version 1, which is now Archived, so models:/m@champion resolves to an archived model; 'alias m 2 champion' moves it to the version now in Production."
            ), "\(promoted.messages)")
    }

    @Test("a workspace that registered on a server, opened without it, names the server and how to point at it")
    func remembersItsRegistry() throws {
        let server = try FakeMLflowServer()
        let shell = top3()
        shell.run("tracking uri=\(server.url); register first as et-fsp-model")
        _ = shell.session.finish(waitingUpTo: 5)
        let reopened = Harness(reopening: shell)
        let missing = try #require(reopened.failure("versions et-fsp-model"))
        #expect(
            missing.message
                == "no registered model named 'et-fsp-model' in the workspace catalog: this workspace registered it on the MLflow server at \(server.url)"
        )
        #expect(
            missing.hint
                == "point at that server: 'tracking uri=\(server.url)', or start PlateShell with MLFLOW_TRACKING_URI=\(server.url)"
        )
        let other = try #require(reopened.failure("versions other-model"))
        #expect(other.message == "no registered model named 'other-model' in the workspace catalog")
        #expect(other.hint?.contains("this workspace registered models on the MLflow server at \(server.url)") == true)
        let listed = try #require(reopened.run("models registered").first)
        #expect(listed.messages.contains("this workspace registered its models on the MLflow server at \(server.url)"))
        let found = try #require(reopened.run("tracking uri=\(server.url); versions et-fsp-model").last)
        #expect(found.tables(named: "versions").first?.rows.count == 1, "the hint's command finds it")
    }
}
