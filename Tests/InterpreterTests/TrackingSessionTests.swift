import Engine
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Interpreter

@Suite("Session: tracking and the registry")
struct TrackingSessionTests {
    static let faults = "Pastry,Z_Scratch,K_Scatch,Stains,Dirtiness,Bumps,Other_Faults"

    func top3() -> Harness {
        let shell = Harness()
        shell.run(
            "load \(realDataPath) as fsp.faults; label onehot=\(Self.faults); keep top=3 by=Label exclude=Other_Faults; scale"
        )
        return shell
    }

    /// The catalog, once the runs recorded so far are finished (as a command that reads runs sees it).
    func catalog(_ shell: Harness) throws -> Catalog { try shell.session.tracking.tracker().catalog }

    /// Runs `commands`, then waits for the runs they recorded to be finished.
    func runFinished(_ shell: Harness, _ commands: String) {
        shell.run(commands)
        shell.session.tracking.finisher.settle()
    }

    @Test("pca, fit, tune and compare record runs: params, metric histories, tags, dataset, artifacts, model")
    func autolog() throws {
        let shell = top3()
        shell.run("experiment fsp; pca var=0.999")
        let catalog = try catalog(shell)
        let pca = try catalog.run("latest")
        #expect(pca.name == "pca" && pca.status == .finished)
        #expect(try catalog.params(of: pca.id)["n_components"] == "20")
        #expect(
            try catalog.metrics(of: pca.id).filter { $0.key == "explained_variance_ratio" }.map(\.step) == Array(0..<27)
        )
        #expect(
            Set(catalog.artifacts(of: pca.id).map(\.path)).isSuperset(of: [
                "pca/variance.png", "pca/components.csv",
                "pca/principal_components.csv", "model/MLmodel",
            ]))
        let input = try #require(try catalog.inputs(of: pca.id).first)
        #expect(
            input.name == "fsp.faults@v1" && input.profile.contains("\"num_rows\":983") && input.context == "training")
        let tags = try catalog.tags(of: pca.id)
        #expect(
            tags["mlflow.source.name"] == "plateshell -c" && tags["plateshell.command"] == "pca var=0.999"
                && tags["plateshell.version"] != nil)

        runFinished(shell, "split test=0.3; fit nb")
        let fit = try catalog.run("latest")
        let fitParams = try catalog.params(of: fit.id)
        #expect(fit.name == "fit nb" && fitParams["trained_on"] == "train")
        let metrics = try catalog.latestMetrics(of: fit.id)
        #expect(metrics["training_accuracy"] != nil && metrics["test_accuracy"] != nil)
        #expect(catalog.artifacts(of: fit.id).map(\.path).contains("evaluation/confusion_matrix.csv"))
        #expect(shell.session.modeling.model(named: "nb")?.runId == fit.id)

        runFinished(shell, "compare folds=3 models=lr,nb")
        let runs = try catalog.runs()
        let parent = try #require(runs.first { $0.name == "compare" })
        let children = try runs.filter { try catalog.tags(of: $0.id)["mlflow.parentRunId"] == parent.id }
        #expect(Set(children.map(\.name)) == ["lr", "nb"])
        for child in children {
            let history = try catalog.metrics(of: child.id).filter { $0.key == "fold_accuracy" }
            let mean = try #require(try catalog.latestMetrics(of: child.id)["accuracy"])
            #expect(
                history.count == 3 && abs(history.map(\.value).reduce(0, +) / 3 - mean) < 1e-12,
                "the mean is the mean of the folds")
        }
        #expect(catalog.artifacts(of: parent.id).map(\.path).contains("leaderboard.csv"))
        #expect(try catalog.experiments().map(\.name).contains("fsp"))
        #expect(runs.allSatisfy { $0.experimentId == (try? catalog.experiment(named: "fsp").id) })
    }

    @Test("a run's files are written while the next commands work; whatever reads runs sees them finished")
    func runsFinishInTheBackground() throws {
        let shell = top3()
        let sql = try #require(
            shell.run(
                "fit nb; pca var=0.999; sql select name, status from catalog.runs order by start_time"
            ).last?.tables(named: "result").first)
        #expect(sql.rows == [[.text("fit nb"), .text("FINISHED")], [.text("pca"), .text("FINISHED")]])
        let catalog = try catalog(shell)
        let fit = try #require(try catalog.runs().first { $0.name == "fit nb" })
        let files = Set(catalog.artifacts(of: fit.id).map(\.path))
        #expect(files.isSuperset(of: ["model/MLmodel", "model/model.onnx", "model/pipeline.json"]))
        #expect(try catalog.loggedModel(ofRun: fit.id)?.name == "model")
        shell.run("fit nb as=nb2; register nb2 as m")
        #expect(try catalog.resolve("models:/m/1").runId == (try catalog.runs().first { $0.name == "fit nb2" })?.id)
    }

    @Test("a run whose files cannot be written ends FAILED, and the shell says so after a command; the result stands")
    func unwritableRunFiles() throws {
        let shell = top3()
        let catalog = try catalog(shell)
        // The folder of every run's files is a plain file: no run can write its files.
        try? FileManager.default.removeItem(atPath: catalog.artifactRoot)
        #expect(FileManager.default.createFile(atPath: catalog.artifactRoot, contents: Data("x".utf8)))
        let fit = try #require(shell.run("fit nb").first)
        #expect(fit.messages.contains("Tracked as run"))
        let next = try #require(shell.run("runs").first)
        let run = try #require(try catalog.runs().first)
        #expect(run.status == .failed)
        // The failure is told after the first command that ends once it is known: `fit` itself
        // when its files failed at once (the folder is a file), else `runs`, which waits for them.
        let told = fit.messages + next.messages
        #expect(
            told.contains(
                "Tracking: the run \(run.id.prefix(8)) (fit nb) was not fully recorded (cannot write '\(catalog.artifactRoot)/\(run.id)/model/"
            ))
        #expect(told.contains("and ended FAILED; the command's result stands."))
        #expect(shell.session.modeling.model(named: "nb") != nil, "the fitted model stays in the session")
    }

    @Test("autolog off records nothing; run start/end groups commands into one run")
    func groupingAndOff() throws {
        let shell = top3()
        shell.run("autolog off; pca k=5; fit nb")
        #expect(try catalog(shell).runs().isEmpty)
        shell.run("register pca as p; register nb as m")
        let logged = try catalog(shell).runs()
        #expect(Set(logged.map(\.name)) == ["register pca", "register nb"], "register logs what autolog did not")
        #expect(try catalog(shell).resolve("models:/p/1").runId == logged.first { $0.name == "register pca" }?.id)
        shell.run("autolog on; run start name=notebook; pca k=5; fit nb; run end")
        let runs = try catalog(shell).runs().filter { !$0.name.hasPrefix("register") }
        #expect(runs.count == 1 && runs[0].name == "notebook" && runs[0].status == .finished)
        let params = try catalog(shell).params(of: runs[0].id)
        #expect(params["n_components"] == "5" && params["model"] == "nb", "both commands logged into the open run")
        #expect(shell.failure("run end")?.message == "no run is open")
        shell.run("run start")
        #expect(shell.failure("run start")?.message.hasSuffix("is already open") == true)
    }

    @Test("register, describe, stage with archive, alias, lineage: the notebook-3 path")
    func registry() throws {
        let shell = top3()
        shell.run("pca var=0.999; register pca as pca-fsp-model description=\"scaler and PCA\"")
        shell.run(
            "fit nb as=first; register first as m description=\"v1\"; fit nb as=second; register second as m description=\"v2\""
        )
        let catalog = try catalog(shell)
        #expect(try catalog.versions("m").map(\.version) == [1, 2])
        #expect(
            try catalog.registeredModel("m").description == "v1", "the model's description comes from its first version"
        )
        #expect(try catalog.version("m", 2).description == "v2")
        shell.run("stage m 1 Production; stage m latest production archive=true; alias m latest champion")
        #expect(try catalog.versions("m").map(\.stage) == [.archived, .production])
        #expect(try catalog.resolve("models:/m@champion").version == 2)
        let lineage = try #require(shell.run("lineage m Production").first)
        #expect(lineage.tables(named: "params").first?.rows.contains { $0 == [.text("model"), .text("nb")] } == true)
        let dataset = try #require(lineage.tables(named: "datasets").first?.rows.first)
        #expect(dataset[2] == .text("fsp.faults") && dataset[3] == .integer(1) && dataset[6] == .integer(983))
        guard case .fields(_, let run)? = lineage.blocks.dropFirst().first else {
            Issue.record("no run fields")
            return
        }
        #expect(run.first { $0.key == "command" }?.value == .text("fit nb as=second"))
        let registered = try #require(shell.run("models registered").first?.tables(named: "registered").first)
        #expect(registered.rows.map { $0[0] } == [.text("m"), .text("pca-fsp-model")])
        let sql = try #require(
            shell.run("sql select count(*) as n from catalog.model_versions").first?.tables(named: "result").first)
        #expect(sql.rows == [[.integer(3)]])
    }

    @Test("registry mistakes get clear errors, and nothing recorded is lost")
    func badInput() throws {
        let shell = Harness()
        shell.run("load \(realDataPath) as fsp.faults; label onehot=\(Self.faults)")
        #expect(shell.failure("register as m")?.message == "no model has been fitted in this session")
        #expect(shell.failure("register pca as m")?.message == "no PCA to register")
        shell.run("fit nb; register nb as m")
        #expect(shell.failure("register nbb as m")?.fullMessage == "no fitted model named 'nbb'; did you mean 'nb'?")
        #expect(shell.failure("versions mm")?.fullMessage == "no registered model named 'mm'; did you mean 'm'?")
        #expect(shell.failure("stage m 3 Staging")?.message == "m has no version '3'")
        #expect(
            shell.failure("stage m 1 Prod")?.fullMessage.contains(
                "'stage' must be one of None, Staging, Production, Archived") == true)
        #expect(shell.failure("alias m 1 latest")?.message.contains("reserved by MLflow") == true)
        #expect(shell.failure("alias m 1 v2")?.message.contains("reserved by MLflow") == true)
        #expect(shell.failure("unalias m champion")?.message == "m has no alias 'champion'")
        #expect(shell.failure("register run=zz as m")?.message.contains("not a run id") == true)
        #expect(shell.failure("lineage m Staging")?.message == "no versions of model 'm' are in stage 'Staging'")
        #expect(shell.failure("save as catalog.x")?.message.contains("reserved for the tracking catalog") == true)
        #expect(shell.failure("sql delete from catalog.runs")?.message.contains("read-only") == true)
        #expect(
            shell.failure("tracking uri=ftp://x")?.message
                == "'ftp://x' is not an http(s) URL of an MLflow tracking server")
        let catalog = try catalog(shell)
        #expect(
            try catalog.versions("m").count == 1 && (try catalog.runs().count == 1),
            "every mistake left the catalog as it was")
    }

    @Test(
        "a server that cannot be reached: commands carry on, the catalog keeps everything queued; registry commands say why"
    )
    func serverDown() throws {
        let shell = top3()
        let port = try FakeMLflowServer().port // free, and closed again
        let connect = try #require(shell.run("tracking uri=http://127.0.0.1:\(port)").first)
        #expect(connect.messages.hasPrefix("Warning: cannot reach the MLflow server at http://127.0.0.1:\(port)"))
        let fit = try #require(shell.run("fit nb").first)
        #expect(fit.messages.contains("Tracked as run"))
        #expect(try catalog(shell).runs().count == 1)
        let status = try #require(shell.run("tracking status").first)
        guard case .fields(_, let fields)? = status.blocks.first else {
            Issue.record("no status fields")
            return
        }
        #expect(fields.first { $0.key == "queued" }.map { $0.value.displayText } != "0")
        #expect(
            shell.failure("models registered")?.message.hasPrefix(
                "cannot reach the MLflow server at http://127.0.0.1:\(port)") == true)
        let register = shell.run("register nb as m; stage m latest Production; alias m latest champion")
        try #require(register.count == 3, "an outage stops no script at register")
        #expect(
            register.first?.messages.hasPrefix(
                "Queued the registration of m from run") == true
                && register.first?.messages.contains("'tracking status' shows the queue") == true,
            "\(register.first?.messages ?? "")")
        #expect(register[1].messages.hasPrefix("Queued: m version latest moves to Production once"))
        #expect(register[2].messages.hasPrefix("Queued: models:/m@champion resolves to version latest once"))
        #expect(
            shell.failure("tracking flush timeout=1")?.message.contains("still queued for http://127.0.0.1:\(port)")
                == true)
        #expect(try catalog(shell).runs().count == 1, "nothing recorded locally was lost")
        #expect(
            shell.failure("tracking uri=ftp://x")?.message
                == "'ftp://x' is not an http(s) URL of an MLflow tracking server")
    }

    /// The fields of `tracking status`, as text (a missing value is nil).
    func status(_ shell: Harness) -> [String: String] {
        guard case .fields(_, let fields)? = shell.run("tracking status").first?.blocks.first else { return [:] }
        var values: [String: String] = [:]
        for field in fields {
            if case .missing = field.value { continue }
            values[field.key] = field.value.displayText
        }
        return values
    }

    @Test(
        "tracking status probes the server: down in a fresh shell it says so; once back, the old error and queue are gone"
    )
    func statusProbes() throws {
        let shell = top3()
        let port = try FakeMLflowServer().port // free, and closed again
        shell.run("tracking uri=http://127.0.0.1:\(port)")
        let fresh = status(shell)
        #expect(fresh["reachable"]?.hasPrefix("no: cannot reach the MLflow server") == true, "\(fresh)")
        #expect(fresh["last_error"]?.hasPrefix("cannot reach the MLflow server") == true, "\(fresh)")
        #expect(fresh["queued"] == "0")
        shell.run("fit nb")
        shell.session.tracking.finisher.settle()
        let queued = Int(status(shell)["queued"] ?? "") ?? 0
        #expect(queued > 0)
        let outbox = try #require((try shell.session.tracking.tracker() as? ServerTracker)?.sender.outbox)
        #expect(try queued == outbox.queued())
        let server = try FakeMLflowServer(port: port)
        defer { server.stop() }
        let back = status(shell)
        #expect(back["reachable"] == "yes" && back["queued"] == "0" && back["last_error"] == nil, "\(back)")
        #expect(server.allRuns.count == 1)
    }

    @Test("tracking status with an outbox it cannot read says so in its fields and lines, never 'queued 0'")
    func statusOfUnreadableOutbox() throws {
        let shell = top3()
        let port = try FakeMLflowServer().port // free, and closed again
        shell.run("tracking uri=http://127.0.0.1:\(port); fit nb")
        shell.session.tracking.finisher.settle()
        let tracker = try #require(try shell.session.tracking.tracker() as? ServerTracker)
        // Another program breaks the catalog's outbox table under the shell.
        try DatabaseQueue(path: tracker.catalog.path).write { db in
            try db.execute(sql: "ALTER TABLE outbox RENAME TO outbox_elsewhere")
        }
        let output = try #require(shell.run("tracking status").first)
        guard case .fields(_, let fields)? = output.blocks.first else {
            Issue.record("no status fields")
            return
        }
        let queued = fields.first { $0.key == "queued" }?.value.displayText
        #expect(queued?.hasPrefix("the tracking outbox cannot be read: ") == true, "\(queued ?? "nil")")
        #expect(output.messages.contains("items queued for other servers cannot be listed"), "\(output.messages)")
    }

    @Test(
        "with a server, the registry is the team's: a second workspace lists, resolves, traces and scores what the first registered"
    )
    func sharedRegistry() throws {
        let server = try FakeMLflowServer()
        let alice = top3()
        let bob = top3()
        alice.run(
            "tracking uri=\(server.url); experiment team; fit nb; register nb as nb-model description=\"shared\"; stage nb-model 1 Production"
        )
        alice.run("alias nb-model 1 champion")
        bob.run("tracking uri=\(server.url)")
        let models = try #require(bob.run("models registered").first)
        #expect(models.tables(named: "registered").first?.rows.first?.first?.displayText == "nb-model")
        let versions = try #require(bob.run("versions nb-model").first?.tables(named: "versions").first)
        #expect(
            versions.rows.count == 1 && versions.value(0, "stage")?.displayText == "Production"
                && versions.value(0, "aliases")?.displayText == "champion")
        let lineage = try #require(bob.run("lineage nb-model Production").first)
        #expect(
            lineage.tables(named: "params").first?.rows.contains { $0.first?.displayText == "model" } == true,
            "the training run's params come from the server")
        let scored = try #require(bob.run("predict with=models:/nb-model@champion plate 3").first)
        #expect(scored.messages.contains("with nb-model/1 (models:/nb-model@champion)"))
        bob.run("fit nb; register nb as nb-model")
        #expect(
            try #require(alice.run("versions nb-model").first?.tables(named: "versions").first).rows.count == 2,
            "alice sees bob's version 2")
        #expect(
            bob.failure("lineage nb-model @nobody")?.message
                == "nb-model has no alias 'nobody' on the MLflow server at \(server.url)")
    }

    @Test("the experiment defaults to the script's name")
    func experimentFromScript() throws {
        let shell = top3()
        let script = shell.directory.file("my-study.plsh", "fit nb\n")
        #expect(shell.session.runScript(at: script) == .ok)
        let run = try catalog(shell).run("latest")
        #expect(try catalog(shell).experiments().first { $0.id == run.experimentId }?.name == "my-study")
        #expect(try catalog(shell).tags(of: run.id)["plateshell.source.line"] == "1")
    }
}
