import Foundation
import MLCore

/// Writes the catalog in MLflow's file-store layout (`mlruns/`, MLFLOW.md §2), which the real
/// MLflow client and UI read and `mlflow migrate-filestore` converts to SQLite:
///
/// ```
/// DIR/.trash/                         required by MLflow's reader
/// DIR/0/meta.yaml                     the Default experiment
/// DIR/<exp>/meta.yaml                 numeric experiment ids (migrate-filestore drops others)
/// DIR/<exp>/datasets/<md5>/meta.yaml  one per (name, digest)
/// DIR/<exp>/<run>/{meta.yaml, params/, metrics/, tags/, artifacts/, inputs/<md5>/meta.yaml}
/// DIR/models/<name>/{meta.yaml, aliases/, tags/, version-N/{meta.yaml, tags/}}
/// ```
///
/// Every YAML string is JSON-quoted, every location an absolute `file://` URI of DIR, every file
/// written atomically; metric lines are `ts value step`, never duplicated.
public enum MLflowFileStore {
    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        public let root: String
        public let experiments: Int
        public let runs: Int
        public let models: Int
        public let versions: Int
    }

    /// Exports `catalog` into `directory`, which must be empty or not exist.
    ///
    /// - Throws: `EngineError.invalidArgument` when the directory holds files; `.io` when it cannot be written.
    public static func export(_ catalog: Catalog, to directory: String) throws -> Summary {
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let files = FileManager.default
        if let existing = try? files.contentsOfDirectory(atPath: root), !existing.isEmpty {
            throw EngineError(
                .invalidArgument, "'\(directory)' is not empty; export writes a whole file store",
                hint: "choose a new folder, or remove this one first")
        }
        do {
            try files.createDirectory(atPath: root + "/.trash", withIntermediateDirectories: true)
        } catch {
            throw EngineError(
                .io, "cannot export to '\(directory)': \(FileSystemProblem.reason(for: error, at: root + "/.trash"))",
                hint: "export to a new folder you can write to, for example export mlflow mlruns-export")
        }
        let experiments = try catalog.experiments()
        let now = millisecondsNow()
        if !experiments.contains(where: { $0.id == "0" || $0.name == "Default" }) {
            try writeExperiment(
                Experiment(id: "0", name: "Default", artifactLocation: "", creationTime: now, lastUpdateTime: now),
                root: root)
        }
        let models = try catalog.registeredModels()
        let versionsOfModel = try Dictionary(
            uniqueKeysWithValues: models.map { ($0.name, try catalog.versions($0.name)) })
        let versionsOfRun = Dictionary(
            grouping: versionsOfModel.values.joined().filter { $0.runId != nil }, by: { $0.runId! })
        var runCount = 0
        for experiment in experiments {
            try writeExperiment(experiment, root: root)
            for run in try catalog.runs(experimentId: experiment.id) {
                try writeRun(run, catalog: catalog, root: root, versions: versionsOfRun[run.id] ?? [])
                runCount += 1
            }
        }
        let experimentOfRun = Dictionary(uniqueKeysWithValues: try catalog.runs().map { ($0.id, $0.experimentId) })
        var versionCount = 0
        for model in models {
            let versions = versionsOfModel[model.name] ?? []
            try writeModel(model, versions: versions, root: root, catalog: catalog, experimentOfRun: experimentOfRun)
            versionCount += versions.count
        }
        return Summary(
            root: root, experiments: experiments.count, runs: runCount, models: models.count, versions: versionCount)
    }

    private static func uri(_ path: String) -> String { URL(fileURLWithPath: path, isDirectory: false).absoluteString }

    private static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// Writes `values` as one file per key (`params/`, `tags/`): the value verbatim.
    private static func writeKeyFiles(_ values: [String: String], in folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (key, value) in values { try write(value, to: folder + "/" + key) }
    }

    private static func writeExperiment(_ experiment: Experiment, root: String) throws {
        let folder = root + "/" + experiment.id
        try write(
            YAMLValue.mapping([
                ("artifact_location", .string(uri(folder))), ("creation_time", .integer(experiment.creationTime)),
                ("experiment_id", .string(experiment.id)), ("last_update_time", .integer(experiment.lastUpdateTime)),
                ("lifecycle_stage", .string("active")), ("name", .string(experiment.name)),
                ("workspace", .string("default")),
            ]).text(), to: folder + "/meta.yaml")
    }

    private static func writeRun(_ run: RunRecord, catalog: Catalog, root: String, versions: [ModelVersion]) throws {
        let experimentFolder = root + "/" + run.experimentId
        let folder = experimentFolder + "/" + run.id
        try write(
            YAMLValue.mapping([
                ("artifact_uri", .string(uri(folder + "/artifacts"))),
                ("end_time", run.endTime.map(YAMLValue.integer) ?? .null),
                ("entry_point_name", .string("")), ("experiment_id", .string(run.experimentId)),
                ("lifecycle_stage", .string("active")),
                ("run_id", .string(run.id)), ("run_name", .string(run.name)), ("source_name", .string("")),
                ("source_type", .integer(4)),
                ("source_version", .string("")), ("start_time", .integer(run.startTime)),
                ("status", .integer(Int64(run.status.fileStoreCode))),
                ("tags", .list([])), ("user_id", .string(run.user)),
            ]).text(), to: folder + "/meta.yaml")
        try writeKeyFiles(try catalog.params(of: run.id), in: folder + "/params")
        try writeKeyFiles(try catalog.tags(of: run.id), in: folder + "/tags")
        try FileManager.default.createDirectory(atPath: folder + "/metrics", withIntermediateDirectories: true)
        let points = try catalog.metrics(of: run.id)
        for key in Set(points.map(\.key)) {
            let lines = points.filter { $0.key == key }.map { "\($0.timestamp) \(pythonFloat($0.value)) \($0.step)\n" }
            try write(lines.joined(), to: folder + "/metrics/" + key)
        }
        try copyArtifacts(from: catalog.runDirectory(run.id), to: folder + "/artifacts")
        for input in try catalog.inputs(of: run.id) {
            try write(
                YAMLValue.mapping([
                    ("digest", .string(input.digest)), ("name", .string(input.name)),
                    ("profile", .string(input.profile)),
                    ("schema", .string(input.schema)), ("source", .string(input.source)),
                    ("source_type", .string(input.sourceType)),
                ]).text(), to: experimentFolder + "/datasets/" + input.id + "/meta.yaml")
            try write(
                YAMLValue.mapping([
                    ("destination_id", .string(input.id)), ("destination_type", .string("RUN")),
                    ("source_id", .string(input.id)),
                    ("source_type", .string("DATASET")),
                    ("tags", .mapping([("mlflow.data.context", .string(input.context))])),
                ]).text(), to: folder + "/inputs/" + MD5.hex(input.id + run.id) + "/meta.yaml")
        }
        if let model = try catalog.loggedModel(ofRun: run.id) {
            try writeLoggedModel(
                model, run: run, catalog: catalog, experimentFolder: experimentFolder, versions: versions)
        }
    }

    /// An MLflow 3 LoggedModel (MLFLOW.md §2.8, §2.9): `<exp>/models/<model_id>/` with its meta,
    /// the run's params, the user and source tags and the registered versions made from it, the
    /// run's metrics (4 fields: `ts value step run_id`), the model directory as its artifacts; and
    /// the run's `outputs/<model_id>/meta.yaml` linking the run to it.
    private static func writeLoggedModel(
        _ model: (id: String, name: String, creationTime: Int64), run: RunRecord, catalog: Catalog,
        experimentFolder: String, versions: [ModelVersion]
    ) throws {
        let folder = experimentFolder + "/models/" + model.id
        try write(
            YAMLValue.mapping([
                ("artifact_location", .string(uri(folder + "/artifacts"))),
                ("creation_timestamp", .integer(model.creationTime)),
                ("experiment_id", .string(run.experimentId)),
                ("last_updated_timestamp", .integer(run.endTime ?? model.creationTime)),
                ("model_id", .string(model.id)), ("model_type", .null), ("name", .string(model.name)),
                ("source_run_id", .string(run.id)),
                ("status", .integer(2)), ("status_message", .null),
            ]).text(), to: folder + "/meta.yaml")
        try writeKeyFiles(try catalog.params(of: run.id), in: folder + "/params")
        var tags = try catalog.tags(of: run.id).filter {
            ["mlflow.user", "mlflow.source.name", "mlflow.source.type"].contains($0.key)
        }
        if !versions.isEmpty {
            tags["mlflow.modelVersions"] = JSON.array(
                versions.map { .object([("name", .string($0.name)), ("version", .integer(Int64($0.version)))]) }
            )
            .serialized()
        }
        try writeKeyFiles(tags, in: folder + "/tags")
        try FileManager.default.createDirectory(atPath: folder + "/metrics", withIntermediateDirectories: true)
        let points = try catalog.metrics(of: run.id)
        for key in Set(points.map(\.key)) {
            let lines = points.filter { $0.key == key }.map {
                "\($0.timestamp) \(pythonFloat($0.value)) \($0.step) \(run.id)\n"
            }
            try write(lines.joined(), to: folder + "/metrics/" + key)
        }
        try copyArtifacts(from: catalog.runDirectory(run.id) + "/" + model.name, to: folder + "/artifacts")
        try write(
            YAMLValue.mapping([
                ("destination_id", .string(model.id)), ("destination_type", .string("MODEL_OUTPUT")),
                ("source_id", .string(model.id)),
                ("source_type", .string("RUN_OUTPUT")), ("step", .integer(0)), ("tags", .mapping([])),
            ]).text(), to: experimentFolder + "/" + run.id + "/outputs/" + model.id + "/meta.yaml")
    }

    /// A metric value as Python's `float()` reads it.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    private static func copyArtifacts(from source: String, to destination: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
        // A run without artifacts has no folder; one that cannot be listed fails the export.
        guard files.fileExists(atPath: source) else { return }
        let entries: [String]
        do { entries = try files.contentsOfDirectory(atPath: source) } catch {
            throw EngineError(
                .io, "cannot read the artifacts in '\(source)': \(FileSystemProblem.reason(for: error, at: source))")
        }
        for entry in entries where !entry.hasSuffix(".partial") {
            try files.copyItem(atPath: source + "/" + entry, toPath: destination + "/" + entry)
        }
    }

    private static func writeModel(
        _ model: RegisteredModel, versions: [ModelVersion], root: String, catalog: Catalog,
        experimentOfRun: [String: String]
    ) throws {
        let folder = root + "/models/" + model.name
        try write(
            YAMLValue.mapping([
                (
                    "aliases",
                    .mapping(model.aliases.sorted { $0.key < $1.key }.map { ($0.key, .string(String($0.value))) })
                ),
                ("creation_timestamp", .integer(model.creationTime)), ("description", .string(model.description)),
                ("last_updated_timestamp", .integer(model.lastUpdateTime)), ("name", .string(model.name)),
                ("workspace", .string("default")),
            ]).text(), to: folder + "/meta.yaml")
        try writeKeyFiles(model.tags, in: folder + "/tags")
        for (alias, version) in model.aliases { try write(String(version), to: folder + "/aliases/" + alias) }
        for version in versions {
            var storage = version.storageLocation
            if let runId = version.runId, let experiment = experimentOfRun[runId] {
                storage = uri(root + "/" + experiment + "/" + runId + "/artifacts/" + ModelArtifact.directory)
            }
            let loggedModel = try version.runId.flatMap { try catalog.loggedModel(ofRun: $0)?.id }
            try write(
                YAMLValue.mapping([
                    ("creation_timestamp", .integer(version.creationTime)),
                    ("current_stage", .string(version.stage.rawValue)),
                    ("description", .string(version.description)),
                    ("last_updated_timestamp", .integer(version.lastUpdateTime)),
                    ("model_id", loggedModel.map(YAMLValue.string) ?? .null),
                    ("name", .string(version.name)), ("run_id", version.runId.map(YAMLValue.string) ?? .null),
                    ("run_link", .null),
                    ("source", .string(version.source)), ("status", .string("READY")), ("status_message", .null),
                    ("storage_location", .string(storage)), ("user_id", .null),
                    ("version", .integer(Int64(version.version))),
                    ("workspace", .string("default")),
                ]).text(), to: folder + "/version-\(version.version)/meta.yaml")
            try writeKeyFiles(version.tags, in: folder + "/version-\(version.version)/tags")
        }
    }
}
