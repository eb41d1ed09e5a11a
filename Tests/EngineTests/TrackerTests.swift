import Foundation
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// What every tracker does, on the embedded one: runs nest under an open run, a logged model is a
/// complete directory and a LoggedModel, registering needs a model, and the mistakes are named.
@Suite("Tracker (embedded)")
struct TrackerTests {
    typealias F = ScoringFixture

    @Test("runs nest under the open run; a logged model is a directory and a LoggedModel; register makes its version")
    func runsAndModels() throws {
        let workspace = TemporaryDirectory()
        let tracker: Tracker = EmbeddedTracker(catalog: try Catalog(workspace: workspace.path))
        tracker.experimentName = "exp"
        let group = try tracker.openGroupRun(name: "session", tags: ["k": "v"])
        let child = try tracker.startRun(name: "fit rf")
        #expect(
            try tracker.catalog.tags(of: child)["mlflow.parentRunId"] == group,
            "a run started while one is open nests under it")
        try tracker.logModel(
            child, model: .classifier(F.pipeline), featureTypes: F.types, example: F.data.x.selecting(rows: [0, 1]))
        try tracker.endRun(child, status: .finished)
        let files = Set(tracker.catalog.artifacts(of: child).map(\.path))
        #expect(files.isSuperset(of: ["model/MLmodel", "model/pipeline.json", "model/model.onnx"]))
        let mlmodel = try String(
            contentsOfFile: tracker.catalog.runDirectory(child) + "/model/MLmodel", encoding: .utf8)
        #expect(
            mlmodel.contains("\nmlflow_version: \"3.17.2\"\n") && mlmodel.contains("\nrun_id: \"\(child)\"\n"),
            "get_model_info() reads mlflow_version and run_id: \(mlmodel)")
        let logged = try #require(try tracker.catalog.loggedModel(ofRun: child))
        #expect(logged.id.hasPrefix("m-") && logged.id.count == 34 && logged.name == "model")
        try tracker.logModel(
            child, model: .classifier(F.pipeline), featureTypes: F.types, example: F.data.x.selecting(rows: [0, 1]))
        #expect(try tracker.catalog.loggedModel(ofRun: child)?.id == logged.id, "logging again keeps the LoggedModel")
        let version = try #require(
            try tracker.register(runId: child, name: "m", description: "d", versionDescription: "v1", tags: ["t": "1"])
                .version)
        #expect(version.version == 1 && version.source == "runs:/\(child)/model" && version.tags["t"] == "1")
        #expect(
            try tracker.registry.resolve("models:/m/1") == version
                && tracker.runReader().location == "the workspace catalog")
        #expect(try tracker.closeGroupRun() == group && tracker.openRun == nil)
        #expect(try tracker.catalog.run(group).status == .finished)
        #expect(tracker.drainWarnings().isEmpty && tracker.close(waitingUpTo: 0) == 0, "nothing runs in the background")
    }

    @Test("mistakes are named: a second open run, closing none, registering a run without a model")
    func mistakes() throws {
        let workspace = TemporaryDirectory()
        let tracker: Tracker = EmbeddedTracker(catalog: try Catalog(workspace: workspace.path))
        let run = try tracker.openGroupRun(name: "a", tags: [:])
        #expect(
            engineError { _ = try tracker.openGroupRun(name: "b", tags: [:]) }?.message
                == "run \(run.prefix(8)) is already open")
        _ = try tracker.closeGroupRun()
        #expect(engineError { _ = try tracker.closeGroupRun() }?.message == "no run is open")
        let error = try #require(
            engineError {
                _ = try tracker.register(runId: run, name: "m", description: nil, versionDescription: "", tags: [:])
            })
        #expect(
            error.message == "run \(run.prefix(8)) logged no model"
                && error.hint?.contains("register a run of fit or tune") == true)
        #expect(try tracker.catalog.registeredModels().isEmpty, "nothing was registered")
    }
}
