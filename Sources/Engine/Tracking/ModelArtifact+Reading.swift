import Foundation
import MLCore
import Yams

/// A model directory's `MLmodel` file as read back, whoever wrote it (PlateShell, or MLflow's
/// Python flavors): its flavors and its signature's input columns (MLFLOW.md §4).
public struct MLmodelFile: Sendable {
    /// The file's path.
    public let path: String
    /// The flavors it declares, sorted (`plateshell`, `python_function`, `sklearn` …).
    public let flavors: [String]
    /// `signature.inputs`: the JSON text MLflow stores, nil when there is none.
    public let signatureInputs: String?

    /// Reads `DIRECTORY/MLmodel`.
    ///
    /// - Throws: `EngineError.io` when the file is missing; `.invalidData` when it is not a YAML
    ///   mapping.
    public init(directory: String) throws {
        path = directory + "/MLmodel"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EngineError(
                .io, "no MLmodel file at '\(path)'", hint: "a model directory is complete when it has its MLmodel file")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw EngineError(
                .invalidData, "'\(path)' is not valid YAML: \(error)",
                hint: "the model directory is damaged; register the model again from its run")
        }
        guard let mapping = document as? [String: Any] else {
            throw EngineError(
                .invalidData, "'\(path)' is not an MLmodel file (a YAML mapping with flavors and a signature)")
        }
        flavors = ((mapping["flavors"] as? [String: Any]) ?? [:]).keys.sorted()
        signatureInputs = (mapping["signature"] as? [String: Any])?["inputs"] as? String
    }
}

extension ModelArtifact {
    /// The flavor PlateShell writes and serves.
    public static let flavor = "plateshell"

    /// The model in a model directory.
    ///
    /// - Throws: `EngineError.invalidData` naming the file when it is missing or damaged, or
    ///   naming the flavors when the directory holds a model of another tool.
    public static func load(directory path: String) throws -> LoggedModel {
        let mlmodel = try MLmodelFile(directory: path)
        guard mlmodel.flavors.contains(flavor) else {
            throw EngineError(
                .invalidData,
                "the model in '\(path)' is not a PlateShell model: its MLmodel has the flavor\(mlmodel.flavors.count == 1 ? "" : "s") \(mlmodel.flavors.isEmpty ? "(none)" : mlmodel.flavors.joined(separator: ", ")), not \(flavor)",
                hint:
                    "PlateShell serves models it logged (fit, tune, register); serve this one with 'mlflow models serve'"
            )
        }
        try checkONNX(directory: path, flavors: mlmodel.flavors)
        let file = path + "/pipeline.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw EngineError(
                .io, "no model artifact at '\(file)'", hint: "the model directory must hold pipeline.json")
        }
        // A classifier first (most artifacts are), the transform form only when that fails: one
        // parse of the JSON for a classifier (it was three, one through JSONSerialization, 45% of
        // notebook 3's time for its 5 MB forests).
        do {
            return .classifier(try FittedPipeline.decode(data))
        } catch let error as EngineError {
            if let probe = try? JSONDecoder().decode(TransformProbe.self, from: data), !probe.hasModel,
                probe.transform.preprocessing.pca != nil || probe.transform.preprocessing.scaler != nil
            {
                return .transform(features: probe.transform.features, preprocessing: probe.transform.preprocessing)
            }
            throw EngineError(
                .invalidData, "the model artifact '\(file)' is damaged: \(error.message)",
                hint: "register the model again from its run")
        }
    }

    /// An artifact read as a transform, and whether it has a model too (then it is a damaged
    /// classifier, not a transform).
    private struct TransformProbe: Decodable {
        let transform: TransformArtifact
        let hasModel: Bool

        enum Key: String, CodingKey { case model }

        init(from decoder: any Decoder) throws {
            transform = try TransformArtifact(from: decoder)
            hasModel = try decoder.container(keyedBy: Key.self).contains(.model)
        }
    }

    /// The input columns of the signature in a model directory's `MLmodel`.
    ///
    /// - Throws: `EngineError.io` when `MLmodel` is missing; `.invalidData` when it has no
    ///   readable input signature.
    public static func inputSignature(directory path: String) throws -> [SignatureColumn] {
        let mlmodel = try MLmodelFile(directory: path)
        struct Column: Decodable {
            let name: String
            let type: String
        }
        guard let json = mlmodel.signatureInputs,
            let columns = try? JSONDecoder().decode([Column].self, from: Data(json.utf8))
        else {
            throw EngineError(
                .invalidData, "'\(mlmodel.path)' has no readable input signature",
                hint: "register the model again from its run")
        }
        return try columns.map { column in
            guard let type = SignatureColumn.ColumnType(rawValue: column.type) else {
                throw EngineError(
                    .invalidData,
                    "'\(mlmodel.path)' gives column '\(column.name)' the type '\(column.type)'; PlateShell models read long or double"
                )
            }
            return SignatureColumn(name: column.name, type: type)
        }
    }
}
