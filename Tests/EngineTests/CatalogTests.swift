import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Engine
@testable import MLCore

/// The tracking catalog keeps MLflow's semantics: immutable params, metric histories, registry
/// versions numbered max + 1, stages with archiving, aliases with MLflow's reserved names, and
/// `models:/` URIs resolved exactly as MLflow resolves them.
@Suite("Tracking catalog and registry")
struct CatalogTests {
    /// A catalog in a fresh workspace with a fixed clock.
    func catalog(_ directory: TemporaryDirectory) throws -> Catalog {
        let catalog = try Catalog(workspace: directory.path)
        let tick = Mutex<Int64>(1_800_000_000_000)
        catalog.now = {
            tick.withLock { tick in
                tick += 1
                return tick
            }
        }
        return catalog
    }

    /// A finished run of experiment `exp` that logged a (fake but complete) model directory.
    func runWithModel(_ catalog: Catalog, experiment: String = "exp") throws -> String {
        let run = try catalog.createRun(
            experimentId: try catalog.experiment(named: experiment).id, name: "fit", tags: [:])
        try catalog.writeArtifact(runId: run.id, path: "model/MLmodel", data: Data("artifact_path: model\n".utf8))
        try catalog.endRun(runId: run.id, status: .finished)
        return run.id
    }

    func register(_ catalog: Catalog, _ name: String, run: String) throws -> ModelVersion {
        try catalog.createVersion(
            name: name, runId: run, source: "runs:/\(run)/model", storageLocation: "file:///x", description: "",
            tags: [:])
    }

    @Test("runs: params are immutable, metrics keep their history, the latest is by step")
    func runs() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let experiment = try catalog.experiment(named: "exp")
        #expect(
            try catalog.experiment(named: "exp") == experiment, "selecting an experiment again does not create another")
        let run = try catalog.createRun(experimentId: experiment.id, name: "r", tags: ["k": "v"])
        try catalog.logBatch(
            runId: run.id, params: ["a": "1"],
            metrics: [
                MetricPoint(key: "acc", value: 0.5, timestamp: 10, step: 0),
                MetricPoint(key: "acc", value: 0.9, timestamp: 11, step: 2),
                MetricPoint(key: "acc", value: 0.7, timestamp: 12, step: 1),
            ])
        try catalog.logBatch(runId: run.id, params: ["a": "1"])
        let changed = try #require(engineError { try catalog.logBatch(runId: run.id, params: ["a": "2"]) })
        #expect(changed.message.contains("param 'a'") && changed.message.contains("cannot change"))
        #expect(try catalog.params(of: run.id) == ["a": "1"])
        #expect(try catalog.metrics(of: run.id).count == 3)
        #expect(
            try catalog.latestMetrics(of: run.id)["acc"] == 0.9, "the latest value is the one with the largest step")
        #expect(try catalog.tags(of: run.id)["mlflow.runName"] == "r")
        try catalog.endRun(runId: run.id, status: .failed)
        #expect(try catalog.run(String(run.id.prefix(6))).status == .failed, "a unique prefix finds the run")
        #expect(try catalog.run("latest").id == run.id)
        #expect(engineError { _ = try catalog.run("zzz") }?.message.contains("not a run id") == true)
        #expect(engineError { _ = try catalog.run("abc") }?.message == "no run with id 'abc'")
    }

    @Test("versions count up per model; stages archive the others; URIs resolve as MLflow's do")
    func registry() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let run = try runWithModel(catalog)
        try catalog.registerModel("m", description: "first")
        let versions = try (1...3).map { _ in try register(catalog, "m", run: run) }
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(try register(catalog, "other", run: run).version == 1, "numbering is per model")
        _ = try catalog.transition("m", version: 1, to: .production, archiveExisting: false)
        _ = try catalog.transition("m", version: 2, to: .production, archiveExisting: false)
        #expect(try catalog.resolve("models:/m/Production").version == 2, "the highest version in the stage")
        #expect(try catalog.resolve("models:/m/production").version == 2, "stage names in any case")
        _ = try catalog.transition("m", version: 3, to: .production, archiveExisting: true)
        #expect(try catalog.versions("m").map(\.stage) == [.archived, .archived, .production])
        #expect(try catalog.resolve("models:/m/latest").version == 3)
        #expect(try catalog.resolve("models:/m/2").version == 2)
        try catalog.setAlias("m", alias: "champion", version: 2)
        #expect(try catalog.resolve("models:/m@champion").version == 2)
        try catalog.setAlias("m", alias: "champion", version: 1)
        #expect(try catalog.resolve("models:/m@champion").version == 1, "setting an alias again moves it")
        #expect(try catalog.version("m", 1).aliases == ["champion"] && (try catalog.version("m", 2).aliases.isEmpty))
        try catalog.deleteAlias("m", alias: "champion")
        #expect(engineError { _ = try catalog.resolve("models:/m@champion") }?.message == "m has no alias 'champion'")
        #expect(try catalog.registeredModel("m").description == "first")
        try catalog.describe("m", description: "second")
        #expect(try catalog.registeredModel("m").description == "second")
    }

    @Test("bad names, versions, stages and aliases are refused with MLflow's rules, nothing changed")
    func badInput() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let run = try runWithModel(catalog)
        _ = try register(catalog, "et-fsp-model", run: run)
        let unknown = try #require(engineError { _ = try catalog.registeredModel("et-fsp-modle") })
        #expect(
            unknown.message == "no registered model named 'et-fsp-modle'" && unknown.suggestions == ["et-fsp-model"])
        #expect(engineError { _ = try catalog.version("et-fsp-model", 7) }?.message == "et-fsp-model has no version 7")
        let stage = try #require(engineError { _ = try Stage.parse("Prod") })
        #expect(
            stage.message.contains("it must be one of None, Staging, Production, Archived")
                && stage.suggestions.contains("Production"))
        #expect(try Stage.parse("staging") == .staging)
        for reserved in ["latest", "LATEST", "v1", "V12"] {
            #expect(
                engineError { try catalog.setAlias("et-fsp-model", alias: reserved, version: 1) }?.message.contains(
                    "reserved") == true, "\(reserved)")
        }
        #expect(engineError { try catalog.setAlias("et-fsp-model", alias: "a b", version: 1) } != nil)
        #expect(try catalog.setAlias("et-fsp-model", alias: "v1a", version: 1) == (), "only v<digits> is reserved")
        for name in ["a/b", "50%", ""] {
            #expect(
                engineError { _ = try catalog.registerModel(name) }?.message.contains(
                    "not a valid registered model name") == true)
        }
        #expect(
            engineError { _ = try catalog.resolve("runs:/x/model") }?.message.contains("not a models:/ URI") == true)
        #expect(
            engineError { _ = try catalog.resolve("models:/et-fsp-model/Staging") }?.message
                == "no versions of model 'et-fsp-model' are in stage 'Staging'")
        #expect(
            try catalog.versions("et-fsp-model").count == 1 && (try catalog.version("et-fsp-model", 1).stage == .none))
    }

    @Test("a logged model loads back; a damaged artifact is named, with the way out")
    func modelArtifact() throws {
        let data = EstimatorConformanceTests.data.first
        let kind = try ModelCatalog.kind("nb")
        let pipeline = try FittedPipeline.fit(
            kind: kind, settings: try kind.settings([:]), plan: PreprocessingPlan(scale: true), dataset: data,
            frameSteps: [], target: "Label", seed: 42)
        let directory = TemporaryDirectory()
        let types = data.features.map {
            $0.hasSuffix("_Index") || $0.hasPrefix("Log") || $0 == "SigmoidOfAreas" ? ColumnType.real : .integer
        }
        let files = try ModelArtifact.files(
            .classifier(pipeline), featureTypes: types, example: data.x.selecting(rows: [0, 1]), runId: "r")
        #expect(files.map(\.0).last == "MLmodel", "MLmodel is written last: a directory with it is complete")
        for (name, bytes) in files { try bytes.write(to: URL(fileURLWithPath: directory.path + "/" + name)) }
        #expect(try ModelArtifact.load(directory: directory.path) == .classifier(pipeline))
        let mlmodel = try String(contentsOfFile: directory.path + "/MLmodel", encoding: .utf8)
        #expect(
            mlmodel.contains("plateshell:")
                && mlmodel.contains("\\\"type\\\":\\\"long\\\",\\\"name\\\":\\\"X_Minimum\\\"")
                && mlmodel.contains("proba_Z_Scratch"))
        let artifact = try String(contentsOfFile: directory.path + "/pipeline.json", encoding: .utf8)
        directory.file("pipeline.json", "{\"formatVersion\": 1, \"kind\": ")
        let damaged = try #require(engineError { _ = try ModelArtifact.load(directory: directory.path) })
        #expect(damaged.message.hasPrefix("the model artifact '\(directory.path)/pipeline.json' is damaged"))
        #expect(damaged.hint == "register the model again from its run")

        // A classifier whose model is damaged is not read as the transform its other keys make.
        let brokenModel = artifact.replacingOccurrences(of: "\"model\":{", with: "\"model\":7,\"unread\":{")
        #expect(brokenModel != artifact)
        directory.file("pipeline.json", brokenModel)
        let notTransform = try #require(engineError { _ = try ModelArtifact.load(directory: directory.path) })
        #expect(notTransform.message.hasPrefix("the model artifact '\(directory.path)/pipeline.json' is damaged"))

        // A transform (what pca logs) loads back as one.
        let transform = LoggedModel.transform(features: data.features, preprocessing: pipeline.preprocessing)
        for (name, bytes) in try ModelArtifact.files(
            transform, featureTypes: types, example: data.x.selecting(rows: [0, 1]), runId: "r")
        {
            try bytes.write(to: URL(fileURLWithPath: directory.path + "/" + name))
        }
        #expect(try ModelArtifact.load(directory: directory.path) == transform)
    }

    @Test("YAML strings are JSON-quoted: null, true, numbers, colons and newlines stay strings")
    func yaml() {
        let text = YAMLValue.mapping([
            ("name", .string("null")), ("b", .string("a: b # c\nd")), ("n", .integer(3)), ("e", .mapping([])),
            ("l", .list([.string("true")])),
        ]).text()
        #expect(text == "name: \"null\"\nb: \"a: b # c\\nd\"\nn: 3\ne: {}\nl:\n  - \"true\"\n")
    }

    @Test("export writes MLflow's file-store layout: numeric ids, int statuses, ts value step lines, md5 dataset ids")
    func export() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let run = try runWithModel(catalog)
        try catalog.logBatch(
            runId: run, params: ["p": "1"],
            metrics: [
                MetricPoint(key: "acc", value: 0.25, timestamp: 5, step: 0),
                MetricPoint(key: "acc", value: 0.5, timestamp: 6, step: 1),
            ])
        let input = DatasetInput(
            name: "fsp.faults@v1", digest: "6da2b338", sourceType: "plateshell", source: "{\"uri\": \"x\"}",
            schema: "{}", profile: "{\"num_rows\": 4}", context: "training")
        try catalog.logInputs(runId: run, datasets: [input])
        _ = try register(catalog, "m", run: run)
        try catalog.setAlias("m", alias: "champion", version: 1)
        let store = directory.path + "/mlruns"
        let summary = try MLflowFileStore.export(catalog, to: store)
        #expect(summary.runs == 1 && summary.versions == 1 && summary.models == 1)
        let experiment = try catalog.experiment(named: "exp").id
        #expect(Int(experiment) != nil)
        let files = FileManager.default
        #expect(files.fileExists(atPath: store + "/.trash") && files.fileExists(atPath: store + "/0/meta.yaml"))
        let meta = try String(contentsOfFile: "\(store)/\(experiment)/\(run)/meta.yaml", encoding: .utf8)
        #expect(
            meta.contains("status: 3\n") && meta.contains("end_time: 18")
                && meta.contains("experiment_id: \"\(experiment)\""))
        #expect(
            try String(contentsOfFile: "\(store)/\(experiment)/\(run)/metrics/acc", encoding: .utf8)
                == "5 0.25 0\n6 0.5 1\n")
        #expect(try String(contentsOfFile: "\(store)/\(experiment)/\(run)/params/p", encoding: .utf8) == "1")
        #expect(files.fileExists(atPath: "\(store)/\(experiment)/\(run)/artifacts/model/MLmodel"))
        #expect(input.id == MD5.hex("fsp.faults@v16da2b338"))
        #expect(files.fileExists(atPath: "\(store)/\(experiment)/datasets/\(input.id)/meta.yaml"))
        #expect(files.fileExists(atPath: "\(store)/\(experiment)/\(run)/inputs/\(MD5.hex(input.id + run))/meta.yaml"))
        #expect(try String(contentsOfFile: "\(store)/models/m/aliases/champion", encoding: .utf8) == "1")
        let version = try String(contentsOfFile: "\(store)/models/m/version-1/meta.yaml", encoding: .utf8)
        #expect(
            version.contains("current_stage: \"None\"")
                && version.contains("storage_location: \"file://\(store)/\(experiment)/\(run)/artifacts/model\""))
        #expect(
            engineError { _ = try MLflowFileStore.export(catalog, to: store) }?.message.contains("is not empty")
                == true,
            "export never writes over an existing store")
    }

    @Test("an MLflow server that cannot be reached is named, quickly")
    func unreachableServer() throws {
        let client = try MLflowClient(uri: "http://127.0.0.1:9", timeout: 2)
        var failure: MLflowError?
        do { _ = try client.experimentId(named: "x") } catch let error as MLflowError { failure = error }
        let error = try #require(failure)
        #expect(error.isRetryable && error.status == nil)
        #expect(error.engineError.message.hasPrefix("cannot reach the MLflow server at http://127.0.0.1:9"))
        #expect(
            engineError { _ = try MLflowClient(uri: "ftp://x") }?.message
                == "'ftp://x' is not an http(s) URL of an MLflow tracking server")
    }
}
